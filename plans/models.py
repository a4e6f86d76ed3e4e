"""Treatment plans (problem -> goal -> objective -> intervention), the trust-issue library,
CBT work between sessions, objective progress, and outcome measures."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from clinic.models import NOTE_TEXT_MAX, Couple, PartnerPosition, Practice
from keys.fields import EncryptedCharField, EncryptedJSONField, EncryptedModel, EncryptedTextField
from plans import diagnoses as plan_diagnoses
from plans.instruments import BUILTIN, InvalidDefinition, validate_definition

SHORT_TEXT_MAX = 2_000


class CoupleOwned(EncryptedModel):
    """Rows sealed under their couple's data key."""

    key_owner_kind = "couple"
    key_owner_field = "couple_id"

    class Meta:
        abstract = True


class PartnerScope(models.TextChoices):
    """Whom a goal, an objective or homework is for: one partner (a PartnerPosition) or both."""

    A = PartnerPosition.A.value, PartnerPosition.A.label
    B = PartnerPosition.B.value, PartnerPosition.B.label
    BOTH = "both", "Both partners"


class EntrySource(models.TextChoices):
    """Who typed an entry in: the clinician (in session or after it) or the partner in the portal."""

    CLINICIAN = "clinician", "Clinician"
    CLIENT = "client", "Client-reported"


class ClientReported(models.Model):
    """Columns of a row a partner may enter in the portal: its source, and when a clinician of the case
    reviewed it (the Today list "new client entries" shows client rows not yet reviewed)."""

    source = models.CharField(max_length=10, choices=EntrySource.choices, default=EntrySource.CLINICIAN)
    client_reviewed_at = models.DateTimeField(null=True, blank=True)
    client_reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                           blank=True, related_name="+")

    class Meta:
        abstract = True

    @property
    def client_reported(self) -> bool:
        return self.source == EntrySource.CLIENT


def unreviewed_client_entries_index(name: str) -> models.Index:
    """The partial index behind Today's "New client entries": a caseload's unreviewed portal rows are found
    without reading the clinicians' own rows (a few per couple among hundreds)."""
    return models.Index(fields=["couple"], condition=Q(source=EntrySource.CLIENT, client_reviewed_at__isnull=True),
                        name=name)


# --- Treatment plans -------------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Superseded"
    CLOSED = "closed", "Closed at discharge"


# Versions that were signed and in force at some time; `superseded_at` is when each stopped being in force
# (replaced by a newer version, or closed when the couple was discharged).
SIGNED_PLAN_STATUSES = (PlanStatus.ACTIVE, PlanStatus.SUPERSEDED, PlanStatus.CLOSED)


class AcknowledgementMethod(models.TextChoices):
    NOT_YET = "", "Not yet"
    IN_SESSION_VERBAL = "verbal", "Verbally, in session"
    SIGNED_PAPER = "paper", "Signed on paper"
    ELECTRONIC = "electronic", "Signed electronically"


class TreatmentPlan(CoupleOwned):
    """One version of a couple's plan. Active versions are locked; a revision is a new draft version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="plans")
    number = models.PositiveIntegerField(help_text="Version number, 1 for the first plan.")
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    formulation = EncryptedTextField(max_length=NOTE_TEXT_MAX, blank=True, default="",
                                     help_text="Case formulation: how the problems arose and keep going.")
    review_due = models.DateField(null=True, blank=True)
    diagnoses = EncryptedJSONField(
        null=True, blank=True,  # null: none recorded (existing plans); an encrypted value needs its row
        help_text='ICD-10-CM codes from plans.diagnoses: {"a": [...], "b": [...], "relationship": ["Z63.0"]}.',
    )
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)  # stopped being in force: superseded or closed
    partner_a_ack_on = models.DateField(null=True, blank=True)
    partner_a_ack_method = models.CharField(max_length=12, choices=AcknowledgementMethod.choices, blank=True)
    partner_b_ack_on = models.DateField(null=True, blank=True)
    partner_b_ack_method = models.CharField(max_length=12, choices=AcknowledgementMethod.choices, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Edit counter for conflict detection.")
    schedule_version = models.PositiveIntegerField(
        default=1, help_text="Edit counter of the measure schedule (logistics, separate from the plan's content)."
    )

    class Meta:
        ordering = ["couple", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["couple", "number"], name="plan_number_unique"),
            models.UniqueConstraint(fields=["couple"], condition=Q(status="active"), name="one_active_plan"),
            models.UniqueConstraint(fields=["couple"], condition=Q(status="draft"), name="one_draft_plan"),
        ]

    def __str__(self) -> str:
        return f"Plan v{self.number} of {self.couple_id}"

    @property
    def diagnosis_lines(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """[("Partner A", [(code, title), ...]), ...] for pages and reports (plans.diagnoses)."""
        return plan_diagnoses.lines(self.diagnoses)


class Problem(CoupleOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="problems")
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    applies_to = models.CharField(max_length=4, choices=PartnerScope.choices, default=PartnerScope.BOTH)
    title = EncryptedTextField(max_length=SHORT_TEXT_MAX)
    behavioural_definition = EncryptedTextField(max_length=NOTE_TEXT_MAX, blank=True, default="")
    library_item = models.ForeignKey("LibraryItem", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"Problem {self.pk}"


class Goal(CoupleOwned):
    """A long-term goal for one problem."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="goals")
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    text = EncryptedTextField(max_length=SHORT_TEXT_MAX)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"Goal {self.pk}"


class Direction(models.TextChoices):
    DECREASE = "decrease", "Lower is better"
    INCREASE = "increase", "Higher is better"


class ObjectiveDataSource(models.TextChoices):
    """Where an objective's values come from. Values typed by hand and session ratings always count; the other
    sources add one value per linked CBT entry (plans.services.progress.objective_feed_sync)."""

    MANUAL = "manual", "Values entered by hand and in session notes"
    THOUGHT_BELIEF_AFTER = "thought_belief_after", "Thought records: belief in the thought afterwards (0-100)"
    THOUGHT_BELIEF_DROP = "thought_belief_drop", "Thought records: drop in belief, before minus after (points)"
    EXPERIMENT_CONFIRMED = "experiment_confirmed", "Behavioural experiments: predictions confirmed so far (%)"


THOUGHT_SOURCES = (ObjectiveDataSource.THOUGHT_BELIEF_AFTER, ObjectiveDataSource.THOUGHT_BELIEF_DROP)


class ObjectiveStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    MET = "met", "Met"
    REVISED = "revised", "Revised"
    DISCONTINUED = "discontinued", "Discontinued"


class Objective(CoupleOwned):
    """A measurable objective. `lineage` stays the same across plan versions, so progress carries over."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="objectives")
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    lineage = models.UUIDField(default=uuid.uuid4, db_index=True)
    position = models.PositiveIntegerField(default=0)
    text = EncryptedTextField(max_length=SHORT_TEXT_MAX)
    who = models.CharField(max_length=4, choices=PartnerScope.choices, default=PartnerScope.BOTH)
    metric = EncryptedTextField(max_length=300, help_text="What is counted or rated, e.g. checking episodes")
    unit = EncryptedCharField(max_length=40, help_text="e.g. per week, 0-10 rating")
    # Empty only on a draft's objective copied from the library: the numbers are the therapist's to set.
    baseline = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    # A "both partners" objective may have a baseline per partner instead of (or besides) the shared one.
    baseline_a = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    baseline_b = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    data_source = models.CharField(max_length=24, choices=ObjectiveDataSource.choices,
                                   default=ObjectiveDataSource.MANUAL)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.DECREASE)
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=ObjectiveStatus.choices, default=ObjectiveStatus.NOT_STARTED)
    library_item = models.ForeignKey("LibraryItem", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"Objective {self.pk}"

    @property
    def per_partner(self) -> bool:
        """A "both partners" objective: values are recorded per partner (A and B)."""
        return self.who == PartnerScope.BOTH

    def baseline_for(self, partner: str) -> Any:
        """The baseline one partner's values are compared with: their own, else the shared one."""
        own = {"a": self.baseline_a, "b": self.baseline_b}.get(partner)
        return own if own is not None else self.baseline

    @property
    def has_baseline(self) -> bool:
        """Signable: a shared baseline, or (both partners) a baseline for each partner."""
        return self.baseline is not None or (
            self.per_partner and self.baseline_a is not None and self.baseline_b is not None)


class Approach(models.TextChoices):
    CBT = "cbt", "Cognitive behavioural therapy"
    COMMUNICATION = "communication", "Couples communication training"
    EFT = "eft", "Emotionally focused work"
    GOTTMAN = "gottman", "Gottman method"
    PSYCHOEDUCATION = "psychoeducation", "Psychoeducation"
    # Gordon, Baucom & Snyder's forgiveness-based intervention for affair recovery (J Marital Fam Ther
    # 2004;30(2):213-231), an integrative CBT/insight-oriented approach: not emotionally focused therapy.
    FORGIVENESS = "forgiveness", "Forgiveness-based affair recovery (Gordon, Baucom & Snyder)"
    OTHER = "other", "Other"


class Intervention(CoupleOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="interventions")
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    approach = models.CharField(max_length=20, choices=Approach.choices, default=Approach.CBT)
    description = EncryptedTextField(max_length=SHORT_TEXT_MAX)
    frequency = EncryptedCharField(max_length=80, blank=True,
                                   help_text="e.g. every session, weekly homework")
    delivered_by = EncryptedCharField(max_length=120, blank=True,
                                      help_text="e.g. primary therapist, both partners")
    library_item = models.ForeignKey("LibraryItem", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"Intervention {self.pk}"


# --- The trust-issue library (generic text, not about any client: stored in clear) -----------------


class LibraryKind(models.TextChoices):
    CAUSE = "cause", "Cause (problem)"
    SIGN = "sign", "Sign (with objective)"
    INTERVENTION = "intervention", "Intervention"


class LibraryItem(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="library_items")
    kind = models.CharField(max_length=12, choices=LibraryKind.choices)
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    behavioural_definition = models.TextField(blank=True)
    goal_text = models.TextField(blank=True)
    objective_text = models.TextField(blank=True)
    metric = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    direction = models.CharField(max_length=8, choices=Direction.choices, blank=True)
    approach = models.CharField(max_length=20, choices=Approach.choices, blank=True)
    frequency = models.CharField(max_length=80, blank=True)
    source = models.TextField(blank=True, help_text="Published sources this item is based on.")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "title"]
        constraints = [models.UniqueConstraint(fields=["practice", "slug"], name="library_slug_unique")]

    def __str__(self) -> str:
        return self.title


# --- CBT work between sessions (per partner, encrypted under the couple's key) ---------------------


class Distortion(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", "All-or-nothing thinking"
    OVERGENERALISATION = "overgeneralisation", "Overgeneralisation"
    MENTAL_FILTER = "mental_filter", "Mental filter"
    DISCOUNTING_POSITIVE = "discounting_positive", "Discounting the positive"
    MIND_READING = "mind_reading", "Mind reading"
    FORTUNE_TELLING = "fortune_telling", "Fortune telling"
    MAGNIFICATION = "magnification", "Magnification (catastrophising)"
    EMOTIONAL_REASONING = "emotional_reasoning", "Emotional reasoning"
    SHOULD_STATEMENTS = "should_statements", "Should statements"
    LABELLING = "labelling", "Labelling"
    PERSONALISATION = "personalisation", "Personalisation"


class CBTRecord(CoupleOwned, ClientReported):
    """Common columns of every piece of between-session work. `created_by` is empty for an entry the partner
    made in the portal (source "client")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    partner = models.CharField(max_length=1, choices=PartnerPosition.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, help_text="Edit counter for conflict detection.")

    class Meta:
        abstract = True


class ThoughtRecord(CBTRecord):
    occurred_on = models.DateField()
    situation = EncryptedTextField(max_length=SHORT_TEXT_MAX)
    moods = EncryptedJSONField(default=list, help_text='[{"mood": "anxious", "before": 80, "after": 40}]')
    automatic_thought = EncryptedTextField(max_length=SHORT_TEXT_MAX)
    evidence_for = EncryptedTextField(max_length=SHORT_TEXT_MAX, blank=True, default="")
    evidence_against = EncryptedTextField(max_length=SHORT_TEXT_MAX, blank=True, default="")
    balanced_thought = EncryptedTextField(max_length=SHORT_TEXT_MAX, blank=True, default="")
    balanced_belief = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0-100")
    distortions = EncryptedJSONField(default=list, blank=True)  # none ticked is a valid answer
    # Belief in the automatic thought, rated when it is written down and re-rated after the balanced thought
    # (Greenberger & Padesky, Mind Over Mood, 2nd ed. 2016, ch. 9: "rate how much you believe it, 0-100%").
    belief_before = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0-100")
    belief_after = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0-100")
    objective_lineage = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        indexes = [unreviewed_client_entries_index("thoughtrecord_unreviewed")]

    def __str__(self) -> str:
        return f"Thought record {self.pk}"


class BehaviouralExperiment(CBTRecord):
    planned_on = models.DateField()
    prediction = EncryptedTextField(max_length=SHORT_TEXT_MAX)
    belief_before = models.PositiveSmallIntegerField(help_text="0-100")
    experiment = EncryptedTextField(max_length=SHORT_TEXT_MAX, blank=True, default="")
    outcome = EncryptedTextField(max_length=SHORT_TEXT_MAX, blank=True, default="")
    belief_after = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0-100")
    learned = EncryptedTextField(max_length=SHORT_TEXT_MAX, blank=True, default="")
    # Did what was predicted happen? (Bennett-Levy et al., Oxford Guide to Behavioural Experiments in
    # Cognitive Therapy, 2004, ch. 2: the outcome is compared with the prediction.) None: not known yet.
    prediction_confirmed = models.BooleanField(null=True, blank=True)
    objective_lineage = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-planned_on", "-created_at"]
        indexes = [unreviewed_client_entries_index("experiment_unreviewed")]

    def __str__(self) -> str:
        return f"Behavioural experiment {self.pk}"


class CheckingKind(models.TextChoices):
    CHECKING = "checking", "Checking (phone, location, messages...)"
    REASSURANCE = "reassurance", "Reassurance seeking"


class CheckingLogEntry(CBTRecord):
    """One urge to check or seek reassurance. Entries feed their objective as a weekly count."""

    occurred_on = models.DateField()
    kind = models.CharField(max_length=12, choices=CheckingKind.choices, default=CheckingKind.CHECKING)
    trigger = EncryptedTextField(max_length=SHORT_TEXT_MAX, blank=True, default="")
    resisted = models.BooleanField(help_text="Was the urge resisted?")
    objective_lineage = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        verbose_name_plural = "checking log entries"
        indexes = [unreviewed_client_entries_index("checkinglog_unreviewed")]

    def __str__(self) -> str:
        return f"Checking log entry {self.pk}"


class HomeworkStatus(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    COMPLETED = "completed", "Completed"
    PARTLY = "partly", "Partly done"
    NOT_DONE = "not_done", "Not done"


class Homework(CoupleOwned):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    partner = models.CharField(max_length=4, choices=PartnerScope.choices, default=PartnerScope.BOTH)
    assigned_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    description = EncryptedTextField(max_length=SHORT_TEXT_MAX)
    status = models.CharField(max_length=10, choices=HomeworkStatus.choices, default=HomeworkStatus.ASSIGNED)
    reviewed_on = models.DateField(null=True, blank=True)
    review_note = EncryptedTextField(max_length=SHORT_TEXT_MAX, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, help_text="Edit counter for conflict detection.")

    class Meta:
        ordering = ["-assigned_on", "-created_at"]
        verbose_name_plural = "homework"

    def __str__(self) -> str:
        return f"Homework {self.pk}"


# --- Objective progress ----------------------------------------------------------------------------


class ProgressSource(models.TextChoices):
    SESSION = "session", "Session"
    LOG = "log", "Log"
    MEASURE = "measure", "Measure"
    MANUAL = "manual", "Entered by therapist"
    THOUGHT = "thought", "Thought record"
    EXPERIMENT = "experiment", "Behavioural experiment"


class ProgressPoint(CoupleOwned):
    """One value of one objective (by lineage, so it survives plan revisions) on one date."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    objective_lineage = models.UUIDField(db_index=True)
    recorded_on = models.DateField()
    value = models.DecimalField(max_digits=8, decimal_places=2)
    # Whose value on a "both partners" objective; empty: the couple's (an individual objective's value, or a
    # single value recorded on a both-partners objective before values were kept per partner).
    partner = models.CharField(max_length=1, choices=PartnerPosition.choices, blank=True, default="")
    client_reported = models.BooleanField(default=False, help_text="From an entry the partner made in the portal.")
    source = models.CharField(max_length=12, choices=ProgressSource.choices)
    source_id = models.UUIDField(null=True, blank=True, help_text="The session, log week or measure it came from.")
    note = EncryptedTextField(max_length=SHORT_TEXT_MAX, blank=True, default="")
    # Empty for the weekly count of a log the partner fed from the portal (no clinician recorded it).
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_on", "recorded_at"]
        constraints = [
            models.UniqueConstraint(fields=["objective_lineage", "source", "source_id", "partner"],
                                    condition=Q(source_id__isnull=False), name="progress_point_source_unique"),
        ]

    def __str__(self) -> str:
        return f"Progress point {self.pk}"


# --- Outcome measures ------------------------------------------------------------------------------


class CustomInstrument(models.Model):
    """An instrument a practice adds as data (for instance one it holds a licence for).

    `definition` follows the same shape as the built-in registry (plans/instruments.py): items,
    options, score range, bands, cut-off, reliable-change threshold. Item wording is the licensee's, not ours.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="custom_instruments")
    code = models.SlugField(max_length=40)
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "code"], name="custom_instrument_code_unique")]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        """Refuse a definition that does not describe a valid instrument (see plans.instruments.custom)."""
        errors = {}
        if self.code in BUILTIN:
            errors["code"] = ["This is the code of a built-in instrument: choose another."]
        try:
            validate_definition(self.code, self.definition)
        except InvalidDefinition as error:
            errors["definition"] = error.messages
        if errors:
            raise ValidationError(errors)


class MeasureAdministration(CoupleOwned, ClientReported):
    """One questionnaire given to one partner on one date.

    Item answers are encrypted. The total, its band and the risk flag are stored in clear (numbers and
    labels tied to a case UUID, no identity) so that charts and practice outcome reports aggregate in SQL.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="measures")
    partner = models.CharField(max_length=1, choices=PartnerPosition.choices)
    instrument = models.CharField(max_length=40)
    administered_on = models.DateField()
    answers = EncryptedJSONField()  # one value per item; null for an item left unanswered on a partial form
    # Null: an incomplete form that its instrument's published rule does not allow prorating (no total).
    total = models.IntegerField(null=True, blank=True)
    band = models.CharField(max_length=40, blank=True)
    risk_flag = models.BooleanField(default=False)
    # Partial forms (PHQ-9, GAD-7): how many items were left unanswered, and whether `total` is prorated.
    missing_items = models.PositiveSmallIntegerField(default=0)
    prorated = models.BooleanField(default=False)
    # A risk item (PHQ-9 item 9) left unanswered: flagged to the therapist ("ask at the next contact").
    risk_item_unanswered = models.BooleanField(default=False)
    # The unscored "how difficult have these problems made it..." answer (0-3), encrypted like the items.
    difficulty = EncryptedJSONField(null=True, blank=True)
    risk_acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                             blank=True, related_name="+")
    risk_acknowledged_at = models.DateTimeField(null=True, blank=True)
    # Nullable, without a default: adding an encrypted column must not back-fill existing rows in SQL.
    risk_acknowledgement_note = EncryptedTextField(max_length=SHORT_TEXT_MAX, null=True, blank=True,
                                                   help_text="What was done about the risk flag.")
    # Empty for a partner's own answers in the portal (source "client").
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["administered_on", "partner", "recorded_at"]
        constraints = [
            # One clinician-entered administration per partner, instrument and day (a second is a typing
            # slip). A partner's own answers in the portal are never refused for an earlier one that day:
            # they may answer again (a "Send now" after this morning's form), and a refused form would lose
            # an item-9 answer. Same-day administrations are told apart and ordered by recorded_at.
            models.UniqueConstraint(fields=["couple", "partner", "instrument", "administered_on"],
                                    condition=Q(source="clinician"), name="one_administration_per_day"),
        ]
        indexes = [models.Index(fields=["couple", "instrument", "administered_on"]),
                   unreviewed_client_entries_index("administration_unreviewed"),
                   # "Not on track" on Today (plans.selectors.measures.plan_reviews_due): each partner's scores
                   # per instrument in date order, read from the index alone, without sorting (PostgreSQL).
                   models.Index(fields=["couple", "partner", "instrument", "administered_on", "id"],
                                include=["total", "prorated"], condition=Q(total__isnull=False),
                                name="administration_scored")]

    def __str__(self) -> str:
        return f"{self.instrument} {self.pk}"

    @property
    def incomplete(self) -> bool:
        return self.missing_items > 0

    @property
    def total_display(self) -> str:
        """The total as shown: "12", "12 (prorated)" or "Incomplete" (no total)."""
        if self.total is None:
            return "Incomplete"
        return f"{self.total} (prorated)" if self.prorated else str(self.total)


class ScheduleEvery(models.TextChoices):
    SESSION = "session", "Every session"
    WEEK = "week", "Weekly"
    FORTNIGHT = "fortnight", "Every two weeks"
    MONTH = "month", "Monthly"


class MeasureSchedule(models.Model):
    """Which instruments a plan asks for, and how often (both partners)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="schedules")
    instrument = models.CharField(max_length=40)
    every = models.CharField(max_length=10, choices=ScheduleEvery.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "instrument"], name="schedule_instrument_unique")]

    def __str__(self) -> str:
        return f"{self.instrument} {self.every}"
