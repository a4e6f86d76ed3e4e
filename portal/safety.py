"""What the portal does when a partner may be at risk: the crisis information it shows at once, and the words
in free text that count as naming self-harm.

The word list is deliberately small and literal: the plain phrases of the C-SSRS screener's questions
(Posner et al. 2011: "wish you were dead", "kill yourself", "thoughts about how you might do this") and the
direct terms NICE NG225 (self-harm, 2022) uses ("self-harm", "overdose", "cutting"). It is a prompt for the
therapist and a safety net for the partner, not a screen: it misses indirect wording ("no point going on"
is caught only by "no point"), misspellings and other languages, and it matches a partner writing about
someone else. A match opens a risk for the therapist to judge; it never tells the partner they are "at risk".
"""

from __future__ import annotations

import re

from django.conf import settings

from clinic.models import Practice

SELF_HARM_PHRASES = (
    "kill myself", "killing myself", "end my life", "ending my life", "take my life", "taking my own life",
    "suicide", "suicidal", "want to die", "wish i was dead", "wish i were dead", "better off dead",
    "self-harm", "self harm", "selfharm", "hurt myself", "hurting myself", "cut myself", "cutting myself",
    "overdose", "no point living", "no point in living", "not worth living", "no reason to live",
)
_PATTERN = re.compile("|".join(r"\b" + re.escape(p).replace(r"\ ", r"\s+") + r"\b" for p in SELF_HARM_PHRASES),
                      re.IGNORECASE)

# The national lines by country (RAPPORT_CRISIS_COUNTRY), used when the practice has not written its own.
CRISIS_LINES = {
    "US": "If you are thinking about harming yourself, call or text 988 (Suicide and Crisis Lifeline), any "
          "time. If you are in danger now, call 911.",
    "UK": "If you are thinking about harming yourself, call Samaritans free on 116 123, any time. If you are in "
          "danger now, call 999 or go to A&E.",
}


def names_self_harm(*texts: str) -> bool:
    return any(_PATTERN.search(text or "") for text in texts)


def crisis_information(practice: Practice) -> str:
    custom = (practice.crisis_information or "").strip()
    return custom or CRISIS_LINES.get(settings.RAPPORT_CRISIS_COUNTRY.upper(), CRISIS_LINES["UK"])
