"""On PostgreSQL, TRUNCATE of the audit events is refused too (a statement-level trigger): the row trigger of
0002 refuses UPDATE and DELETE, but TRUNCATE fires no row trigger. Tests flush their database with the session in
replica mode (tests/conftest.py), which only a superuser may set."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION rapport_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'TRUNCATE of % is refused: its rows are kept for good', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS clinic_auditevent_no_truncate ON clinic_auditevent;
CREATE TRIGGER clinic_auditevent_no_truncate
    BEFORE TRUNCATE ON clinic_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_refuse_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS clinic_auditevent_no_truncate ON clinic_auditevent;
DROP FUNCTION IF EXISTS rapport_refuse_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_keyed_chain")]
    operations = [migrations.RunPython(forwards, backwards)]
