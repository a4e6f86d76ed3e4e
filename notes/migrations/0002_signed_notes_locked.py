"""On PostgreSQL, the database itself keeps signed progress notes and their addenda as they were signed.

- notes_progressnote: once signed_at is set, UPDATE of the signed content and signature columns is refused,
  a final note's status cannot change, and DELETE is refused. Status and co-signature columns may change
  (supervision). Key rotation re-encrypts rows: it sets `rapport.rotating_keys` to 'on' for its transaction
  (SET LOCAL), and then only the ciphertext changes, the plaintext staying the same.
- notes_objectiverating: no insert, update or delete under a signed note (same rotation exception).
- notes_addendum: signed on creation, so no UPDATE (same rotation exception) and no DELETE.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION rapport_rotating_keys() RETURNS boolean AS $$
BEGIN
    RETURN coalesce(current_setting('rapport.rotating_keys', true), '') = 'on';
END
$$ LANGUAGE plpgsql STABLE;

CREATE OR REPLACE FUNCTION rapport_signed_note_locked() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.signed_at IS NOT NULL THEN
            RAISE EXCEPTION 'signed progress notes cannot be deleted (note %)', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.signed_at IS NULL OR rapport_rotating_keys() THEN
        RETURN NEW;
    END IF;
    IF NEW.content IS DISTINCT FROM OLD.content
       OR NEW.risk IS DISTINCT FROM OLD.risk
       OR NEW.interventions_used IS DISTINCT FROM OLD.interventions_used
       OR NEW.template IS DISTINCT FROM OLD.template
       OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
       OR NEW.signed_at IS DISTINCT FROM OLD.signed_at
       OR NEW.signed_by_id IS DISTINCT FROM OLD.signed_by_id
       OR NEW.session_id IS DISTINCT FROM OLD.session_id
       OR NEW.couple_id IS DISTINCT FROM OLD.couple_id
       OR NEW.author_id IS DISTINCT FROM OLD.author_id
       OR NEW.late_entry IS DISTINCT FROM OLD.late_entry
       OR NEW.requires_cosign IS DISTINCT FROM OLD.requires_cosign
       OR NEW.restricted_to_partner IS DISTINCT FROM OLD.restricted_to_partner
       OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'signed progress notes cannot change (note %)', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.status = 'final' AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'a final progress note keeps its status (note %)', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS notes_progressnote_signed_locked ON notes_progressnote;
CREATE TRIGGER notes_progressnote_signed_locked
    BEFORE UPDATE OR DELETE ON notes_progressnote
    FOR EACH ROW EXECUTE FUNCTION rapport_signed_note_locked();

CREATE OR REPLACE FUNCTION rapport_signed_note_ratings_locked() RETURNS trigger AS $$
DECLARE
    parent uuid;
BEGIN
    IF TG_OP = 'UPDATE' AND rapport_rotating_keys() THEN
        RETURN NEW;
    END IF;
    FOR parent IN SELECT DISTINCT unnest(CASE
            WHEN TG_OP = 'INSERT' THEN ARRAY[NEW.note_id]
            WHEN TG_OP = 'DELETE' THEN ARRAY[OLD.note_id]
            ELSE ARRAY[OLD.note_id, NEW.note_id] END) LOOP
        IF EXISTS (SELECT 1 FROM notes_progressnote WHERE id = parent AND signed_at IS NOT NULL) THEN
            RAISE EXCEPTION 'the objective ratings of a signed progress note cannot change (note %)', parent
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END LOOP;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS notes_objectiverating_signed_locked ON notes_objectiverating;
CREATE TRIGGER notes_objectiverating_signed_locked
    BEFORE INSERT OR UPDATE OR DELETE ON notes_objectiverating
    FOR EACH ROW EXECUTE FUNCTION rapport_signed_note_ratings_locked();

CREATE OR REPLACE FUNCTION rapport_addendum_locked() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND rapport_rotating_keys()
       AND NEW.id = OLD.id AND NEW.note_id = OLD.note_id AND NEW.couple_id = OLD.couple_id
       AND NEW.kind = OLD.kind AND NEW.author_id = OLD.author_id AND NEW.signed_at = OLD.signed_at
       AND NEW.content_hash = OLD.content_hash THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'addenda are signed when written and cannot change (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS notes_addendum_locked ON notes_addendum;
CREATE TRIGGER notes_addendum_locked
    BEFORE UPDATE OR DELETE ON notes_addendum
    FOR EACH ROW EXECUTE FUNCTION rapport_addendum_locked();
"""

DROP = """
DROP TRIGGER IF EXISTS notes_addendum_locked ON notes_addendum;
DROP FUNCTION IF EXISTS rapport_addendum_locked();
DROP TRIGGER IF EXISTS notes_objectiverating_signed_locked ON notes_objectiverating;
DROP FUNCTION IF EXISTS rapport_signed_note_ratings_locked();
DROP TRIGGER IF EXISTS notes_progressnote_signed_locked ON notes_progressnote;
DROP FUNCTION IF EXISTS rapport_signed_note_locked();
DROP FUNCTION IF EXISTS rapport_rotating_keys();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
