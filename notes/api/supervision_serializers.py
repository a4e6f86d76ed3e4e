"""API serializers of supervision: explicit Input and Output classes, fields listed by name.

No output here carries note content: the queue and the action answers give references, dates, statuses and
the supervisor's return comment (which the author needs to answer). Error messages never quote input.
"""

from __future__ import annotations

from rest_framework import serializers

from clinic.api.couples_serializers import StaffBriefOutput
from clinic.models import NOTE_TEXT_MAX
from notes.models import NoteStatus, SessionKind
from notes.services.supervision import COMMENT_REQUIRED, COMMENT_TOO_LONG


class ReviewQueueItemOutput(serializers.Serializer):
    id = serializers.UUIDField(help_text="The progress note's id.")
    couple = serializers.UUIDField(source="couple_id")
    couple_reference = serializers.CharField(source="couple.reference")
    session = serializers.UUIDField(source="session_id")
    session_starts_at = serializers.DateTimeField(source="session.starts_at")
    session_kind = serializers.ChoiceField(source="session.kind", choices=SessionKind.choices)
    author = StaffBriefOutput()
    signed_at = serializers.DateTimeField()
    late_entry = serializers.BooleanField()
    status = serializers.ChoiceField(choices=NoteStatus.choices)


class SupervisionStatusOutput(serializers.Serializer):
    """Where a note stands in supervision after an action."""

    id = serializers.UUIDField()
    couple = serializers.UUIDField(source="couple_id")
    couple_reference = serializers.CharField(source="couple.reference")
    author = StaffBriefOutput()
    status = serializers.ChoiceField(choices=NoteStatus.choices)
    signed_at = serializers.DateTimeField(allow_null=True)
    late_entry = serializers.BooleanField()
    cosigned_by = StaffBriefOutput(allow_null=True)
    cosigned_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    return_comment = serializers.CharField(help_text="The supervisor's last return comment ('' if never returned).")


class CosignInput(serializers.Serializer):
    secret = serializers.CharField(
        max_length=200, write_only=True, trim_whitespace=True,
        help_text="Your password, or a current code from your authenticator app (or a backup code).",
        error_messages={"required": "Give your password or a current authenticator code.",
                        "blank": "Give your password or a current authenticator code."},
    )


class ReturnInput(serializers.Serializer):
    comment = serializers.CharField(
        max_length=NOTE_TEXT_MAX, trim_whitespace=True,
        help_text=f"What the author should add or correct (at most {NOTE_TEXT_MAX:,} characters).",
        error_messages={"required": COMMENT_REQUIRED, "blank": COMMENT_REQUIRED, "max_length": COMMENT_TOO_LONG},
    )
