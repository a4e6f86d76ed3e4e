"""What a progress note is made of: the SOAP / DAP / BIRP sections, the risk check and the CBT interventions.

Plain definitions (no database): the editor, the services, the API and the content hash all read them
from here, so a section added to a template is added everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinic.models import PartnerPosition
from notes.models import NoteTemplate


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    help: str


PLAN_HELP = "Next steps: homework, focus of the next session, referrals, date of the next session."
ASSESSMENT_HELP = "Your clinical reading: progress towards the plan's objectives, risk, what maintains the problem."

TEMPLATES: dict[str, tuple[Section, ...]] = {
    NoteTemplate.SOAP: (
        Section("subjective", "Subjective",
                "What the partners reported: concerns, events since the last session, in their words where useful."),
        Section("objective", "Objective",
                "What you observed: affect, interaction between the partners, homework brought back, scores."),
        Section("assessment", "Assessment", ASSESSMENT_HELP),
        Section("plan", "Plan", PLAN_HELP),
    ),
    NoteTemplate.DAP: (
        Section("data", "Data", "What was said and observed in the session, including homework and scores."),
        Section("assessment", "Assessment", ASSESSMENT_HELP),
        Section("plan", "Plan", PLAN_HELP),
    ),
    NoteTemplate.BIRP: (
        Section("behaviour", "Behaviour", "What the partners reported and how they presented and interacted."),
        Section("intervention", "Intervention", "What you did: techniques used and the objectives they served."),
        Section("response", "Response", "How each partner responded to the interventions."),
        Section("plan", "Plan", PLAN_HELP),
    ),
}

PLAN_SECTION = "plan"  # every template has one: "Start from previous note" copies it


def sections_for(template: str) -> tuple[Section, ...]:
    """The sections of `template`, in order (KeyError for an unknown template)."""
    return TEMPLATES[template]


def section_keys(template: str) -> list[str]:
    return [section.key for section in TEMPLATES[template]]


def allowed_templates(practice) -> list[tuple[str, str]]:
    """The (value, label) templates the practice lets therapists choose, in the practice's order."""
    wanted = [value.strip().lower() for value in (practice.note_templates or "").split(",") if value.strip()]
    labels = dict(NoteTemplate.choices)
    choices = [(value, labels[value]) for value in dict.fromkeys(wanted) if value in labels]
    return choices or list(NoteTemplate.choices)


# --- Risk check -------------------------------------------------------------------------------------

RISK_ITEMS: tuple[tuple[str, str], ...] = (
    ("suicidal_ideation", "Suicidal ideation"),
    ("harm_to_others", "Harm to others"),
    ("partner_violence", "Partner violence"),
)
RISK_NONE, RISK_CONCERN = "none", "concern"
RISK_ANSWERS: tuple[tuple[str, str], ...] = ((RISK_NONE, "None"), (RISK_CONCERN, "Concern"))
PARTNERS: tuple[tuple[str, str], ...] = tuple(PartnerPosition.choices)  # (value, label) of each partner


def risk_partners(restricted_to_partner: str) -> tuple[tuple[str, str], ...]:
    """The partners whose risk check a note asks: both after a joint session, only the attending partner after
    an individual one (the note's restricted_to_partner, 'a' or 'b'). The absent partner was not seen, so
    an answer for them would document an assessment that did not take place."""
    return tuple(p for p in PARTNERS if not restricted_to_partner or p[0] == restricted_to_partner)


# --- Interventions ----------------------------------------------------------------------------------

CBT_INTERVENTIONS: tuple[tuple[str, str], ...] = (
    ("cognitive_restructuring", "Cognitive restructuring"),
    ("thought_records", "Thought records"),
    ("behavioural_experiments", "Behavioural experiments"),
    ("reducing_checking", "Reducing checking and reassurance seeking"),
    ("communication_skills", "Communication skills"),
    ("boundaries", "Boundaries"),
    ("trust_building", "Trust-building activities"),
    ("forgiveness_work", "Forgiveness work"),
    ("attachment_injury_repair", "Attachment-injury repair"),
)
CBT_PREFIX, PLAN_PREFIX = "cbt:", "plan:"


def cbt_key(slug: str) -> str:
    return f"{CBT_PREFIX}{slug}"


def plan_intervention_key(intervention_id) -> str:
    return f"{PLAN_PREFIX}{intervention_id}"
