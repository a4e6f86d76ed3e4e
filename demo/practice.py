"""The demo practice: invented staff, clients and couples, created through the services like real data.

Every name, address and story here is invented. Phone numbers are in Ofcom's range reserved for drama
(07700 900xxx) and e-mail addresses use the reserved example.* domains. `seed()` is idempotent: each
`ensure_*` function finds what an earlier run created and creates only what is missing. Later issues
add sessions, notes, plans and measures by adding their own `ensure_*` steps to `seed()`.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from clinic.models import (
    CareRole,
    Client,
    Confidentiality,
    Couple,
    CoupleStatus,
    IPVResult,
    PartnerPosition,
    Practice,
    Risk,
    RiskKind,
    RiskStatus,
    Role,
    User,
)
from clinic.selectors.clients import find_clients_by_name
from clinic.services.couples import (
    care_team_add,
    client_create,
    couple_create,
    couple_update,
    partner_update,
)
from clinic.services.ipv import ipv_override_record
from clinic.services.risks import risk_acknowledge
from demo.clock import clock_at
from keys.blind_index import normalise_name

PRACTICE_NAME = "Harbour Couples Counselling"
# The letterhead of the demo's reports (fictional: a 555-01xx number and an example.org address).
PRACTICE_LETTERHEAD = {"address": "212 Harbour Street, Suite 4\nPortland, ME 04101", "phone": "(207) 555-0142",
                       "email": "office@harbour-couples.example.org"}
DEMO_PASSWORD = "rapport-demo-2026"
STAFF_EMAIL_DOMAIN = "harbour-counselling.example"


@dataclass(frozen=True)
class DemoStaff:
    username: str
    first_name: str
    last_name: str
    role: str
    credentials: str = ""
    licence_number: str = ""
    supervisor: str | None = None  # username of the supervisor, for pre-licensed therapists


@dataclass(frozen=True)
class DemoClient:
    first_name: str
    last_name: str
    date_of_birth: datetime.date
    pronouns: str
    phone: str
    address: str
    emergency_contact_name: str
    emergency_contact_phone: str
    preferred_name: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def email(self) -> str:
        local = normalise_name(self.full_name).replace(" ", ".").replace("'", "")
        return f"{local}@example.net"


@dataclass(frozen=True)
class DemoCouple:
    partner_a: DemoClient
    partner_b: DemoClient
    primary: str  # username of the primary therapist, who opens the case
    presenting_concerns: str
    status: str
    started_days_ago: int
    confidentiality: str = Confidentiality.NO_SECRETS
    co_therapist: str | None = None
    ipv_screened: bool = True
    ended_days_ago: int | None = None
    ipv_screen: DemoScreen | None = None  # a HITS screen per partner (else "no concern" without HITS)


@dataclass(frozen=True)
class DemoScreen:
    """Each partner's HITS answers (hurt, insult, threaten, scream; 1-5, clinic.ipv) and the clinician's judgement,
    and, where the screen blocks joint sessions, the override documented the same day and what was done about
    the IPV risk the screen raised."""

    hits: tuple[tuple[int, int, int, int], tuple[int, int, int, int]]
    judgement: tuple[str, str]
    notes: tuple[str, str]
    override: str = ""
    follow_up: str = ""


# Order matters: a supervisor is created before the therapists they supervise.
STAFF: tuple[DemoStaff, ...] = (
    DemoStaff("supervisor", "Helen", "Marsh", Role.SUPERVISOR, "LMFT, Approved Supervisor", "LMFT 40112"),
    DemoStaff("therapist", "Naomi", "Achebe", Role.THERAPIST, "LMFT", "LMFT 52807"),
    DemoStaff("therapist2", "Rafael", "Ortega", Role.THERAPIST, "LPCC", "LPCC 11934"),
    DemoStaff("associate", "Priya", "Raman", Role.THERAPIST, "AMFT", "AMFT 130476", supervisor="supervisor"),
    DemoStaff("manager", "Tom", "Whitfield", Role.PRACTICE_MANAGER),
    DemoStaff("admin", "Grace", "Lindo", Role.ADMIN),
)


def _client(first: str, last: str, born: tuple[int, int, int], pronouns: str, phone: str, address: str,
            contact: str, contact_phone: str, preferred: str = "") -> DemoClient:
    return DemoClient(first, last, datetime.date(*born), pronouns, phone, address, contact, contact_phone, preferred)


COUPLES: tuple[DemoCouple, ...] = (
    DemoCouple(
        _client("Amara", "Okafor", (1986, 3, 14), "she/her", "07700 900101", "14 Quayside Row, Portwell PW1 2AB",
                "Ngozi Okafor (sister)", "07700 900102"),
        _client("Benedict", "Whitcombe", (1984, 11, 2), "he/him", "07700 900103",
                "14 Quayside Row, Portwell PW1 2AB", "Ruth Whitcombe (mother)", "07700 900104", preferred="Ben"),
        primary="therapist", co_therapist="therapist2", status=CoupleStatus.ACTIVE, started_days_ago=210,
        presenting_concerns=(
            "Benedict had an affair with a colleague that ended eighteen months ago; Amara found out from a "
            "message that lit up on his tablet. They both want to stay together, but Amara cannot stop replaying "
            "the discovery and Benedict feels that every conversation turns into a cross-examination. They "
            "describe living side by side rather than together since."
        ),
    ),
    DemoCouple(
        _client("Sofia", "Marquez", (1991, 7, 23), "she/her", "07700 900111",
                "Flat 3, 8 Chandlery Lane, Portwell PW2 4CD",
                "Elena Marquez (mother)", "07700 900112"),
        _client("Lachlan", "Gallagher", (1989, 1, 9), "he/him", "07700 900113",
                "Flat 3, 8 Chandlery Lane, Portwell PW2 4CD", "Fergus Gallagher (brother)", "07700 900114"),
        primary="therapist2", status=CoupleStatus.ACTIVE, started_days_ago=150,
        presenting_concerns=(
            "Sofia's father left when she was six, and afterwards her mother's moods decided whether home felt "
            "safe. When Lachlan goes quiet or comes home late she panics that he is pulling away, and he copes "
            "by withdrawing further. The pursue-and-retreat cycle has grown worse since they moved in together."
        ),
    ),
    DemoCouple(
        _client("Hiroshi", "Tanaka", (1979, 5, 30), "he/him", "07700 900121", "27 Ropewalk Terrace, Portwell PW3 1EF",
                "Keiko Tanaka (sister)", "07700 900122"),
        _client("Emmeline", "Lindqvist", (1982, 9, 17), "she/her", "07700 900123",
                "27 Ropewalk Terrace, Portwell PW3 1EF", "Astrid Lindqvist (mother)", "07700 900124",
                preferred="Emmy"),
        primary="therapist", status=CoupleStatus.ACTIVE, started_days_ago=95,
        ipv_screen=DemoScreen(
            hits=((1, 3, 1, 2), (1, 4, 1, 5)),
            judgement=(IPVResult.NO_CONCERN, IPVResult.CONCERN),
            notes=(
                "Seen alone. Describes loud arguments about money in which both raise their voices; no physical "
                "harm, threats or fear of Emmeline reported.",
                "Seen alone. Hiroshi shouts and swears at her in most arguments about money and calls her "
                "'hopeless'; no physical harm or threats, says she is not afraid of him and is free to see "
                "friends and family. HITS positive (11).",
            ),
            override=(
                "Each partner assessed alone at intake: verbal aggression during arguments about money, mostly "
                "Hiroshi's; no physical violence, threats, coercive control or fear reported by either partner "
                "(situational couple conflict, not intimate terrorism). Both agreed a time-out plan for arguments. "
                "Emmeline has a safety plan and the local domestic abuse helpline number. Joint sessions may go "
                "on; re-screen each partner alone at every review and at once if anything changes."
            ),
            follow_up=(
                "Assessed with Emmeline alone: no physical violence, threats or fear; safety plan and helpline "
                "given; joint work allowed with the override documented. Re-screen each partner alone in 90 days."
            ),
        ),
        presenting_concerns=(
            "Small misunderstandings about plans and money escalate into arguments that leave both feeling "
            "unheard. Emmeline says Hiroshi agrees to things and then does his own thing; Hiroshi says he never "
            "knows what is expected of him until it is too late. They want to learn to talk without keeping score."
        ),
    ),
    DemoCouple(
        _client("Fatima", "Haddad", (1988, 12, 4), "she/her", "07700 900131", "5 Beacon Close, Portwell PW4 7GH",
                "Leila Haddad (cousin)", "07700 900132"),
        _client("Yusuf", "Haddad", (1985, 2, 19), "he/him", "07700 900133", "5 Beacon Close, Portwell PW4 7GH",
                "Omar Haddad (brother)", "07700 900134"),
        primary="associate", status=CoupleStatus.ACTIVE, started_days_ago=180,
        presenting_concerns=(
            "Since their second child was born, Fatima feels she has become the household's manager rather than "
            "a partner, and that her effort goes unnoticed. Yusuf works long hours and believes providing for the "
            "family is how he shows love. Affection has faded and both worry they are turning into flatmates."
        ),
    ),
    DemoCouple(
        _client("Chloe", "Bennett", (1990, 4, 11), "she/her", "07700 900141", "62 Netmakers Way, Portwell PW1 9JK",
                "Patricia Bennett (mother)", "07700 900142"),
        _client("Marcus", "Delaney", (1987, 8, 28), "he/him", "07700 900143", "62 Netmakers Way, Portwell PW1 9JK",
                "Kieran Delaney (brother)", "07700 900144"),
        primary="therapist2", co_therapist="therapist", status=CoupleStatus.ACTIVE, started_days_ago=60,
        confidentiality=Confidentiality.LIMITED_SECRETS,
        presenting_concerns=(
            "Four years ago Marcus took out a loan without telling Chloe, and she learned of it from a debt "
            "collector's letter. They paid it off and agreed to move on without ever really discussing it. Chloe "
            "now checks every bank statement and Marcus feels permanently on probation; a recent unexplained "
            "purchase reopened the wound."
        ),
    ),
    DemoCouple(
        _client("Aisha", "Rahman", (1993, 6, 6), "she/her", "07700 900151", "19 Lighthouse Road, Portwell PW5 3LM",
                "Nadia Rahman (sister)", "07700 900152"),
        _client("Tomasz", "Nowakowski", (1990, 10, 15), "he/him", "07700 900153",
                "19 Lighthouse Road, Portwell PW5 3LM", "Krystyna Nowakowska (mother)", "07700 900154"),
        primary="therapist", status=CoupleStatus.ACTIVE, started_days_ago=120,
        presenting_concerns=(
            "Aisha asks Tomasz several times a day whether he still loves her and whether he finds anyone at "
            "work attractive. He reassures her, but the relief never lasts and he has started to feel worn out "
            "and resentful. Both trace the checking to the discovery that a previous partner of Aisha's had been "
            "unfaithful for years."
        ),
    ),
    DemoCouple(
        _client("Jamal", "Washington", (1983, 3, 27), "he/him", "07700 900161",
                "Flat 12, Customs House, Portwell PW1 1NP",
                "Denise Washington (mother)", "07700 900162"),
        _client("Andre", "Baptiste", (1985, 7, 8), "he/him", "07700 900163", "Flat 12, Customs House, Portwell PW1 1NP",
                "Claudette Baptiste (sister)", "07700 900164"),
        primary="associate", status=CoupleStatus.ACTIVE, started_days_ago=75,
        confidentiality=Confidentiality.LIMITED_SECRETS,
        presenting_concerns=(
            "Andre discovered that Jamal had been confiding in a former partner through late-night messages for "
            "most of a year. Jamal insists nothing physical happened; Andre says the secrecy hurt more than any "
            "act could have. They disagree about whether it counts as an affair and how much openness is fair now."
        ),
    ),
    DemoCouple(
        _client("Niamh", "O'Sullivan", (1992, 1, 30), "she/her", "07700 900171", "3 Slipway Cottages, Portwell PW6 2QR",
                "Bridget O'Sullivan (grandmother)", "07700 900172"),
        _client("Ciara", "Brennan", (1991, 5, 21), "she/her", "07700 900173", "3 Slipway Cottages, Portwell PW6 2QR",
                "Declan Brennan (father)", "07700 900174"),
        primary="supervisor", status=CoupleStatus.ACTIVE, started_days_ago=240,
        confidentiality=Confidentiality.LIMITED_SECRETS,
        presenting_concerns=(
            "Niamh grew up moving between her grandmother and a mother who was often unwell, never sure who "
            "would collect her from school. She struggles to believe that Ciara will stay, and during conflict "
            "she pushes her away as if to test her. Ciara feels she is paying for hurts she did not cause."
        ),
    ),
    DemoCouple(
        _client("Meilin", "Chen", (1994, 9, 2), "she/her", "07700 900181", "41 Harbourmaster Street, Portwell PW2 8ST",
                "Xiaoling Chen (mother)", "07700 900182"),
        _client("David", "Abramson", (1992, 12, 12), "he/him", "07700 900183",
                "41 Harbourmaster Street, Portwell PW2 8ST", "Miriam Abramson (mother)", "07700 900184"),
        primary="therapist", status=CoupleStatus.INTAKE, started_days_ago=6, ipv_screened=False,
        confidentiality=Confidentiality.NOT_RECORDED,
        presenting_concerns=(
            "They argue about the same few topics, his mother, her working hours and the housework, and say "
            "that every argument ends with one of them walking out. To keep the peace they have stopped raising "
            "anything at all. Their GP referred them after Meilin described feeling lonely in the relationship."
        ),
    ),
    DemoCouple(
        _client("Olusegun", "Adeyemi", (1968, 4, 3), "he/him", "07700 900191", "9 Mariners Green, Portwell PW7 5UV",
                "Tunde Adeyemi (son)", "07700 900192"),
        _client("Folasade", "Adeyemi", (1970, 8, 25), "she/her", "07700 900193", "9 Mariners Green, Portwell PW7 5UV",
                "Bisi Adeyemi (daughter)", "07700 900194", preferred="Sade"),
        primary="therapist2", status=CoupleStatus.ON_HOLD, started_days_ago=300,
        presenting_concerns=(
            "After twenty-two years of marriage Folasade feels taken for granted and describes herself as the "
            "one who remembers everything. Olusegun was shocked to hear how unhappy she has been and wants to "
            "understand what changed. Sessions are paused while he cares for his father abroad."
        ),
    ),
    DemoCouple(
        _client("Lucía", "Fernández", (1987, 11, 19), "she/her", "07700 900201",
                "Flat 5, Sailmakers Yard, Portwell PW3 6WX",
                "Carmen Fernández (mother)", "07700 900202"),
        _client("Matteo", "Rossini", (1986, 6, 14), "he/him", "07700 900203",
                "Flat 5, Sailmakers Yard, Portwell PW3 6WX", "Giulia Rossini (sister)", "07700 900204"),
        primary="supervisor", status=CoupleStatus.DISCHARGED, started_days_ago=420, ended_days_ago=60,
        presenting_concerns=(
            "Matteo hid the extent of his gambling debts for two years, and Lucía describes finding out as "
            "learning that her life had been built on a lie. The work focused on rebuilding trust through an "
            "agreed routine of financial openness. They finished by mutual agreement once their goals were met."
        ),
    ),
    DemoCouple(
        _client("Ravindra", "Sharma", (1989, 2, 7), "he/him", "07700 900211", "33 Breakwater Avenue, Portwell PW4 1YZ",
                "Sunita Sharma (mother)", "07700 900212", preferred="Ravi"),
        _client("Hannah", "Kowalski", (1990, 3, 29), "she/her", "07700 900213",
                "33 Breakwater Avenue, Portwell PW4 1YZ", "Agnieszka Kowalski (mother)", "07700 900214"),
        primary="associate", co_therapist="therapist2", status=CoupleStatus.ACTIVE, started_days_ago=45,
        confidentiality=Confidentiality.LIMITED_SECRETS,
        presenting_concerns=(
            "Hannah becomes distressed when Ravindra spends time with a close colleague and checks his phone's "
            "location several times a day. Ravindra says he feels trusted only when he is in sight, and has begun "
            "leaving out ordinary plans to avoid arguments. The omissions make Hannah more suspicious still."
        ),
    ),
    DemoCouple(
        _client("Kwame", "Mensah", (1981, 10, 31), "he/him", "07700 900221", "7 Pilot's Walk, Portwell PW5 8BA",
                "Efua Mensah (sister)", "07700 900222"),
        _client("Isabel", "Duarte", (1983, 12, 20), "she/her", "07700 900223", "7 Pilot's Walk, Portwell PW5 8BA",
                "Rosa Duarte (mother)", "07700 900224"),
        primary="therapist2", status=CoupleStatus.INTAKE, started_days_ago=3, ipv_screened=False,
        confidentiality=Confidentiality.NOT_RECORDED,
        presenting_concerns=(
            "Isabel says Kwame has promised many times to change and then broken his word, from missed "
            "appointments to forgotten commitments to her children. Kwame feels nothing he does now is noticed "
            "because of past mistakes. Both want to find out whether trust can be rebuilt."
        ),
    ),
    DemoCouple(
        _client("Selin", "Yılmaz", (1995, 7, 16), "she/her", "07700 900231",
                "Flat 2, 15 Tidewater Court, Portwell PW6 4DC",
                "Aylin Yılmaz (sister)", "07700 900232"),
        _client("Jonas", "Becker", (1993, 4, 24), "he/him", "07700 900233",
                "Flat 2, 15 Tidewater Court, Portwell PW6 4DC", "Lukas Becker (brother)", "07700 900234"),
        primary="supervisor", status=CoupleStatus.ACTIVE, started_days_ago=30,
        presenting_concerns=(
            "Selin and Jonas spent the first three years of their relationship in different countries and now "
            "share a flat for the first time. Secrets from the long-distance years have surfaced, including a "
            "brief relationship Jonas never mentioned. Selin wants to start again with everything on the table; "
            "Jonas fears that full disclosure will end things."
        ),
    ),
)

IPV_NOTE = "Each partner screened alone with a structured interview; no indicators of violence, coercion or fear."


@dataclass
class SeedReport:
    """What one run created (empty on a repeat run) and which logins the demo has."""

    created: Counter = field(default_factory=Counter)
    logins: list[tuple[str, str]] = field(default_factory=list)


def _days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def ensure_practice(report: SeedReport) -> Practice:
    practice = Practice.objects.filter(name=PRACTICE_NAME).order_by("created_at").first()
    if practice is None:
        practice = Practice.objects.create(name=PRACTICE_NAME, **PRACTICE_LETTERHEAD)
        report.created["practice"] += 1
    return practice


def ensure_staff(practice: Practice, report: SeedReport) -> dict[str, User]:
    """The demo staff, by username. An existing user is left as it is (its password included)."""
    users: dict[str, User] = {}
    for member in STAFF:
        user = User.objects.filter(username=member.username).first()
        if user is None:
            user = User(
                username=member.username, first_name=member.first_name, last_name=member.last_name,
                email=f"{member.username}@{STAFF_EMAIL_DOMAIN}", practice=practice, role=member.role,
                credentials=member.credentials, licence_number=member.licence_number,
                supervisor=users[member.supervisor] if member.supervisor else None,
            )
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
            report.created["user"] += 1
        users[member.username] = user
    report.logins = [(u.username, _describe(u)) for u in sorted(users.values(), key=_login_order)]
    return users


LOGIN_ORDER = ("therapist", "therapist2", "associate", "supervisor", "manager", "admin")


def _login_order(user: User) -> int:
    return LOGIN_ORDER.index(user.username) if user.username in LOGIN_ORDER else len(LOGIN_ORDER)


def _describe(user: User) -> str:
    text = f"{user.get_role_display()}: {user.get_full_name()}"
    if user.credentials:
        text += f", {user.credentials}"
    if user.supervisor_id:
        text += f" (pre-licensed, supervised by {user.supervisor.username})"
    return text


def ensure_client(practice: Practice, by: User, data: DemoClient, report: SeedReport) -> Client:
    """Find the client by blind index on their full name, or register them through client_create."""
    wanted = normalise_name(data.full_name)
    for client in find_clients_by_name(practice_id=practice.pk, name=data.full_name):
        if normalise_name(client.full_name) == wanted:
            return client
    report.created["client"] += 1
    return client_create(
        practice_id=practice.pk, by=by, first_name=data.first_name, last_name=data.last_name,
        preferred_name=data.preferred_name, pronouns=data.pronouns, date_of_birth=data.date_of_birth,
        email=data.email, phone=data.phone, address=data.address,
        emergency_contact_name=data.emergency_contact_name, emergency_contact_phone=data.emergency_contact_phone,
    )


def find_couple(partner_a: Client, partner_b: Client) -> Couple | None:
    return Couple.objects.filter(
        partners__client=partner_a, partners__position=PartnerPosition.A
    ).filter(partners__client=partner_b, partners__position=PartnerPosition.B).first()


def record_agreements_and_screens(couple: Couple, data: DemoCouple, by: User) -> None:
    """Each partner's agreement to the confidentiality terms and, where done, their IPV screen."""
    if data.ipv_screen is not None:
        record_hits_screens(couple, data, data.ipv_screen, by)
        return
    agreed = couple.start_date if data.confidentiality != Confidentiality.NOT_RECORDED else None
    for partner in couple.partners.all():
        screened = data.ipv_screened
        partner_update(
            partner=partner, by=by, agreed_confidentiality_on=agreed,
            ipv_result=IPVResult.NO_CONCERN if screened else None,
            ipv_screened_on=couple.start_date if screened else None,
            ipv_notes=IPV_NOTE if screened else None,
        )


def record_hits_screens(couple: Couple, data: DemoCouple, screen: DemoScreen, by: User) -> None:
    """The HITS screens at intake, dated that day (demo.clock): a positive one raises an IPV risk
    (clinic.services.couples.partner_update); the override that lets joint sessions go on and the risk's
    acknowledgement follow half an hour later, as a clinician would document them after the interviews."""
    screened_at = timezone.make_aware(datetime.datetime.combine(couple.start_date, datetime.time(9, 0)))
    agreed = couple.start_date if data.confidentiality != Confidentiality.NOT_RECORDED else None
    with clock_at(screened_at):
        for partner in couple.partners.all():
            index = 0 if partner.position == PartnerPosition.A else 1
            partner_update(
                partner=partner, by=by, agreed_confidentiality_on=agreed, hits_answers=list(screen.hits[index]),
                ipv_result=screen.judgement[index], ipv_screened_on=couple.start_date, ipv_notes=screen.notes[index],
            )
    if not screen.override:
        return
    couple.refresh_from_db()
    with clock_at(screened_at + datetime.timedelta(minutes=30)):
        ipv_override_record(couple=couple, by=by, reason=screen.override)
        for risk in Risk.objects.filter(couple=couple, kind=RiskKind.IPV, status=RiskStatus.OPEN):
            risk_acknowledge(risk=risk, by=by, follow_up=screen.follow_up,
                             follow_up_on=couple.start_date + datetime.timedelta(days=90))


def ensure_couple(practice: Practice, staff: dict[str, User], data: DemoCouple, report: SeedReport) -> Couple:
    """Open the case through the services (partners, care team, agreements, screens), unless it exists."""
    primary = staff[data.primary]
    partner_a = ensure_client(practice, primary, data.partner_a, report)
    partner_b = ensure_client(practice, primary, data.partner_b, report)
    existing = find_couple(partner_a, partner_b)
    if existing is not None:
        return existing
    discharged = data.status == CoupleStatus.DISCHARGED
    couple = couple_create(
        by=primary, partner_a=partner_a, partner_b=partner_b, start_date=_days_ago(data.started_days_ago),
        presenting_concerns=data.presenting_concerns, confidentiality=data.confidentiality,
        status=CoupleStatus.ACTIVE if discharged else data.status,
    ).couple
    record_agreements_and_screens(couple, data, primary)
    if data.co_therapist:
        care_team_add(couple=couple, user=staff[data.co_therapist], role=CareRole.CO_THERAPIST, by=primary,
                      start_date=couple.start_date)
    if discharged:
        couple_update(couple=couple, by=primary, status=CoupleStatus.DISCHARGED,
                      end_date=_days_ago(data.ended_days_ago or 0), discharge=DEMO_DISCHARGE)
    report.created["couple"] += 1
    return couple


# What the discharged demo couple's therapist recorded at discharge (clinic.services.discharge).
DEMO_DISCHARGE = {
    "discharge_reason": "goals_met", "discharge_reason_detail": "",
    "status_at_discharge": (
        "Both partners report that trust has largely been rebuilt: the weekly money meeting has run for four months "
        "without a missed week, and Lucía no longer checks the accounts between meetings. Neither partner reports "
        "low mood or anxiety above the clinical cut-off."
    ),
    "aftercare": (
        "No onward referral needed. Matteo continues with his gambling support group (GamCare) on his own. The "
        "couple may contact the practice again at any time; a review session was offered for three months on."
    ),
    "recommendations": (
        "Keep the weekly money meeting and the shared view of the accounts. If secrecy about money returns, or "
        "either partner starts checking again, book a review session early rather than waiting."
    ),
}


def seed() -> SeedReport:
    """Create whatever part of the demo practice is missing, in one transaction."""
    report = SeedReport()
    with transaction.atomic():
        practice = ensure_practice(report)
        staff = ensure_staff(practice, report)
        for couple in COUPLES:
            ensure_couple(practice, staff, couple, report)
    return report
