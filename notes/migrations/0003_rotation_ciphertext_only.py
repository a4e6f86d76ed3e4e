"""On PostgreSQL, narrow the key-rotation exception and refuse TRUNCATE of signed notes.

- Key rotation sets `rapport.rotating_keys` for its transaction (keys.dek_rotation), and 0002's triggers then let
  a signed note's row change. Any session can set that flag, so a second row trigger on each note table now
  compares the whole row without its ciphertext columns while the flag is on: status, signer, times, content
  hash, links and every other column must stay as they were (a difference is refused). The ciphertext columns
  are the models' encrypted fields when this migration runs, passed to the trigger as its arguments.
- TRUNCATE fires no row trigger: statement-level triggers refuse TRUNCATE of the note tables (also when reached
  by TRUNCATE ... CASCADE from another table) while any signed note exists.
"""

from django.db import migrations

from keys.fields import EncryptedField

TABLES = {"notes_progressnote": "ProgressNote", "notes_objectiverating": "ObjectiveRating",
          "notes_addendum": "Addendum"}

FUNCTIONS = """
CREATE OR REPLACE FUNCTION rapport_rotation_ciphertext_only() RETURNS trigger AS $$
BEGIN
    IF rapport_rotating_keys() AND (to_jsonb(NEW) - TG_ARGV) IS DISTINCT FROM (to_jsonb(OLD) - TG_ARGV) THEN
        RAISE EXCEPTION 'while keys rotate, only the ciphertext of % may change (row %)', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION rapport_signed_notes_no_truncate() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM notes_progressnote WHERE signed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'TRUNCATE of % is refused while signed progress notes exist', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def _triggers(apps) -> str:
    sql = []
    for table, model_name in TABLES.items():
        model = apps.get_model("notes", model_name)
        columns = ", ".join(f"'{field.column}'" for field in model._meta.concrete_fields
                            if isinstance(field, EncryptedField))
        sql.append(f"""
DROP TRIGGER IF EXISTS {table}_rotation_ciphertext_only ON {table};
CREATE TRIGGER {table}_rotation_ciphertext_only BEFORE UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION rapport_rotation_ciphertext_only({columns});
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_signed_notes_no_truncate();
""")
    return "".join(sql)


DROP = "".join(f"DROP TRIGGER IF EXISTS {table}_rotation_ciphertext_only ON {table};\n"
               f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};\n" for table in TABLES) + """
DROP FUNCTION IF EXISTS rapport_rotation_ciphertext_only();
DROP FUNCTION IF EXISTS rapport_signed_notes_no_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS + _triggers(apps), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("notes", "0002_signed_notes_locked")]
    operations = [migrations.RunPython(forwards, backwards)]
