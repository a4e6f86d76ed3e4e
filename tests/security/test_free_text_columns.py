"""No free text in plaintext: every text column of every model of our apps is encrypted, a fixed choice, or
listed below with the reason it may stay in clear (issue 16, item 5; README "Security").

A text column is a CharField, TextField, JSONField or any subclass (SlugField, EmailField, ...). Columns with
`choices` hold a value from a fixed list and pass on their own. The rest must be one of the encrypted fields of
keys/fields.py or be on ALLOWED_IN_CLEAR.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from keys.fields import EncryptedField

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)

# "app_label.Model.field" (one column) or "app_label.Model" (every text column of a model) -> why it is in clear.
ALLOWED_IN_CLEAR: dict[str, str] = {
    # keys and audit: written by code, never typed
    "keys.DataKey.owner_kind": "the kind of key owner (couple, practice, index, check), set by code",
    "keys.DataKey.kek_id": "the name of the key-encryption key that wraps this key, from the key provider",
    "audit.AuditEvent.actor_username": "the staff member who acted: the audit trail must name them without keys "
                                       "(a staff account, not client data)",
    "audit.AuditEvent.action": "the event kind, a constant in code",
    "audit.AuditEvent.object_type": "the model label of the record acted on, set by code",
    "audit.AuditEvent.object_id": "the record's UUID",
    "audit.AuditEvent.request_id": "a generated request id",
    "audit.AuditEvent.detail": "ids, counts and kinds set by code, never names or clinical text (CONVENTIONS.md)",
    "audit.AuditEvent.prev_hash": "a hex digest of the previous event",
    "audit.AuditEvent.hash": "a hex digest of this event",
    # the practice and its staff: not client data, needed in clear to sign in and to print on documents
    "clinic.Practice.name": "the practice's own name, printed on every page and report",
    "clinic.Practice.note_templates": "template codes (soap, dap, birp), validated against that list",
    "clinic.User.password": "Django's salted password hash",
    "clinic.User.username": "a staff member's sign-in name, looked up in SQL at sign-in",
    "clinic.User.first_name": "a staff member's name, shown to colleagues and printed on signed notes",
    "clinic.User.last_name": "a staff member's name, shown to colleagues and printed on signed notes",
    "clinic.User.email": "a staff member's work address",
    "clinic.User.credentials": "a staff member's professional credentials (LMFT, PsyD), printed on signed notes",
    "clinic.User.licence_number": "a staff member's public licence number, printed on signed notes",
    "clinic.ApiToken.digest": "a SHA-256 hex digest of an API token (the token itself is never stored)",
    "clinic.SignedInSession.session_key": "Django's session id (as in django_session), generated, never typed",
    # clients and couples: the identity is encrypted; these are not
    "clinic.Client.name_index": "a keyed blind index (HMAC) of the name, not the name",
    "clinic.Client.last_name_index": "a keyed blind index (HMAC) of the last name, not the name",
    "clinic.Couple.reference": "the case number: unique per practice and sorted in SQL, so it must be plain; "
                               "the form says it must not hold names",
    # the practice's library and instruments: generic text, not about any client
    "plans.LibraryItem": "the practice's trust-issue library (causes, signs, interventions with published "
                         "sources): generic text about no client",
    "plans.CustomInstrument.code": "the code of an instrument the practice added",
    "plans.CustomInstrument.definition": "an instrument's items, options and bands, about no client",
    "plans.MeasureAdministration.instrument": "an instrument code (built-in or the practice's)",
    "plans.MeasureAdministration.band": "the score band's label, computed from the instrument at scoring",
    "plans.MeasureSchedule.instrument": "an instrument code (built-in or the practice's)",
    # notes: codes and digests
    "notes.Session.service_code": "a billing code such as 90847",
    "notes.ProgressNote.content_hash": "a SHA-256 hex digest of the signed content",
    "notes.ProgressNote.restricted_to_partner": "a partner position letter (A or B), validated",
    "notes.Addendum.content_hash": "a SHA-256 hex digest of the signed content",
    # reports: built by code
    "reports.ReportBatch.options": "non-clinical switches (period, sections), validated by the serializer",
    "reports.ReportBatch.archive_name": "a file name built by code from the kind and the dates",
    "reports.ReportBatch.finisher_task_id": "a task id",
    "reports.GeneratedReport.options": "non-clinical switches (period, sections), validated by the serializer",
    "reports.GeneratedReport.content_type": "a MIME type",
    "reports.GeneratedReport.file_name": "a file name built by code from the case number and the dates",
    "reports.GeneratedReport.error": "what went wrong, written by code without clinical text",
    "reports.GeneratedReport.task_id": "a task id",
}


def our_models() -> list[type[models.Model]]:
    base = str(Path(settings.BASE_DIR).resolve())
    return [model for config in apps.get_app_configs() if str(Path(config.path).resolve()).startswith(base)
            for model in config.get_models()]


def text_columns() -> list[tuple[str, models.Field]]:
    """(app_label.Model.field, field) for every concrete text column of our apps' models."""
    return [(f"{model._meta.label}.{field.name}", field) for model in our_models()
            for field in model._meta.concrete_fields
            if isinstance(field, TEXT_FIELDS) and field.model is model]


def test_every_free_text_column_is_encrypted_or_allowed_with_a_reason():
    unexplained = [
        name for name, field in text_columns()
        if not isinstance(field, EncryptedField) and not field.choices
        and name not in ALLOWED_IN_CLEAR and name.rsplit(".", 1)[0] not in ALLOWED_IN_CLEAR
    ]
    assert not unexplained, (
        "These text columns store what people type in plaintext: "
        f"{', '.join(sorted(unexplained))}. If a person can type free text about a client into one, declare it "
        "with an encrypted field of keys/fields.py (EncryptedCharField / EncryptedTextField / EncryptedJSONField, "
        "on a model whose key_owner_kind names the couple or practice) and encrypt existing rows in the migration "
        "with keys.column_sealing.seal_column (see plans/migrations/0008_encrypt_free_text.py). If it is not "
        "client text (a code, an id, a digest, text set by code), give it `choices` or add it to ALLOWED_IN_CLEAR "
        "in tests/security/test_free_text_columns.py with the reason, and list it in README 'Security'."
    )


def test_the_allow_list_names_only_plain_text_columns_that_exist():
    columns = dict(text_columns())
    models_with_text = {name.rsplit(".", 1)[0] for name in columns}
    stale = [entry for entry in ALLOWED_IN_CLEAR
             if entry not in models_with_text
             and (entry not in columns or isinstance(columns[entry], EncryptedField) or columns[entry].choices)]
    assert not stale, f"Remove these ALLOWED_IN_CLEAR entries (gone, encrypted or now a choice): {stale}"
    assert all(reason.strip() for reason in ALLOWED_IN_CLEAR.values())


def test_the_typed_plan_fields_named_in_the_issue_are_encrypted():
    for label, name in (("plans.Intervention", "frequency"), ("plans.Intervention", "delivered_by"),
                        ("plans.Objective", "unit")):
        assert isinstance(apps.get_model(label)._meta.get_field(name), EncryptedField), f"{label}.{name}"


def test_the_check_sees_every_app_of_ours():
    labels = {model._meta.app_label for model in our_models()}
    assert {"clinic", "notes", "plans", "reports", "audit", "keys"} <= labels
