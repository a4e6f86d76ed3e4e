"""A synthetic practice at benchmark size: staff, clients, couples, care teams, calendars and data keys.

`manage.py seed_scale` builds it in batches of couples. For each batch, this module makes the practice-core
rows (clients with their blind indexes, couples, partners with their IPV screens, care teams) and each
couple's appointment calendar as plain data; the clinical apps then add their rows to the same `Batch`
(demo.scale.plans, demo.scale.notes), and `Batch.write` inserts everything with bulk_create in one
transaction, followed by the batch's audit events appended to the hash chain in one insert.

Everything is invented. Values go through the real encrypted fields (bulk_create seals each value with the
row's own table, column, id and key owner), each couple gets its data key as the services would create
it, and every random choice comes from one seeded `random.Random`, so the same seed gives the same
practice (apart from ids, nonces and the time of the run).
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import append_events
from clinic.models import (
    CareRole,
    CareTeamMember,
    Client,
    Confidentiality,
    Couple,
    CoupleStatus,
    IPVResult,
    Partner,
    Practice,
    Role,
    User,
)
from keys import keyring
from keys.blind_index import blind_index
from keys.models import DataKey
from plans.models import CheckingLogEntry
from portal.models import MeasureRequest, PortalAccount, PortalInvitation

PRACTICE_NAME = "Rapport Scale Practice"
PASSWORD = "rapport-scale-2026"
PORTAL_EMAIL = "partner.a@scale.rapport.example"  # the one portal account (demo/portal.py's password)
STAFF_EMAIL_DOMAIN = "scale-practice.example"
THERAPIST_USERNAME = "scale-therapist-{:03d}"
MANAGER_USERNAME = "scale-manager"
ADMIN_USERNAME = "scale-admin"
SEED_SOURCE = "seed_scale"  # in every audit event's detail, so seeded history is told apart from real use

SUPERVISOR_EVERY = 8  # therapists 008, 016, ... are supervisors (and carry couples too)
SUPERVISED_SHARE = 0.2  # pre-licensed therapists, each supervised by one of the supervisors
CO_THERAPIST_SHARE = 0.08
THERAPIST_001_LOAD = 1.15
STATUS_WEIGHTS = ((CoupleStatus.ACTIVE, 0.76), (CoupleStatus.DISCHARGED, 0.14), (CoupleStatus.INTAKE, 0.06),
                  (CoupleStatus.ON_HOLD, 0.04))
WEEKLY_FOR_WEEKS = 10  # then every two weeks
MISSED = ((  # attendance of past appointments
    ("attended", 0.86), ("cancelled", 0.06), ("late_cancelled", 0.03), ("no_show", 0.05)))
MODALITIES = (("in_person", 0.6), ("video", 0.35), ("phone", 0.05))

FIRST_NAMES = (
    "Aaliyah", "Abdul", "Ada", "Adebayo", "Aiden", "Aiko", "Alejandro", "Alice", "Amara", "Amir", "Ana", "Andrei",
    "Anjali", "Arjun", "Astrid", "Ayesha", "Beatriz", "Ben", "Bilal", "Bronwen", "Carmen", "Catalina", "Chen",
    "Chidi", "Chloe", "Ciaran", "Dalia", "Daniel", "Darius", "Deepa", "Eamon", "Elena", "Elif", "Emeka", "Emma",
    "Esther", "Farah", "Felix", "Fiona", "Freya", "Gabriel", "Grace", "Hamza", "Hana", "Hannah", "Haruto", "Ibrahim",
    "Ines", "Isaac", "Isla", "Jamal", "Javier", "Jin", "Joanna", "Jonas", "Kai", "Kamala", "Kemal", "Kofi", "Laila",
    "Lars", "Layla", "Leon", "Lin", "Lucia", "Luca", "Maeve", "Malik", "Marco", "Mariam", "Mateo", "Maya", "Mei",
    "Mohammed", "Nadia", "Naomi", "Nikhil", "Nina", "Noah", "Oisin", "Olga", "Omar", "Oscar", "Paolo", "Priya",
    "Rafael", "Rahul", "Rania", "Rhys", "Rosa", "Ruth", "Sami", "Sara", "Sean", "Selin", "Sienna", "Sofia", "Tariq",
    "Tomasz", "Uma", "Valentina", "Victor", "Wei", "Yara", "Yusuf", "Zainab", "Zara", "Zoltan",
)
LAST_NAMES = (
    "Abara", "Ahmed", "Alvarez", "Andersson", "Bauer", "Bello", "Bianchi", "Brennan", "Campbell", "Castillo", "Chen",
    "Chowdhury", "Costa", "Da Silva", "Demir", "Dubois", "Eriksen", "Evans", "Fernandes", "Fitzgerald", "Garcia",
    "Gupta", "Haddad", "Hansen", "Hughes", "Ibrahim", "Ivanova", "Jansen", "Jones", "Kaur", "Kelly", "Khan", "Kim",
    "Kowalczyk", "Kumar", "Larsen", "Lee", "Lopez", "MacLeod", "Mahmoud", "Martin", "Mensah", "Morales", "Murphy",
    "Nakamura", "Nguyen", "Novak", "Nowak", "O'Brien", "Okafor", "Okonkwo", "Olsen", "Osei", "Patel", "Petrov",
    "Popescu", "Quinn", "Rahman", "Ramirez", "Reyes", "Rossi", "Santos", "Sato", "Schmidt", "Shah", "Silva", "Singh",
    "Smith", "Sorensen", "Suzuki", "Tanaka", "Taylor", "Thomas", "Torres", "Tran", "Van Dijk", "Vargas", "Walsh",
    "Wang", "Williams", "Wilson", "Wojcik", "Yamamoto", "Yildiz", "Zhang", "Zielinski",
)
STREETS = ("Quayside Row", "Chandlery Lane", "Ropewalk Terrace", "Beacon Close", "Netmakers Way", "Lighthouse Road",
           "Customs House", "Slipway Cottages", "Harbourmaster Street", "Mariners Green", "Sailmakers Yard",
           "Breakwater Avenue", "Pilot's Walk", "Tidewater Court", "Anchor Street", "Dockside Place")
PRONOUNS = (("she/her", 0.48), ("he/him", 0.48), ("they/them", 0.04))
PRESENTING = (
    "{A} and {B} describe years of growing distance and arguments that end with one of them walking out. "
    "{A} feels unheard; {B} feels criticised whatever they do. Both want to find a way back to each other.",
    "{B} discovered that {A} had been messaging a former partner in secret for months. {A} says nothing physical "
    "happened; {B} says the secrecy is the betrayal. They disagree about what counts as an affair and about how "
    "much openness is fair now.",
    "{A} checks {B}'s phone and location several times a day and asks for reassurance about the relationship. "
    "{B} reassures, but the relief never lasts and {B} is starting to feel exhausted and resentful.",
    "A loan {B} took out without telling {A} came to light through a letter from a debt collector. They paid it "
    "off and never really talked about it; {A} now checks every statement and {B} feels permanently on probation.",
    "Since their child was born, {A} feels like the household's manager rather than a partner. {B} works long "
    "hours and believes providing is how love is shown. Affection has faded and both fear becoming flatmates.",
    "{A} grew up never sure who would be there at the end of the day and struggles to believe {B} will stay. "
    "During conflict {A} pushes {B} away as if to test the relationship; {B} feels punished for hurts they did "
    "not cause.",
    "Small misunderstandings about plans and money escalate into arguments that leave both feeling unheard. "
    "{B} says {A} agrees to things and then does something else; {A} never knows what is expected until it is "
    "too late.",
)
IPV_NOTE = "Each partner screened alone with a structured interview; no indicators of violence, coercion or fear."


# --- Plain data shared by the steps -------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """One appointment on a couple's calendar (no clinical content: the notes step writes that)."""

    number: int  # 0 = intake
    starts_at: datetime.datetime
    duration_minutes: int
    kind: str  # joint | individual_a | individual_b
    modality: str
    attendance: str  # scheduled | attended | cancelled | late_cancelled | no_show
    day: datetime.date  # the local date of starts_at

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)


@dataclass
class ScaleCase:
    """One seeded couple: its rows, who treats it, its calendar, and what the clinical steps share."""

    couple: Couple
    partner_names: dict[str, str]  # "a"/"b" -> first name, for note text
    primary: User
    co_therapist: User | None
    visits: list[Visit]
    shared: dict[str, Any] = field(default_factory=dict)  # e.g. the plan's objectives, for the notes step

    @property
    def attended(self) -> list[Visit]:
        return [v for v in self.visits if v.attendance == "attended"]


@dataclass
class ScalePractice:
    practice: Practice
    therapists: list[User]  # scale-therapist-001..N, supervisors included
    manager: User
    admin: User
    now: datetime.datetime
    today: datetime.date
    years: int


class Batch:
    """The rows of one batch of couples, by model in insert order, and its audit events."""

    def __init__(self, cases: list[ScaleCase]) -> None:
        self.cases = cases
        self.rows: dict[type[models.Model], list[models.Model]] = {}
        self.events: list[AuditEvent] = []

    def declare(self, *order: type[models.Model]) -> None:
        """Fix the insert order of these models (for rules that depend on it, such as PostgreSQL triggers)."""
        for model in order:
            self.rows.setdefault(model, [])

    def add(self, *rows: models.Model) -> None:
        for row in rows:
            self.rows.setdefault(type(row), []).append(row)

    def event(self, action: str, *, at: datetime.datetime, actor: User, obj: models.Model | None = None,
              object_type: str = "", object_id: Any = "", couple_id: Any = None, detail: dict | None = None) -> None:
        """An audit event as record_event would write it, dated when the seeded action happened."""
        if obj is not None:
            object_type = object_type or obj._meta.label_lower
            object_id = object_id or obj.pk
            if couple_id is None:
                couple_id = obj.pk if isinstance(obj, Couple) else getattr(obj, "couple_id", None)
        self.events.append(AuditEvent(
            at=at.astimezone(datetime.UTC), actor_id=actor.pk, actor_username=actor.username,
            practice_id=actor.practice_id, action=action, object_type=object_type, object_id=str(object_id or ""),
            couple_id=couple_id, detail={**(detail or {}), "source": SEED_SOURCE},
        ))

    def write(self) -> dict[str, int]:
        """Insert every row (models in the order first added) and append the events, in one transaction."""
        counts: dict[str, int] = {}
        with transaction.atomic():
            for model, rows in self.rows.items():
                insert_rows(model, rows)
                counts[str(model._meta.verbose_name_plural)] = len(rows)
            self.events.sort(key=lambda event: event.at)
            append_events(self.events, insert=insert_rows)
            counts["audit events"] = len(self.events)
        return counts


def insert_rows(model: type[models.Model], rows: list[models.Model]) -> None:
    """What bulk_create does for rows with their primary keys set, minus its per-value bookkeeping: each
    field's pre_save (which seals an encrypted value under this row's table, column, id and key owner, and
    stamps auto_now dates), then its get_db_prep_save, then one executemany. About twice as fast."""
    database = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: `connection` is a proxy, slow per call
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    quote = database.ops.quote_name
    # Table and column names come from the model and are quoted; every value is a parameter.
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    prepare = [(f.pre_save, f.get_db_prep_save) for f in fields]
    params = [[to_db(pre_save(row, True), database) for pre_save, to_db in prepare] for row in rows]
    with database.cursor() as cursor:
        cursor.executemany(sql, params)
    for row in rows:
        row._state.adding = False


# --- Random helpers ------------------------------------------------------------------------------------------


def weighted(rng: random.Random, choices: tuple[tuple[Any, float], ...]) -> Any:
    point = rng.random() * sum(weight for _, weight in choices)
    for value, weight in choices:
        point -= weight
        if point <= 0:
            return value
    return choices[-1][0]


def at_local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, minute))


# --- Practice and staff --------------------------------------------------------------------------------------


def find_practice() -> Practice | None:
    return Practice.objects.filter(name=PRACTICE_NAME).order_by("created_at").first()


def create_practice(rng: random.Random, *, therapists: int, years: int) -> ScalePractice:
    """The practice, its staff (one password hash shared by all: Argon2 per user would cost seconds), its
    identity and name-index keys."""
    now = timezone.now()
    with transaction.atomic():
        practice = Practice.objects.create(name=PRACTICE_NAME)
        template = User(username="template")
        template.set_password(PASSWORD)
        staff: list[User] = []
        supervisors: list[User] = []
        for number in range(1, therapists + 1):
            is_supervisor = number % SUPERVISOR_EVERY == 0
            staff.append(User(
                username=THERAPIST_USERNAME.format(number), first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES), email=f"therapist{number:03d}@{STAFF_EMAIL_DOMAIN}",
                practice=practice, role=Role.SUPERVISOR if is_supervisor else Role.THERAPIST,
                credentials="LMFT, Approved Supervisor" if is_supervisor else "LMFT",
                licence_number=f"LMFT {50000 + number}", password=template.password, date_joined=now,
            ))
            if is_supervisor:
                supervisors.append(staff[-1])
        if not supervisors and therapists > 1:
            staff[-1].role, staff[-1].credentials = Role.SUPERVISOR, "LMFT, Approved Supervisor"
            supervisors.append(staff[-1])
        # Therapist 001 is licensed and unsupervised: the benchmark signs in as them.
        candidates = [user for user in staff[1:] if user.role == Role.THERAPIST]
        supervised = [user for user in candidates if rng.random() < SUPERVISED_SHARE] or candidates[:1]
        for user in supervised if supervisors else []:
            user.supervisor = rng.choice(supervisors)
            user.credentials, user.licence_number = "AMFT", f"AMFT {130000 + staff.index(user)}"
        manager = User(username=MANAGER_USERNAME, first_name="Morgan", last_name="Hale", practice=practice,
                       role=Role.PRACTICE_MANAGER, email=f"manager@{STAFF_EMAIL_DOMAIN}", password=template.password,
                       date_joined=now)
        admin = User(username=ADMIN_USERNAME, first_name="Alex", last_name="Reid", practice=practice,
                     role=Role.ADMIN, email=f"admin@{STAFF_EMAIL_DOMAIN}", password=template.password,
                     date_joined=now)
        # Supervisors first: a supervisee's row points at its supervisor's.
        ordered = sorted(staff, key=lambda u: u.role != Role.SUPERVISOR)
        User.objects.bulk_create([*ordered, manager, admin])
        batch = Batch([])
        for user in [*staff, manager, admin]:
            batch.event("user.invite", at=now, actor=admin, obj=user, detail={"role": user.role})
        append_events(batch.events)
    # The practice's identity and name-index keys, created once here (outside a batch's transaction).
    keyring.active_key(keyring.KeyOwner("practice", practice.pk))
    keyring.active_key(keyring.KeyOwner("index", practice.pk))
    return ScalePractice(practice=practice, therapists=staff, manager=manager, admin=admin, now=now,
                         today=timezone.localdate(now), years=years)


def caseload_weights(rng: random.Random, count: int) -> list[float]:
    """Uneven caseloads (some therapists part-time, some carrying many). Therapist 001 carries a little more
    than the average, so that the active couples they see (as primary or co-therapist) number about
    couples / therapists: the benchmark signs in as them."""
    weights = [rng.lognormvariate(0, 0.45) for _ in range(count)]
    if count > 1:
        weights[0] = THERAPIST_001_LOAD * sum(weights[1:]) / (count - 1)
    return weights


# --- Couples -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoupleSpec:
    """What the batch loop decides before any row exists: who treats the couple, its status and dates."""

    number: int
    primary: User
    co_therapist: User | None
    status: str
    start: datetime.date
    end: datetime.date | None  # discharged: the last session's day; on hold: the last session's day


def plan_couples(rng: random.Random, scale: ScalePractice, count: int) -> Iterator[CoupleSpec]:
    """The couples, one at a time (memory stays bounded): therapist by caseload weight, status and dates."""
    weights = caseload_weights(rng, len(scale.therapists))
    span_days = 365 * scale.years
    today = scale.today
    for number in range(1, count + 1):
        primary = rng.choices(scale.therapists, weights)[0]
        co = None
        if len(scale.therapists) > 1 and rng.random() < CO_THERAPIST_SHARE:
            co = rng.choice([t for t in scale.therapists if t is not primary])
        status = weighted(rng, STATUS_WEIGHTS)
        if status == CoupleStatus.INTAKE:
            start = today - datetime.timedelta(days=rng.randint(0, 20))
            end = None
        elif status == CoupleStatus.DISCHARGED:
            weeks = rng.randint(8, max(8, min(60, span_days // 7 - 2)))
            start = today - datetime.timedelta(days=rng.randint(weeks * 7 + 14, max(weeks * 7 + 14, span_days)))
            end = start + datetime.timedelta(weeks=weeks)
        elif status == CoupleStatus.ON_HOLD:
            weeks = rng.randint(8, 40)
            start = today - datetime.timedelta(days=min(span_days, weeks * 7 + rng.randint(28, 70)))
            end = min(start + datetime.timedelta(weeks=weeks), today - datetime.timedelta(days=28))
        else:
            weeks = min(int(rng.triangular(3, 100, 30)), span_days // 7)
            start = today - datetime.timedelta(days=weeks * 7 + rng.randint(0, 6))
            end = None
        yield CoupleSpec(number, primary, co, status, start, end)


def calendar(rng: random.Random, spec: CoupleSpec, now: datetime.datetime, screened: bool) -> list[Visit]:
    """Appointments from the start date: weekly, then every two weeks; a few individual sessions after the
    intake; missed ones now and then; active couples have their next appointment booked."""
    last_day = spec.end or timezone.localdate(now) + datetime.timedelta(days=14)
    hour = rng.choice((9, 10, 11, 12, 14, 15, 16, 17, 18))
    weekday_shift = rng.randint(0, 4)
    day = spec.start + datetime.timedelta(days=(weekday_shift - spec.start.weekday()) % 7)
    individual_after_intake = screened and rng.random() < 0.4
    modality = weighted(rng, MODALITIES)
    visits: list[Visit] = []
    number = 0
    while True:
        starts_at = at_local(day, hour)
        if day > last_day or (spec.status == CoupleStatus.INTAKE and number >= 3):
            break
        if number == 0 or not screened:
            kind = "joint" if screened else ("individual_a", "individual_b")[number % 2]
        elif individual_after_intake and number in (1, 2):
            kind = ("individual_a", "individual_b")[number - 1]
        else:
            kind = "joint" if rng.random() > 0.04 else rng.choice(("individual_a", "individual_b"))
        future = starts_at + datetime.timedelta(minutes=60) > now
        attendance = "scheduled" if future else ("attended" if number == 0 else weighted(rng, MISSED))
        visits.append(Visit(number, starts_at, 60 if number == 0 else rng.choice((50, 50, 50, 60)), kind,
                            modality if rng.random() < 0.85 else weighted(rng, MODALITIES), attendance, day))
        if future:
            break  # one booked appointment ahead is enough
        number += 1
        day += datetime.timedelta(weeks=1 if number < WEEKLY_FOR_WEEKS else 2)
    if spec.status in (CoupleStatus.DISCHARGED, CoupleStatus.ON_HOLD):
        visits = [v for v in visits if v.attendance != "scheduled"]
    return visits


def build_cases(rng: random.Random, scale: ScalePractice, specs: list[CoupleSpec]) -> Batch:
    """Clients, couples, partners and care teams of one batch (rows not yet written), with their data keys
    created and committed first, so that sealing the batch's values finds them in the key cache."""
    practice_id = scale.practice.pk
    couple_ids = [uuid.uuid4() for _ in specs]
    keyring.create_keys([keyring.KeyOwner("couple", couple_id) for couple_id in couple_ids])
    cases: list[ScaleCase] = []
    batch = Batch(cases)
    for spec, couple_id in zip(specs, couple_ids, strict=True):
        screened = spec.status != CoupleStatus.INTAKE or rng.random() < 0.5
        people = [_client(rng, practice_id, spec.primary) for _ in range(2)]
        people[1].address = people[0].address
        first = {"a": people[0].first_name, "b": people[1].first_name}
        agreed = spec.status != CoupleStatus.INTAKE or screened
        couple = Couple(
            id=couple_id, practice_id=practice_id, reference=f"C-{spec.start.year}-{spec.number:05d}",
            status=spec.status, start_date=spec.start, end_date=spec.end if spec.status == "discharged" else None,
            presenting_concerns=rng.choice(PRESENTING).format(A=first["a"], B=first["b"]),
            confidentiality=(rng.choice((Confidentiality.NO_SECRETS, Confidentiality.NO_SECRETS,
                                         Confidentiality.LIMITED_SECRETS)) if agreed
                             else Confidentiality.NOT_RECORDED),
            created_by=spec.primary,
        )
        partners = [
            Partner(couple_id=couple_id, client=client, position=position,
                    agreed_confidentiality_on=spec.start if agreed else None,
                    ipv_result=IPVResult.NO_CONCERN if screened else IPVResult.NOT_DONE,
                    ipv_screened_on=spec.start if screened else None,
                    ipv_screened_by=spec.primary if screened else None,
                    ipv_notes=IPV_NOTE if screened else "")
            for client, position in zip(people, ("a", "b"), strict=True)
        ]
        team = [CareTeamMember(couple_id=couple_id, user=spec.primary, role=CareRole.PRIMARY, start_date=spec.start)]
        if spec.co_therapist is not None:
            team.append(CareTeamMember(couple_id=couple_id, user=spec.co_therapist, role=CareRole.CO_THERAPIST,
                                       start_date=spec.start))
        batch.add(*people)
        batch.add(couple)
        batch.add(*partners, *team)
        opened = at_local(spec.start, 8, 30)
        for person in people:
            batch.event("client.create", at=opened, actor=spec.primary, obj=person)
        batch.event("couple.create", at=opened, actor=spec.primary, obj=couple)
        if screened:
            for partner in partners:
                batch.event("partner.update", at=opened, actor=spec.primary, obj=partner,
                            detail={"fields": ["agreed_confidentiality_on", "ipv_result", "ipv_screened_on",
                                               "ipv_notes"]})
        if spec.status == CoupleStatus.DISCHARGED and spec.end is not None:
            batch.event("couple.update", at=at_local(spec.end, 18), actor=spec.primary, obj=couple,
                        detail={"fields": ["end_date", "status"]})
        cases.append(ScaleCase(couple=couple, partner_names=first, primary=spec.primary,
                               co_therapist=spec.co_therapist, visits=calendar(rng, spec, scale.now, screened)))
    return batch


def _client(rng: random.Random, practice_id: uuid.UUID, by: User) -> Client:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    born = datetime.date(rng.randint(1955, 2003), rng.randint(1, 12), rng.randint(1, 28))
    phone = f"07700 900{rng.randint(0, 999):03d}"
    local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
    client = Client(
        practice_id=practice_id, first_name=first, last_name=last, pronouns=weighted(rng, PRONOUNS),
        date_of_birth=born, email=f"{local}{rng.randint(1, 999)}@example.net", phone=phone,
        address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}, Portwell PW{rng.randint(1, 9)} {rng.randint(1, 9)}AB",
        emergency_contact_name=f"{rng.choice(FIRST_NAMES)} {last}", emergency_contact_phone=phone[:-1] + "9",
        created_by=by,
    )
    client.name_index = blind_index(practice_id, client.full_name)
    client.last_name_index = blind_index(practice_id, last)
    return client


# --- Replacing an earlier run --------------------------------------------------------------------------------


def delete_practice(practice: Practice, deleters: list[Callable[[Any, str], None]]) -> None:
    """Delete the scale practice and everything in it with SQL deletes (no rows loaded into memory).

    `deleters` are the clinical steps' `delete_for(couple_ids, using)`, which go first. The couples' data
    keys go too (their text is unreadable from then on, as after shredding). Audit events stay: they are
    the chain's history. On PostgreSQL, signed notes are protected by a trigger that refuses DELETE; this
    turns triggers off for the transaction (`session_replication_role`), which needs a superuser.
    """
    using = connection.alias
    couples = Couple.objects.filter(practice=practice)
    couple_ids = couples.values("pk")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        for delete_for in deleters:
            delete_for(couple_ids, using)
        # The portal account seed_scale gives one partner (demo/portal.py), its invitation and measure requests.
        accounts = PortalAccount._base_manager.filter(couple_id__in=couple_ids)
        PortalInvitation.objects.filter(account__in=accounts.values("pk"))._raw_delete(using)
        MeasureRequest.objects.filter(couple_id__in=couple_ids)._raw_delete(using)
        CheckingLogEntry._base_manager.filter(couple_id__in=couple_ids)._raw_delete(using)  # its two log entries
        accounts._raw_delete(using)
        for model in (CareTeamMember, Partner):
            model._base_manager.filter(couple_id__in=couple_ids)._raw_delete(using)
        DataKey.objects.filter(owner_kind="couple", owner_id__in=couple_ids)._raw_delete(using)
        couples._raw_delete(using)
        Client.objects.filter(practice=practice)._raw_delete(using)
        DataKey.objects.filter(owner_kind__in=("practice", "index"), owner_id=practice.pk)._raw_delete(using)
        staff = User.objects.filter(practice=practice)
        staff.update(supervisor=None)
        staff.delete()
        Practice.objects.filter(pk=practice.pk).delete()
    keyring.clear_cache()
