"""PL-13: names sort in pinyin order on PostgreSQL through the ICU collation zh-u-co-pinyin,
with an index in that order for the roster. SQLite keeps its default ordering."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE COLLATION IF NOT EXISTS zh_pinyin (provider = icu, locale = 'zh-u-co-pinyin')")
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS student_name_pinyin_idx ON students_student ((name COLLATE "zh_pinyin"), id)')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS student_name_pinyin_idx")
    schema_editor.execute("DROP COLLATION IF EXISTS zh_pinyin")


class Migration(migrations.Migration):
    dependencies = [("students", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
