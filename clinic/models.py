"""The practice core: people, cases (couples), care teams, signed-in sessions and the risk register."""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic import cssrs
from clinic.ipv import HITS_POSITIVE_ABOVE
from keys.fields import (
    EncryptedCharField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedModel,
    EncryptedTextField,
)
from rapport.locale import Country, DateStyle, Language, PaperSize

NAME_MAX = 100


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("Choose a time zone from the list (an IANA name such as America/Chicago).")



NOTE_TEXT_MAX = 20_000


class Practice(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    note_deadline_hours = models.PositiveIntegerField(
        default=72, help_text="Notes signed later than this after the session are marked late entries."
    )
    plan_review_days = models.PositiveIntegerField(default=90, help_text="Days between treatment plan reviews.")
    note_templates = models.CharField(
        max_length=40, default="soap,dap,birp",
        help_text="Progress-note templates therapists may choose, comma-separated (soap, dap, birp).",
    )
    risk_acknowledge_hours = models.PositiveIntegerField(
        default=24,
        help_text="An open risk not acknowledged within this many hours is escalated to the supervisor.",
    )
    ipv_rescreen_days = models.PositiveIntegerField(
        default=90, help_text="Days after which a partner's IPV screen is due again (clinic.ipv).",
    )
    # Shown to a partner in the portal at once when an answer names self-harm (portal.safety); blank: the
    # default line for the practice's country (RAPPORT_CRISIS_COUNTRY).
    crisis_information = models.TextField(max_length=1000, blank=True, default="")
    # Locale (rapport.locale): a new practice starts from its country's defaults (clinic.services.users).
    country = models.CharField(max_length=2, choices=Country.choices, default=Country.GB)
    paper_size = models.CharField(max_length=10, choices=PaperSize.choices, default=PaperSize.A4)
    language = models.CharField(max_length=10, choices=Language.choices, default=Language.EN_GB)
    time_zone = models.CharField(max_length=64, default="Europe/London", validators=[validate_time_zone])
    date_style = models.CharField(max_length=4, choices=DateStyle.choices, default=DateStyle.DMY)
    # The letterhead of every report (reports.pdf.ReportMeta): the practice's postal address and contact lines.
    address = models.TextField(blank=True, help_text="Postal address, as printed on report letterheads.")
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    THERAPIST = "therapist", "Therapist"
    SUPERVISOR = "supervisor", "Supervisor"
    PRACTICE_MANAGER = "practice_manager", "Practice manager"
    ADMIN = "admin", "Administrator"


CLINICAL_ROLES = {Role.THERAPIST, Role.SUPERVISOR}


class User(AbstractUser):
    """A member of staff. Staff names are not client data and are stored in clear."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="staff", null=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.THERAPIST)
    credentials = models.CharField(max_length=100, blank=True, help_text="For example: LMFT, PsyD, AMFT")
    licence_number = models.CharField(max_length=50, blank=True)
    supervisor = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="supervisees",
        limit_choices_to={"role": Role.SUPERVISOR},
        help_text="Required for pre-licensed therapists: their notes need this person's co-signature.",
    )

    objects = UserManager()

    @property
    def is_clinician(self) -> bool:
        return self.role in CLINICAL_ROLES

    @property
    def is_practice_manager(self) -> bool:
        return self.role == Role.PRACTICE_MANAGER

    @property
    def is_practice_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def display_name(self) -> str:
        name = self.get_full_name() or self.username
        return f"{name}, {self.credentials}" if self.credentials else name


class ClientQuerySet(models.QuerySet):
    def visible_to(self, user) -> ClientQuerySet:
        """Clients whose identity a clinician may read now: partners in couples they can read today
        (Couple.objects.visible_to: care team today, or supervising someone on it), and clients they registered
        who are not yet a partner in any couple. Identity follows the care team: once a client is in a couple,
        registering them gives no access of its own (docs/security.md, "Client identity")."""
        if not (user.is_authenticated and user.is_active and user.is_clinician):
            return self.none()
        return self.filter(practice_id=user.practice_id).filter(self._reach(Couple.objects.visible_to(user), user))

    def editable_by(self, user) -> ClientQuerySet:
        """Clients whose identity a clinician may change now: partners in couples they may change (primary or
        co-therapist today), and clients they registered who are not yet a partner in any couple."""
        if not (user.is_authenticated and user.is_active and user.is_clinician):
            return self.none()
        return self.filter(practice_id=user.practice_id).filter(self._reach(Couple.objects.editable_by(user), user))

    @staticmethod
    def _reach(couples: models.QuerySet, user) -> Q:
        partnered = Partner.objects.filter(couple__in=couples).values("client_id")
        unpartnered = Q(created_by=user) & ~Q(pk__in=Partner.objects.values("client_id"))
        return Q(pk__in=partnered) | unpartnered


class Client(EncryptedModel):
    """One person in therapy. Identity is encrypted under the practice's key; found by blind index."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="clients")
    first_name = EncryptedCharField(max_length=NAME_MAX)
    last_name = EncryptedCharField(max_length=NAME_MAX)
    preferred_name = EncryptedCharField(max_length=NAME_MAX, blank=True, default="")
    pronouns = EncryptedCharField(max_length=40, blank=True, default="")
    date_of_birth = EncryptedDateField(null=True, blank=True)
    email = EncryptedCharField(max_length=254, blank=True, default="")
    phone = EncryptedCharField(max_length=40, blank=True, default="")
    address = EncryptedTextField(max_length=500, blank=True, default="")
    emergency_contact_name = EncryptedCharField(max_length=NAME_MAX, blank=True, default="")
    emergency_contact_phone = EncryptedCharField(max_length=40, blank=True, default="")
    name_index = models.CharField(max_length=16, db_index=True, editable=False)
    last_name_index = models.CharField(max_length=16, db_index=True, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()
    key_owner_kind = "practice"
    key_owner_field = "practice_id"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __str__(self) -> str:
        return f"Client {self.pk}"


class AffairStatus(models.TextChoices):
    """The clinician's record of an affair (clinic.services.affair): forgiveness work and attachment-injury
    repair assume it has ended (plans.safety_flags)."""

    NOT_RECORDED = "", "Not recorded"
    ONGOING = "ongoing", "Ongoing"
    ENDED = "ended", "Ended"


class CoupleStatus(models.TextChoices):
    INTAKE = "intake", "Intake"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    DISCHARGED = "discharged", "Discharged"


class Confidentiality(models.TextChoices):
    NOT_RECORDED = "not_recorded", "Not yet agreed"
    NO_SECRETS = "no_secrets", "No secrets"
    LIMITED_SECRETS = "limited_secrets", "Limited secrets"


class CareRole(models.TextChoices):
    PRIMARY = "primary", "Primary therapist"
    CO_THERAPIST = "co_therapist", "Co-therapist"
    SUPERVISOR = "supervisor", "Supervisor"


class CoupleQuerySet(models.QuerySet):
    def visible_to(self, user) -> CoupleQuerySet:
        """Cases whose clinical record `user` may read.

        Therapists: cases where they are on the care team today. Supervisors: those, plus every case
        on which one of their supervisees is on the care team. Managers and admins: none (they see
        `listed_for`, which carries no clinical text).
        """
        if not (user.is_authenticated and user.is_active and user.is_clinician):
            return self.none()
        on_team = CareTeamMember.objects.current().filter(user=user)
        condition = Q(pk__in=on_team.values("couple_id"))
        if user.role == Role.SUPERVISOR:
            supervised = CareTeamMember.objects.current().filter(user__supervisor=user)
            condition |= Q(pk__in=supervised.values("couple_id"))
        return self.filter(condition, practice_id=user.practice_id)

    def editable_by(self, user) -> CoupleQuerySet:
        """Cases whose record `user` may change: on the care team as primary or co-therapist."""
        if not (user.is_authenticated and user.is_active and user.is_clinician):
            return self.none()
        team = CareTeamMember.objects.current().filter(
            user=user, role__in=[CareRole.PRIMARY, CareRole.CO_THERAPIST]
        )
        return self.filter(pk__in=team.values("couple_id"), practice_id=user.practice_id)

    def listed_for(self, user) -> CoupleQuerySet:
        """Cases `user` may count and list by reference, status and dates (managers: the whole practice)."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.PRACTICE_MANAGER:
            return self.filter(practice_id=user.practice_id)
        return self.visible_to(user)


class Couple(EncryptedModel):
    """The case: the clinical record of one relationship and its two partners."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="couples")
    reference = models.CharField(max_length=20, help_text="Case number, safe to show without names.")
    status = models.CharField(max_length=20, choices=CoupleStatus.choices, default=CoupleStatus.INTAKE)
    start_date = models.DateField(default=date.today)
    end_date = models.DateField(null=True, blank=True)
    presenting_concerns = EncryptedTextField(max_length=NOTE_TEXT_MAX, blank=True, default="")
    confidentiality = models.CharField(
        max_length=20, choices=Confidentiality.choices, default=Confidentiality.NOT_RECORDED,
        help_text="What may be shared between partners from individual sessions.",
    )
    shredded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    # A documented decision to go on with joint sessions despite a positive IPV screen or a clinician's
    # concern (clinic.ipv). A new screen clears it: a new result needs a new decision.
    ipv_override_reason = EncryptedTextField(max_length=NOTE_TEXT_MAX, blank=True, null=True)
    ipv_override_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ipv_override_at = models.DateTimeField(null=True, blank=True)
    # The clinician's record that an affair is ongoing or has ended, and when it ended (clinic.services.affair).
    # Encrypted: even the fact of an affair is clinical information.
    affair_status = EncryptedCharField(max_length=10, choices=AffairStatus.choices, blank=True, null=True)
    affair_ended_on = EncryptedDateField(null=True, blank=True)
    affair_recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                           related_name="+")
    affair_recorded_at = models.DateTimeField(null=True, blank=True)

    objects = CoupleQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "reference"], name="couple_reference_unique"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="couple_end_after_start",
            ),
        ]
        ordering = ["reference"]

    key_owner_kind = "couple"
    key_owner_field = "id"

    def __str__(self) -> str:
        return self.reference

    def partner(self, position: str) -> Partner | None:
        for partner in self.partners.all():
            if partner.position == position:
                return partner
        return None

    @property
    def partner_a(self) -> Partner | None:
        return self.partner(PartnerPosition.A)

    @property
    def partner_b(self) -> Partner | None:
        return self.partner(PartnerPosition.B)

    @property
    def ipv_screens_complete(self) -> bool:
        partners = list(self.partners.all())
        return len(partners) == 2 and all(p.ipv_result != IPVResult.NOT_DONE for p in partners)

    @property
    def ipv_flagged(self) -> bool:
        """A positive HITS or a clinician's concern for either partner (clinic.ipv)."""
        return any(p.ipv_flagged for p in self.partners.all())

    @property
    def affair_ongoing(self) -> bool:
        return self.affair_status == AffairStatus.ONGOING

    @property
    def ipv_joint_blocked(self) -> bool:
        """Joint sessions are refused: an IPV flag and no documented override."""
        return self.ipv_flagged and self.ipv_override_at is None


class DischargeReason(models.TextChoices):
    GOALS_MET = "goals_met", "Treatment goals met"
    MUTUAL = "mutual", "Ended by mutual agreement"
    COUPLE_ENDED = "couple_ended", "The couple chose to end therapy"
    STOPPED_ATTENDING = "stopped_attending", "Stopped attending (no contact)"
    REFERRED = "referred", "Referred to another service"
    SEPARATED = "separated", "The partners separated"
    PRACTICAL = "practical", "Practical reasons (moved, cost, schedule)"
    OTHER = "other", "Other"


class Discharge(EncryptedModel):
    """What a clinician recorded when discharging a couple (clinic.services.couples.couple_discharge): why, how
    the couple was doing, what happens after, and what they recommend. The discharge summary prints it. A couple
    re-opened and discharged again has one row per discharge; the latest is the one that counts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="discharges")
    discharged_on = models.DateField()
    reason = models.CharField(max_length=20, choices=DischargeReason.choices)
    reason_detail = EncryptedTextField(max_length=NOTE_TEXT_MAX, blank=True, default="")
    status_at_discharge = EncryptedTextField(max_length=NOTE_TEXT_MAX)
    aftercare = EncryptedTextField(max_length=NOTE_TEXT_MAX)
    recommendations = EncryptedTextField(max_length=NOTE_TEXT_MAX)
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at"]
        indexes = [models.Index(fields=["couple", "recorded_at"])]

    key_owner_kind = "couple"
    key_owner_field = "couple_id"

    def __str__(self) -> str:
        return f"Discharge {self.pk}"


class IPVResult(models.TextChoices):
    """The clinician's judgement after screening a partner alone (beside the HITS score)."""

    NOT_DONE = "not_done", "Not done"
    NO_CONCERN = "no_concern", "No concern"
    CONCERN = "concern", "Concern"


class PartnerPosition(models.TextChoices):
    """Which partner of a couple: the one enum every app uses for it."""

    A = "a", "Partner A"
    B = "b", "Partner B"


class Partner(EncryptedModel):
    """One partner's place in a couple: agreement to the confidentiality terms and IPV screen."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="partners")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="partnerships")
    position = models.CharField(max_length=1, choices=PartnerPosition.choices)
    agreed_confidentiality_on = models.DateField(null=True, blank=True)
    ipv_result = models.CharField(max_length=20, choices=IPVResult.choices, default=IPVResult.NOT_DONE)
    ipv_screened_on = models.DateField(null=True, blank=True)
    ipv_screened_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ipv_notes = EncryptedTextField(max_length=NOTE_TEXT_MAX, blank=True, default="")
    # The day this partner consented to share their individual measures (PHQ-9, GAD-7...) with the other partner
    # in couple-facing reports; empty: no consent, those scores stay out of reports for the couple.
    measures_consent_on = models.DateField(
        "consents to share individual measures with the partner in couple reports", null=True, blank=True,
    )
    # HITS (clinic.ipv): the four answers "1,2,1,1" encrypted; total and result in clear for the gate.
    # Empty for screens recorded before HITS: their ipv_result is the clinician's judgement.
    hits_answers = EncryptedCharField(max_length=20, blank=True, null=True)
    hits_total = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "position"], name="partner_position_unique"),
            models.UniqueConstraint(fields=["couple", "client"], name="partner_client_unique"),
        ]
        ordering = ["position"]

    key_owner_kind = "couple"
    key_owner_field = "couple_id"

    def __str__(self) -> str:
        return f"{self.get_position_display()} of {self.couple_id}"

    @property
    def hits_positive(self) -> bool | None:
        """None when no HITS was recorded."""
        return None if self.hits_total is None else self.hits_total > HITS_POSITIVE_ABOVE

    @property
    def ipv_flagged(self) -> bool:
        return bool(self.hits_positive) or self.ipv_result == IPVResult.CONCERN


class CareTeamQuerySet(models.QuerySet):
    def current(self, on: date | None = None) -> CareTeamQuerySet:
        on = on or timezone.localdate()
        return self.filter(Q(start_date__lte=on), Q(end_date__isnull=True) | Q(end_date__gte=on), user__is_active=True)


class CareTeamMember(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="care_team")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="care_teams")
    role = models.CharField(max_length=20, choices=CareRole.choices, default=CareRole.PRIMARY)
    start_date = models.DateField(default=date.today)
    end_date = models.DateField(null=True, blank=True)

    objects = CareTeamQuerySet.as_manager()

    class Meta:
        ordering = ["role", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="care_team_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} on {self.couple_id}"

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)


class SignedInSession(models.Model):
    """Which session keys belong to which user, so that deactivation can end them all at once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Session of {self.user_id}"


class ReauthThrottle(models.Model):
    """Failed re-authentications (signing, key commands) of one user, for clinic.reauth's own throttle.

    Kept apart from the authenticator's throttle (django-otp's counters on the device), so that wrong passwords
    typed to sign a note never delay the user's next sign-in with a correct code.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="reauth_throttle")
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Re-authentication failures of {self.user_id}: {self.failures}"


class ApiToken(models.Model):
    """A user's API token, stored as its SHA-256 digest: the token itself is shown once, when it is issued.

    A database copy therefore holds no working credentials. One token per user (issuing another replaces it);
    it expires RAPPORT_API_TOKEN_DAYS after `created` (clinic.api.authentication). The token is 256 random
    bits, so a plain digest needs no salt or slow hash: nothing can be guessed from it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="api_token")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token, in hex.")
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"API token of {self.user_id}"

    @property
    def expires_at(self) -> datetime.datetime:
        return self.created + datetime.timedelta(days=settings.RAPPORT_API_TOKEN_DAYS)


# --- The risk register ---------------------------------------------------------------------------------


class RiskKind(models.TextChoices):
    SUICIDE = "suicide", "Suicide or self-harm"
    HARM_TO_OTHERS = "harm_to_others", "Harm to others"
    IPV = "ipv", "Intimate partner violence"


class RiskSource(models.TextChoices):
    MEASURE = "measure", "Outcome measure"
    NOTE = "note", "Progress note risk check"
    IPV_SCREEN = "ipv_screen", "IPV screen"
    CLIENT = "client", "Reported by the client"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CLOSED = "closed", "Closed"


class RiskQuerySet(models.QuerySet):
    def unresolved(self) -> RiskQuerySet:
        return self.exclude(status=RiskStatus.CLOSED)


class Risk(EncryptedModel):
    """One clinical safety concern of a couple that someone must act on: open → acknowledged (with a
    follow-up) → closed. Raised by the services that notice it (a PHQ-9 item 9 above 0, a signed note's
    risk check, an IPV screen); what was seen and done is encrypted under the couple's key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="risks")
    partner = models.CharField(max_length=1, choices=PartnerPosition.choices, blank=True,
                               help_text="Whose risk; blank for the couple as a whole.")
    kind = models.CharField(max_length=20, choices=RiskKind.choices)
    source = models.CharField(max_length=20, choices=RiskSource.choices)
    source_id = models.UUIDField(null=True, blank=True, help_text="The measure, note or screen that raised it.")
    detail = EncryptedTextField(max_length=2000, blank=True, default="")
    status = models.CharField(max_length=20, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    raised_at = models.DateTimeField(default=timezone.now)
    raised_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    follow_up = EncryptedTextField(max_length=NOTE_TEXT_MAX, blank=True, default="")
    follow_up_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    closing_note = EncryptedTextField(max_length=NOTE_TEXT_MAX, blank=True, default="")
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The structured follow-up of a suicide or self-harm risk (clinic.services.risks.risk_acknowledge): the
    # screen recorded with the acknowledgement, the safety plan version in force, or why no plan was made.
    screen = models.ForeignKey("SuicideScreen", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    safety_plan = models.ForeignKey("SafetyPlan", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    safety_plan_not_made = EncryptedTextField(max_length=NOTE_TEXT_MAX, blank=True, null=True)
    version = models.PositiveIntegerField(default=1)

    objects = RiskQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "source", "source_id", "kind", "partner"],
                                    name="risk_once_per_source"),
        ]
        indexes = [models.Index(fields=["couple", "status"])]
        ordering = ["raised_at"]

    key_owner_kind = "couple"
    key_owner_field = "couple_id"

    def __str__(self) -> str:
        return f"Risk {self.pk} ({self.kind}, {self.status})"

    @property
    def subject(self) -> str:
        """Whose risk, for headings: "Partner A" or "The couple"."""
        return PartnerPosition(self.partner).label if self.partner else "The couple"

    def acknowledge_by(self, hours: int) -> datetime.datetime:
        return self.raised_at + datetime.timedelta(hours=hours)


class SuicideScreen(EncryptedModel):
    """One C-SSRS screener (Screen Version, Recent) of a partner, as the clinician recorded the answers
    (clinic.cssrs). Never edited: a new screen is a new row with the next number, so every earlier one stays
    readable. The answers are encrypted; the triage is derived from them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="suicide_screens")
    partner = models.CharField(max_length=1, choices=PartnerPosition.choices)
    number = models.PositiveIntegerField(help_text="1 for the partner's first screen, then 2, 3...")
    answers = EncryptedJSONField()
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["couple", "partner", "number"], name="screen_number_once")]
        ordering = ["couple", "partner", "number"]

    key_owner_kind = "couple"
    key_owner_field = "couple_id"

    def __str__(self) -> str:
        return f"Suicide screen {self.pk} ({self.partner} #{self.number})"

    @property
    def triage(self) -> str:
        return cssrs.triage(self.answers)

    @property
    def triage_label(self) -> str:
        return cssrs.TRIAGE_LABELS[self.triage]

    def answer_lines(self) -> list[tuple[str, str]]:
        """(question, Yes / No / Not asked) in order, for pages and PDFs."""
        words = {True: "Yes", False: "No", None: "Not asked"}
        return [(label, words[self.answers.get(key)]) for key, label in cssrs.QUESTIONS]


class SafetyPlan(EncryptedModel):
    """One version of a partner's safety plan (Stanley & Brown 2012; the steps are clinic.cssrs.PLAN_SECTIONS).
    Never edited: a change is a new row with the next number; the highest number is the plan in force."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="safety_plans")
    partner = models.CharField(max_length=1, choices=PartnerPosition.choices)
    number = models.PositiveIntegerField(help_text="The version: 1, then 2, 3...")
    warning_signs = EncryptedTextField(max_length=cssrs.PLAN_SECTION_MAX)
    coping_strategies = EncryptedTextField(max_length=cssrs.PLAN_SECTION_MAX)
    social_distraction = EncryptedTextField(max_length=cssrs.PLAN_SECTION_MAX)
    people_to_ask = EncryptedTextField(max_length=cssrs.PLAN_SECTION_MAX)
    professionals = EncryptedTextField(max_length=cssrs.PLAN_SECTION_MAX)
    means_safety = EncryptedTextField(max_length=cssrs.PLAN_SECTION_MAX)
    reasons_for_living = EncryptedTextField(max_length=cssrs.PLAN_SECTION_MAX, blank=True, default="")
    made_at = models.DateTimeField(default=timezone.now)
    made_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["couple", "partner", "number"], name="safety_plan_number_once")]
        ordering = ["couple", "partner", "number"]

    key_owner_kind = "couple"
    key_owner_field = "couple_id"

    def __str__(self) -> str:
        return f"Safety plan {self.pk} ({self.partner} v{self.number})"

    def sections(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in cssrs.PLAN_FIELDS}

    def section_lines(self) -> list[tuple[str, str]]:
        """(heading, text) in Stanley and Brown's order, for pages and PDFs."""
        return [(heading, getattr(self, name)) for name, heading, _ in cssrs.PLAN_SECTIONS]
