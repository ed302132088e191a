"""SEC-4: the national student number is stored encrypted, found through a keyed hash and shown masked.

Existing rows are converted in place (clear → encrypted + hash + mask); the reverse writes the clear value back.
Raw SQL, because the historical model would try to decrypt the clear values it reads."""

from django.db import migrations, models

import suiban.core.crypto


def _rows(schema_editor, table, column):
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"SELECT id, {column} FROM {table}")  # noqa: S608 — table and column names are ours
        return cur.fetchall()


def encrypt_numbers(apps, schema_editor):
    from suiban.core.crypto import encrypt, lookup_hash, mask_student_number

    table = apps.get_model("students", "Student")._meta.db_table
    qn = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cur:
        for pk, number in _rows(schema_editor, table, "student_number"):
            number = (number or "").strip().upper()
            cur.execute(f"UPDATE {table} SET {qn('student_number')} = %s, {qn('student_number_hash')} = %s, "  # noqa: S608
                        f"{qn('student_number_masked')} = %s WHERE id = %s",
                        [encrypt(number), lookup_hash(number) or f"empty-{pk}", mask_student_number(number), pk])


def decrypt_numbers(apps, schema_editor):
    from suiban.core.crypto import decrypt

    table = apps.get_model("students", "Student")._meta.db_table
    qn = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cur:
        for pk, token in _rows(schema_editor, table, "student_number"):
            cur.execute(f"UPDATE {table} SET {qn('student_number')} = %s WHERE id = %s",  # noqa: S608
                        [decrypt(token) if token else "", pk])


class Migration(migrations.Migration):
    dependencies = [
        ("students", "0004_correction_request"),
    ]

    operations = [
        migrations.AddField(
            model_name="student",
            name="student_number_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="student",
            name="student_number_masked",
            field=models.CharField(blank=True, editable=False, max_length=19),
        ),
        migrations.AlterField(
            model_name="student",
            name="student_number",
            field=suiban.core.crypto.EncryptedTextField(verbose_name="national student number"),
        ),
        migrations.RunPython(encrypt_numbers, decrypt_numbers),
        migrations.AlterField(
            model_name="student",
            name="student_number_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
    ]
