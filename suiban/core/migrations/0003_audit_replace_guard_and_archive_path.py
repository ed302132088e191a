"""SEC-3: close the last ways around the append-only audit table, and open one sanctioned path for retention.

- SQLite: ``INSERT OR REPLACE`` deleted the old row and wrote a new one under the same id without firing the
  delete trigger; a BEFORE INSERT trigger now aborts any insert whose id already exists.
- Retention (``manage.py audit_archive``) must remove rows older than the ⚙ retention period once they are safely
  archived. Ordinary DELETEs stay refused; the delete trigger lets a row go only inside the archiving
  transaction: on PostgreSQL when that transaction has ``SET LOCAL suiban.audit_archive = 'on'``, on SQLite when
  the transaction has written an archive window row (``core_audit_archive_window``) covering the row's id. Both
  flags end with the transaction. UPDATE and TRUNCATE stay refused on PostgreSQL.
"""

from django.db import migrations

SQLITE = [
    "CREATE TABLE IF NOT EXISTS core_audit_archive_window (upto_id integer NOT NULL);",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete;",
    "CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent "
    "WHEN NOT EXISTS (SELECT 1 FROM core_audit_archive_window WHERE OLD.id <= upto_id) "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS core_auditevent_no_replace BEFORE INSERT ON core_auditevent "
    "WHEN EXISTS (SELECT 1 FROM core_auditevent WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_replace;",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete;",
    "CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON core_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    "DROP TABLE IF EXISTS core_audit_archive_window;",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('suiban.audit_archive', true) = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'the audit log is append-only';
    END; $$ LANGUAGE plpgsql;""",
]
POSTGRES_REVERSE = [
    """CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only_triggers")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
