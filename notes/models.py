"""Sessions, progress notes (SOAP/DAP/BIRP), signing and addenda, supervision, psychotherapy notes."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from clinic.models import NOTE_TEXT_MAX, Couple, PartnerPosition
from keys.fields import EncryptedJSONField, EncryptedTextField
from plans.models import CoupleOwned


class SessionKind(models.TextChoices):
    JOINT = "joint", "Joint session"
    INDIVIDUAL_A = "individual_a", "Individual session, partner A"
    INDIVIDUAL_B = "individual_b", "Individual session, partner B"


class Modality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video"
    PHONE = "phone", "Phone"


class Attendance(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    ATTENDED = "attended", "Attended"
    CANCELLED = "cancelled", "Cancelled"
    LATE_CANCELLED = "late_cancelled", "Late-cancelled"
    NO_SHOW = "no_show", "No-show"


class SessionSeries(models.Model):
    """A recurring appointment: every `interval_weeks` weeks at the same local wall time, until a day or for a
    number of occurrences. Each occurrence is a Session of its own (notes, attendance and billing work as for any
    session); the series keeps the rule it was made from. Holds no clinical text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="session_series")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="session_series")
    first_starts_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64, help_text="The zone whose wall time the occurrences keep.")
    interval_weeks = models.PositiveSmallIntegerField(help_text="1: weekly, 2: fortnightly.")
    until = models.DateField(null=True, blank=True, help_text="The last day an occurrence may fall on.")
    count = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The number of occurrences.")
    duration_minutes = models.PositiveSmallIntegerField()
    modality = models.CharField(max_length=10, choices=Modality.choices)
    kind = models.CharField(max_length=12, choices=SessionKind.choices)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When the series was ended early.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-first_starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(until__isnull=False) | models.Q(count__isnull=False), name="series_has_an_end",
            ),
            # A range, not IN (1, 2): Django's SQLite introspection splits a table's SQL on ", ".
            models.CheckConstraint(condition=models.Q(interval_weeks__gte=1, interval_weeks__lte=2),
                                   name="series_weekly_or_fortnightly"),
        ]

    def __str__(self) -> str:
        return f"Session series {self.pk}"

    @property
    def rule_text(self) -> str:
        every = "Every week" if self.interval_weeks == 1 else "Every two weeks"
        return f"{every}, {self.count} sessions" if self.count else f"{every} until {self.until:%Y-%m-%d}"


class Session(models.Model):
    """One appointment. Holds no clinical text: dates, kind, attendance and billing code only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="sessions")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=50)
    modality = models.CharField(max_length=10, choices=Modality.choices, default=Modality.IN_PERSON)
    kind = models.CharField(max_length=12, choices=SessionKind.choices, default=SessionKind.JOINT)
    attendance = models.CharField(max_length=14, choices=Attendance.choices, default=Attendance.SCHEDULED)
    service_code = models.CharField(max_length=10, blank=True, help_text="e.g. 90847 joint, 90834 individual")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    series = models.ForeignKey(SessionSeries, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="sessions", help_text="The recurring series this occurrence belongs to.")

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["couple", "starts_at"]), models.Index(fields=["therapist", "starts_at"])]

    def __str__(self) -> str:
        return f"Session {self.pk}"

    @property
    def individual_partner(self) -> str:
        """'a' or 'b' for an individual session, '' for a joint one."""
        return {SessionKind.INDIVIDUAL_A: "a", SessionKind.INDIVIDUAL_B: "b"}.get(self.kind, "")


class NoteTemplate(models.TextChoices):
    SOAP = "soap", "SOAP (Subjective, Objective, Assessment, Plan)"
    DAP = "dap", "DAP (Data, Assessment, Plan)"
    BIRP = "birp", "BIRP (Behaviour, Intervention, Response, Plan)"


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_COSIGN = "awaiting_cosign", "Signed, awaiting co-signature"
    RETURNED = "returned", "Returned by supervisor"
    FINAL = "final", "Signed"


class ProgressNote(CoupleOwned):
    """The record of one attended session. Immutable once signed: changes come as addenda."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="note")
    # A copy of session.starts_at, so lists sort and filter notes by session date from an index without joining
    # every visible note to its session. Set when the note is created (notes.services.notes.note_start) and
    # whenever the session moves (notes.services.sessions.session_update); a signed note's session cannot move.
    session_starts_at = models.DateTimeField(editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notes")
    template = models.CharField(max_length=4, choices=NoteTemplate.choices, default=NoteTemplate.SOAP)
    content = EncryptedJSONField(default=dict, help_text='The template\'s sections: {"subjective": "...", ...}')
    risk = EncryptedJSONField(
        default=dict,
        help_text='Per partner: {"a": {"suicidal_ideation": "none|concern", "harm_to_others": ..., '
                  '"partner_violence": ..., "safety_plan": "..."}, "b": {...}}',
    )
    interventions_used = EncryptedJSONField(default=list)
    status = models.CharField(max_length=16, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    version = models.PositiveIntegerField(default=1, help_text="Incremented on every save; stale saves get 409.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    late_entry = models.BooleanField(default=False)
    requires_cosign = models.BooleanField(default=False)
    cosigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    cosigned_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    restricted_to_partner = models.CharField(
        max_length=1, blank=True,
        help_text="'a' or 'b' for an individual session: a record export for the other partner can leave it out.",
    )
    return_comment = EncryptedTextField(max_length=NOTE_TEXT_MAX, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["author", "status"]), models.Index(fields=["couple", "status"]),
                   models.Index(fields=["couple", "session_starts_at"], name="notes_note_couple_start")]

    def __str__(self) -> str:
        return f"Progress note {self.pk}"

    def save(self, *args, **kwargs) -> None:
        # A note made outside the services (a loader, a test's fixture) still gets its session's start.
        if self.session_starts_at is None and self.session_id is not None:
            self.session_starts_at = self.session.starts_at
        super().save(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class ObjectiveRating(CoupleOwned):
    """An objective addressed in a session, with its rating: becomes a progress point when signed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    note = models.ForeignKey(ProgressNote, on_delete=models.CASCADE, related_name="objective_ratings")
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    objective_lineage = models.UUIDField()
    # Whose value, on a "both partners" objective ("a" or "b"); empty for an individual objective, and for a
    # single value recorded on a both-partners objective before values were kept per partner.
    partner = models.CharField(max_length=1, choices=PartnerPosition.choices, blank=True, default="")
    value = models.DecimalField(max_digits=8, decimal_places=2, help_text="The objective's metric, as observed.")
    comment = EncryptedTextField(max_length=2_000, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["note", "objective_lineage", "partner"],
                                               name="one_rating_per_objective")]

    def __str__(self) -> str:
        return f"Objective rating {self.pk}"


class AddendumKind(models.TextChoices):
    CORRECTION = "correction", "Correction"
    CLARIFICATION = "clarification", "Clarification"
    LATE_INFORMATION = "late_information", "Late information"


class Addendum(CoupleOwned):
    """Appended below a signed note, signed when written, never edited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    note = models.ForeignKey(ProgressNote, on_delete=models.PROTECT, related_name="addenda")
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=AddendumKind.choices)
    text = EncryptedTextField(max_length=NOTE_TEXT_MAX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at"]
        verbose_name_plural = "addenda"

    def __str__(self) -> str:
        return f"Addendum {self.pk}"


class PsychotherapyNote(CoupleOwned):
    """The therapist's private process notes (45 CFR 164.501): readable by their author alone."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField(max_length=NOTE_TEXT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Psychotherapy note {self.pk}"


class ServiceCodeKind(models.TextChoices):
    """What a service-code rule applies to: the couple's first session, or a later joint or individual one."""

    INTAKE = "intake", "Intake (the couple's first session)"
    JOINT = "joint", "Joint session (both partners)"
    INDIVIDUAL = "individual", "Individual session (one partner)"


class ServiceCodeRule(models.Model):
    """One row of a practice's service-code table: sessions of `kind` lasting `min_minutes` to `max_minutes`
    (empty: no upper limit) are suggested `code`. A practice without rows uses the cited defaults
    (notes.services.sessions.DEFAULT_CODE_RULES); the practice administrator edits the table
    (notes.services.service_codes). Codes are billing data, not clinical text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey("clinic.Practice", on_delete=models.CASCADE, related_name="service_code_rules")
    kind = models.CharField(max_length=20, choices=ServiceCodeKind.choices)
    min_minutes = models.PositiveIntegerField()
    max_minutes = models.PositiveIntegerField(null=True, blank=True)
    code = models.CharField(max_length=10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "min_minutes"]
        indexes = [models.Index(fields=["practice", "kind"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(max_minutes__isnull=True) | models.Q(
                max_minutes__gte=models.F("min_minutes")), name="service_code_rule_range"),
        ]

    def __str__(self) -> str:
        return f"Service code rule {self.pk} ({self.kind})"


class CalendarFeed(models.Model):
    """A clinician's private iCalendar feed, stored as the SHA-256 digest of its token: the feed's address is
    shown once, when it is made. One per user; making another replaces it, revoking deletes it. The token is
    256 random bits, so a plain digest needs no salt (as clinic.ApiToken)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token, in hex.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"
