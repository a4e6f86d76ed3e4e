"""The suicide-risk screen recorded when a suicide or self-harm risk is acknowledged, and the safety plan's
sections, as data. No queries.

Screen: the Columbia-Suicide Severity Rating Scale (C-SSRS), Screen Version, "Recent" (Posner, Brown,
Stanley et al. 2011, Am J Psychiatry 168(12):1266-1277; the Columbia Lighthouse Project's screener with
triage). Six yes/no questions about the past month, with the published skip logic: questions 1 and 2 are
always asked; if 2 is yes, questions 3, 4 and 5 are asked, and if 2 is no they are skipped; question 6
(suicidal behaviour, lifetime) is always asked, and if yes, whether it was within the past 3 months.

Triage (the screener's triage colours): yes to 4 or 5, or behaviour within the past 3 months, is HIGH
risk; yes to 3, or behaviour more than 3 months ago, is MODERATE; yes to 1 or 2 only is LOW; no to every
question is a negative screen. The triage supports clinical judgement and never replaces it.

Terms of use (checked December 2026): the C-SSRS is copyright of the Research Foundation for Mental Hygiene
(RFMH). The Columbia Lighthouse Project offers the paper versions free of charge for clinical, community and
non-profit research use, without asking permission; electronic implementations (a patient answering on a
screen) are licensed exclusively through eResearch Technology/Clario, with certification and fees. Rapport
therefore does not reproduce the questions' wording or administer the scale to a patient: the clinician asks
the questions from the paper screener and records the answers under the short item names below. See
README "Clinical safety" and docs/clinical-safety.md.

Safety plan: the Safety Planning Intervention of Stanley & Brown (2012, "Safety planning intervention: a
brief intervention to mitigate suicide risk", Cogn Behav Pract 19(2):256-264): six steps, written with the
patient in their own words, plus (optionally) reasons for living.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CSSRS_SOURCE = ("C-SSRS Screen Version (Recent), Posner et al. 2011, Am J Psychiatry 168:1266-1277; triage of the "
                "Columbia Lighthouse Project")
SAFETY_PLAN_SOURCE = "Stanley & Brown 2012, Cogn Behav Pract 19:256-264"

# (key, short name shown to the clinician). Short names, not the scale's wording: see the module docstring.
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("q1", "1. Wish to be dead (past month)"),
    ("q2", "2. Non-specific active suicidal thoughts (past month)"),
    ("q3", "3. Suicidal thoughts with method, without plan or intent (past month)"),
    ("q4", "4. Suicidal intent, without specific plan (past month)"),
    ("q5", "5. Suicidal intent with specific plan (past month)"),
    ("q6", "6. Suicidal behaviour (lifetime)"),
    ("q6_recent", "6b. If yes to 6: within the past 3 months"),
)
QUESTION_LABELS = dict(QUESTIONS)
ASKED_IF_Q2 = ("q3", "q4", "q5")

NEGATIVE, LOW, MODERATE, HIGH = "negative", "low", "moderate", "high"
TRIAGE_LABELS = {
    NEGATIVE: "Negative screen (no to every question)",
    LOW: "Low risk (yes to 1 or 2 only)",
    MODERATE: "Moderate risk (yes to 3, or suicidal behaviour more than 3 months ago)",
    HIGH: "High risk (yes to 4 or 5, or suicidal behaviour in the past 3 months)",
}
# A reason may stand in for a safety plan only after a screen at these levels; moderate or high needs a plan
# (Stanley & Brown 2012: the plan is for anyone at elevated risk).
PLAN_OPTIONAL_AT = (NEGATIVE, LOW)

# Stanley & Brown (2012) steps, in order: (field name, heading, hint).
PLAN_SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("warning_signs", "1. Warning signs",
     "Thoughts, images, moods, situations or behaviours that a crisis may be developing."),
    ("coping_strategies", "2. Internal coping strategies",
     "Things the person can do alone to take their mind off their problems, without contacting anyone."),
    ("social_distraction", "3. People and social settings that provide distraction",
     "Who to be with, and places to go, to take their mind off things."),
    ("people_to_ask", "4. People to ask for help",
     "Family members or friends the person can tell they are in crisis, with phone numbers."),
    ("professionals", "5. Professionals and agencies to contact in a crisis",
     "Clinicians, the local emergency service, and crisis lines (for example 988 in the United States, "
     "Samaritans 116 123 in the UK and Ireland), with numbers."),
    ("means_safety", "6. Making the environment safe",
     "How access to lethal means (medication, firearms, ligature points...) is reduced, and who helps."),
    ("reasons_for_living", "Reasons for living (optional)",
     "The one or two things most important to the person and worth living for."),
)
PLAN_REQUIRED = tuple(name for name, _, _ in PLAN_SECTIONS if name != "reasons_for_living")
PLAN_FIELDS = tuple(name for name, _, _ in PLAN_SECTIONS)
PLAN_SECTION_MAX = 5_000


def summary_label(name: str) -> str:
    """How a page's error summary names a question or a step: both lists are numbered from 1, and one form can
    hold both, so each name says which list ("Screen, question 6 – Suicidal behaviour (lifetime)",
    "Safety plan, step 6 – Making the environment safe"). "" for a field of neither."""
    for key, label in QUESTIONS:
        if key == name:
            number, _, text = label.partition(". ")
            return f"Screen, question {number} – {text}"
    for field, heading, _ in PLAN_SECTIONS:
        if field == name:
            number, dot, text = heading.partition(". ")
            return f"Safety plan, step {number} – {text}" if dot else f"Safety plan – {heading}"
    return ""


def screen_errors(answers: Mapping[str, Any]) -> tuple[dict[str, bool | None], dict[str, list[str]]]:
    """The answers cleaned by the skip logic (a skipped question is None), and errors keyed by question.

    `answers` maps q1..q6_recent to True, False or None (not asked)."""
    clean: dict[str, bool | None] = {}
    errors: dict[str, list[str]] = {}

    def take(key: str, asked: bool) -> None:
        value = answers.get(key)
        if not asked:
            if value is True:
                errors[key] = ["Leave this unanswered: the screener skips it after the answer above."]
            clean[key] = None
        elif value not in (True, False):
            errors[key] = ["Answer yes or no."]
            clean[key] = None
        else:
            clean[key] = value

    take("q1", True)
    take("q2", True)
    for key in ASKED_IF_Q2:
        take(key, clean["q2"] is True)
    take("q6", True)
    take("q6_recent", clean["q6"] is True)
    return clean, errors


def triage(answers: Mapping[str, Any]) -> str:
    """The screener's triage level of complete, cleaned answers."""
    if answers.get("q4") or answers.get("q5") or (answers.get("q6") and answers.get("q6_recent")):
        return HIGH
    if answers.get("q3") or answers.get("q6"):
        return MODERATE
    if answers.get("q1") or answers.get("q2"):
        return LOW
    return NEGATIVE


def plan_errors(sections: Mapping[str, str]) -> dict[str, list[str]]:
    """Every Stanley-Brown step written (reasons for living optional), none too long."""
    errors: dict[str, list[str]] = {}
    for name, heading, _ in PLAN_SECTIONS:
        text = (sections.get(name) or "").strip()
        if name in PLAN_REQUIRED and not text:
            step = heading.split(". ", 1)[-1].lower()
            errors[name] = [f"Write the step \u201c{step}\u201d of the plan with the partner."]
        elif len(text) > PLAN_SECTION_MAX:
            errors[name] = [f"Keep each step under {PLAN_SECTION_MAX:,} characters."]
    return errors
