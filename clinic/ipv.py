"""The intimate-partner-violence (IPV) screen as data, and the rule that gates joint sessions. No queries.

HITS (Sherin, Sinacore, Li, Zitter & Shakil 1998, "HITS: a short domestic violence screening tool for use
in a family practice setting", Fam Med 30(7):508-512): four questions, "How often does your partner...
physically Hurt you, Insult or talk down to you, Threaten you with harm, Scream or curse at you?", each
answered 1 (never) to 5 (frequently); the total runs 4-20 and a total above 10 is a positive screen.

Terms of use (checked December 2026; the sources disagree, so treat it as NOT settled): HITS is copyright
Kevin M. Sherin (2003). Some catalogues list it as free of cost for clinical use (CVR/NCJRS record: "Cost:
No"); others say it is copyrighted for commercial use (fpnotebook) or "normally has a copyright fee of $25",
more for larger organisations, through thehitstool.com (California Evidence-Based Clearinghouse). Rapport
ships the four item stems for clinician-administered use; a practice or distributor must obtain the
author's written permission (thehitstool.com) before commercial distribution. See README "Clinical safety".

Each partner is screened alone: guidance on conjoint treatment where there may be violence (e.g. Stith,
McCollum & Rosen 2011, Couples therapy for domestic violence: finding safe solutions, APA) asks for a
separate interview with each partner, and conjoint work waits until the violence has been assessed.

The clinician's judgement (Partner.ipv_result: no concern / concern) is recorded beside the score; either
a positive HITS or a clinician's concern for either partner blocks joint sessions until an override is
documented (clinic.services.ipv.ipv_override_record).
"""

from __future__ import annotations

from dataclasses import dataclass

HITS_SOURCE = "HITS, Sherin et al. 1998, Fam Med 30:508-512 (copyright K. M. Sherin; see module docstring)"
HITS_ITEMS: tuple[tuple[str, str], ...] = (
    ("hurt", "Physically hurt you"),
    ("insult", "Insult or talk down to you"),
    ("threaten", "Threaten you with harm"),
    ("scream", "Scream or curse at you"),
)
HITS_OPTIONS: tuple[tuple[int, str], ...] = (
    (1, "Never"), (2, "Rarely"), (3, "Sometimes"), (4, "Fairly often"), (5, "Frequently"),
)
# Sherin et al. 1998: a total above 10 (11-20) is positive.
HITS_POSITIVE_ABOVE = 10
DEFAULT_RESCREEN_DAYS = 90


@dataclass(frozen=True)
class HitsScore:
    answers: tuple[int, ...]
    total: int

    @property
    def positive(self) -> bool:
        return self.total > HITS_POSITIVE_ABOVE


def score_hits(answers: list[int] | tuple[int, ...]) -> HitsScore:
    """Score four HITS answers; ValueError unless there are exactly four, each 1-5 (no prorating: the
    published tool scores complete forms only)."""
    values = tuple(int(a) for a in answers)
    if len(values) != len(HITS_ITEMS) or any(not 1 <= v <= 5 for v in values):
        raise ValueError("Answer all four HITS questions, each from 1 (never) to 5 (frequently).")
    return HitsScore(values, sum(values))


def encode_answers(score: HitsScore) -> str:
    return ",".join(str(v) for v in score.answers)


def decode_answers(text: str | None) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(",")) if text else ()
