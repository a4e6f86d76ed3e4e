"""The service-code table as data, and the rule that reads it. No queries.

A practice may keep its own table (notes.models.ServiceCodeRule, edited by its administrator through
notes.services.service_codes); one without rows uses DEFAULT_CODE_RULES below.
"""

from __future__ import annotations

from dataclasses import dataclass

INTAKE_CODE, JOINT_CODE, INDIVIDUAL_SHORT_CODE, INDIVIDUAL_LONG_CODE = "90791", "90847", "90834", "90837"
INDIVIDUAL_BRIEF_CODE = "90832"
# The kinds of a rule (notes.models.ServiceCodeKind): the couple's first session, a joint or an individual one.
INTAKE, JOINT, INDIVIDUAL = "intake", "joint", "individual"


@dataclass(frozen=True)
class CodeRule:
    """One line of the service-code table: sessions of `kind` ("intake", "individual" or "joint") lasting
    from `min_minutes` to `max_minutes` (None: no upper limit) take `code`."""

    kind: str
    min_minutes: int
    max_minutes: int | None
    code: str


# CPT psychotherapy codes and their times (AMA, CPT Professional, Psychiatry section, Psychotherapy guidelines;
# the CPT time rule: "a unit of time is attained when the mid-point is passed"): 90832 is 30 minutes, reported
# for 16-37; 90834 45 minutes for 38-52; 90837 60 minutes for 53 or more; 90847 family (conjoint)
# psychotherapy with the patient present, 50 minutes, reported from 26 (past the midpoint). Below 16 minutes
# (individual) or 26 (joint) no psychotherapy code applies, so none is suggested. 90846 (without the patient
# present) has no session kind of its own here: the therapist types it when it applies. CMS restates these
# times in MLN Booklet MLN1986542 "Medicare & Mental Health Coverage". Code numbers only: CPT descriptors
# are the AMA's copyright and are not reproduced.
# The intake (the couple's first session) is 90791, psychiatric diagnostic evaluation, which has no time
# requirement.
DEFAULT_CODE_RULES: tuple[CodeRule, ...] = (
    CodeRule(INTAKE, 0, None, INTAKE_CODE),
    CodeRule(INDIVIDUAL, 16, 37, INDIVIDUAL_BRIEF_CODE),
    CodeRule(INDIVIDUAL, 38, 52, INDIVIDUAL_SHORT_CODE),
    CodeRule(INDIVIDUAL, 53, None, INDIVIDUAL_LONG_CODE),
    CodeRule(JOINT, 26, None, JOINT_CODE),
)


def code_for(*, kind: str, duration_minutes: int, rules: tuple[CodeRule, ...] = DEFAULT_CODE_RULES,
             intake: bool = False) -> str:
    """The code of the first rule matching the session (its kind, "joint" or another session kind, or the
    intake) and length, or "" when none does."""
    group = INTAKE if intake else JOINT if kind == JOINT else INDIVIDUAL
    minutes = duration_minutes or 0
    for rule in rules:
        if rule.kind == group and rule.min_minutes <= minutes and (rule.max_minutes is None
                                                                    or minutes <= rule.max_minutes):
            return rule.code
    return ""
