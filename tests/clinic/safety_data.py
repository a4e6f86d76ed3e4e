"""Screens and safety plans the suicide-risk tests record (clinic.cssrs)."""

NEGATIVE_SCREEN = {"q1": False, "q2": False, "q6": False}
LOW_SCREEN = {"q1": True, "q2": False, "q6": False}
HIGH_SCREEN = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}
PLAN = {
    "warning_signs": "Lying awake after an argument; thinking nobody would miss me.",
    "coping_strategies": "Walk the dog round the park; cold water on the face.",
    "social_distraction": "Sister's kitchen; the Thursday choir.",
    "people_to_ask": "Sister Jo 07700 900123.",
    "professionals": "Therapist 020 7946 0000; crisis line 988; emergency 911.",
    "means_safety": "Partner B keeps the sleeping tablets locked away.",
    "reasons_for_living": "The children; finishing the garden.",
}


def screen_post(prefix, answers):
    """Form data of a screen: "yes", "no" or "" (not asked) per question."""
    words = {True: "yes", False: "no", None: ""}
    return {f"{prefix}-{key}": words[answers.get(key)] for key in
            ("q1", "q2", "q3", "q4", "q5", "q6", "q6_recent")}


def plan_post(prefix, plan):
    return {f"{prefix}-{name}": text for name, text in plan.items()}
