"""The trust-issue library every practice starts with, written for Rapport in our own words.

Each entry becomes one `plans.models.LibraryItem` of a practice the first time anyone there opens the
library or builds a plan from it (`plans.services.library.ensure_practice_library`). After that the
practice's copy is theirs to edit: changing this file never changes a practice's library, and changing a
library item never changes a plan that was built from it.

Kinds:
- "cause": becomes a problem (title, behavioural definition) with one long-term goal.
- "sign": becomes a measurable objective (text, metric, unit, direction). Baseline, target and target date
  are left for the therapist: they belong to this couple, not to a template.
- "intervention": becomes an intervention (approach, what is done, suggested frequency).
"""

from __future__ import annotations

CAUSES: list[dict[str, str]] = [
    {
        "slug": "cause-past-dishonesty",
        "title": "Past dishonesty or infidelity",
        "description": "Trust was broken by an affair, a hidden relationship or repeated lying that has come "
                       "to light.",
        "behavioural_definition": "Since the dishonesty was discovered, the hurt partner often doubts what they "
                                  "are told, asks for proof, and becomes distressed when details do not match. "
                                  "The partner who was dishonest feels constantly under suspicion and sometimes "
                                  "withdraws or becomes defensive when the subject comes up.",
        "goal_text": "Both partners rebuild a level of trust in which honesty can be taken on good faith most of "
                     "the time, and the betrayal can be discussed without escalating.",
    },
    {
        "slug": "cause-inconsistent-caregiving",
        "title": "Childhood abandonment or inconsistent caregiving",
        "description": "Early experiences of being left, let down or cared for unpredictably shape how safe "
                       "closeness feels now.",
        "behavioural_definition": "Ordinary signs of distance (a late reply, a partner wanting time alone, a "
                                  "change of plans) set off strong fear of being left. The partner responds by "
                                  "clinging, protesting or shutting down before they can be hurt.",
        "goal_text": "The partner recognises when old fears of abandonment are being triggered and can stay "
                     "connected and ask for what they need instead of protesting or withdrawing.",
    },
    {
        "slug": "cause-ongoing-misunderstandings",
        "title": "Ongoing misunderstandings",
        "description": "Repeated misreadings of each other's words and intentions wear away confidence that "
                       "the other means well.",
        "behavioural_definition": "Conversations about everyday matters regularly end with each partner feeling "
                                  "misjudged. Each fills gaps in information with the worst explanation, and "
                                  "neither checks what the other actually meant.",
        "goal_text": "The couple checks meaning before reacting and can clear up a misunderstanding within the "
                     "same day, without it turning into a question of trust.",
    },
    {
        "slug": "cause-emotional-distance",
        "title": "Emotional distance or feeling taken for granted",
        "description": "One or both partners feel unseen or unappreciated, and the distance itself starts to "
                       "feel like a threat.",
        "behavioural_definition": "The partners spend little time talking about feelings, efforts go unnoticed "
                                  "or unthanked, and one partner reads the other's lack of attention as a sign "
                                  "that they no longer care or are looking elsewhere.",
        "goal_text": "Both partners feel noticed and valued, with regular moments of emotional connection that "
                     "make the relationship feel secure.",
    },
    {
        "slug": "cause-unprocessed-betrayals",
        "title": "Betrayals never talked through",
        "description": "Past hurts (broken promises, secrets, moments of being let down) were set aside rather "
                       "than resolved, and keep resurfacing.",
        "behavioural_definition": "Old incidents come back up during unrelated arguments. The hurt partner has "
                                  "never felt fully heard about them, and the other partner says the matter is "
                                  "closed and refuses to revisit it.",
        "goal_text": "The couple talks through the unresolved hurts in a structured way until each partner feels "
                     "the other understands what happened and what it meant.",
    },
]

SIGNS: list[dict[str, str]] = [
    {
        "slug": "sign-checking-reassurance",
        "title": "Constant checking or reassurance seeking",
        "description": "Checking the partner's phone, messages, accounts or whereabouts, or repeatedly asking "
                       "to be told that everything is fine.",
        "behavioural_definition": "Several times a day the partner checks for evidence of betrayal or asks for "
                                  "reassurance. Relief lasts only a short time and the urge returns.",
        "goal_text": "The partner manages doubt without relying on checking or reassurance.",
        "objective_text": "Reduce checking and reassurance-seeking episodes, recorded in a daily log.",
        "metric": "Checking or reassurance-seeking episodes",
        "unit": "per week",
        "direction": "decrease",
    },
    {
        "slug": "sign-avoiding-vulnerability",
        "title": "Avoiding vulnerability",
        "description": "Holding back feelings, needs or worries for fear of being hurt or used against.",
        "behavioural_definition": "The partner changes the subject, jokes or goes quiet when conversations turn "
                                  "to feelings, and keeps worries to themselves.",
        "goal_text": "The partner can share feelings and needs openly and experience being received with care.",
        "objective_text": "Share a feeling, worry or need openly with the other partner, noted in a weekly log.",
        "metric": "Times a feeling or need was shared openly",
        "unit": "per week",
        "direction": "increase",
    },
    {
        "slug": "sign-neutral-as-threat",
        "title": "Reading neutral behaviour as threat",
        "description": "Treating ordinary events (a late message, a new colleague, a locked screen) as proof of "
                       "betrayal.",
        "behavioural_definition": "Ambiguous events are quickly taken as signs of deceit, and the partner acts "
                                  "on that reading (accusing, interrogating, withdrawing) before checking it.",
        "goal_text": "The partner notices threat interpretations and weighs the evidence before acting on them.",
        "objective_text": "Reduce the times an ambiguous event is acted on as proof of betrayal before the "
                          "thought has been checked.",
        "metric": "Neutral events acted on as a threat",
        "unit": "per week",
        "direction": "decrease",
    },
    {
        "slug": "sign-time-apart-tension",
        "title": "Tension over time apart and boundaries",
        "description": "Arguments about friends, evenings out, travel, ex-partners or privacy.",
        "behavioural_definition": "Plans that involve time apart lead to arguments, bargaining or one partner "
                                  "cancelling to keep the peace, and neither feels the arrangements are fair.",
        "goal_text": "The couple agrees clear, fair boundaries about time apart that both can keep without "
                     "resentment.",
        "objective_text": "Reduce arguments about time apart, friends or boundaries.",
        "metric": "Arguments about time apart or boundaries",
        "unit": "per week",
        "direction": "decrease",
    },
    {
        "slug": "sign-doubting-commitments",
        "title": "Difficulty believing apologies or commitments",
        "description": "Apologies, promises and changes in behaviour are dismissed as not meant or not going to "
                       "last.",
        "behavioural_definition": "When the partner apologises or commits to a change, the other responds with "
                                  "disbelief and expects to be let down, even when commitments have been kept.",
        "goal_text": "The partner can take kept commitments into account and let confidence grow with evidence.",
        "objective_text": "Increase confidence that the other partner will keep agreed commitments, rated weekly.",
        "metric": "Confidence that agreed commitments will be kept",
        "unit": "0-10 rating",
        "direction": "increase",
    },
]

INTERVENTIONS: list[dict[str, str]] = [
    {
        "slug": "intervention-cognitive-restructuring",
        "title": "Cognitive restructuring of automatic negative thoughts",
        "description": "Identify the automatic thoughts that fire in moments of doubt, name the thinking traps "
                       "behind them and practise more balanced alternatives.",
        "approach": "cbt",
        "frequency": "Every session",
    },
    {
        "slug": "intervention-thought-records",
        "title": "Thought records",
        "description": "Between sessions, write down triggering situations, moods, automatic thoughts and the "
                       "evidence for and against them, ending with a balanced thought.",
        "approach": "cbt",
        "frequency": "Weekly homework, reviewed in session",
    },
    {
        "slug": "intervention-behavioural-experiments",
        "title": "Behavioural experiments",
        "description": "Turn a feared prediction (for example \"if I don't check, I'll miss something\") into a "
                       "planned test, then compare what happened with what was expected.",
        "approach": "cbt",
        "frequency": "One experiment every two weeks",
    },
    {
        "slug": "intervention-reducing-checking",
        "title": "Reducing reassurance seeking and checking",
        "description": "Log each urge to check or ask for reassurance, delay acting on it, and agree with both "
                       "partners how to respond kindly without supplying reassurance on demand.",
        "approach": "cbt",
        "frequency": "Daily log, reviewed each session",
    },
    {
        "slug": "intervention-listening-skills",
        "title": "Communication skills: listening without interrupting",
        "description": "Take turns as speaker and listener; the listener summarises what they heard before "
                       "replying, and neither interrupts or defends while the other speaks.",
        "approach": "communication",
        "frequency": "In session, then 15 minutes of practice twice a week",
    },
    {
        "slug": "intervention-agreeing-boundaries",
        "title": "Agreeing boundaries",
        "description": "Negotiate explicit agreements on privacy, contact with others and time apart that both "
                       "partners consider fair, and review how they are working.",
        "approach": "communication",
        "frequency": "Agreed in session, reviewed monthly",
    },
    {
        "slug": "intervention-shared-activities",
        "title": "Shared trust-building activities",
        "description": "Plan regular time together that both enjoy and that builds positive shared experience, "
                       "separate from talking about problems.",
        "approach": "other",
        "frequency": "Once a week",
    },
    {
        "slug": "intervention-follow-through",
        "title": "Small, consistent follow-through",
        "description": "The partner whose reliability is in question makes small, specific, checkable "
                       "commitments and keeps them, so that trust can grow from evidence.",
        "approach": "cbt",
        "frequency": "Daily, reviewed each session",
    },
    {
        "slug": "intervention-forgiveness-work",
        "title": "Forgiveness work",
        "description": "Help the hurt partner explore what forgiving would and would not mean, and the other "
                       "partner take responsibility without minimising, at a pace both can manage.",
        "approach": "eft",
        "frequency": "Every session during this phase",
    },
    {
        "slug": "intervention-attachment-injury-repair",
        "title": "Attachment-injury repair",
        "description": "Guide the hurt partner to express the pain of the moment they felt abandoned or "
                       "betrayed, and the other partner to respond with understanding and remorse, until the "
                       "injury no longer defines the relationship.",
        "approach": "eft",
        "frequency": "Weekly sessions",
    },
]


def default_items() -> list[dict[str, str]]:
    """Every default library entry with its `kind`, causes first, then signs, then interventions."""
    return (
        [{"kind": "cause", **item} for item in CAUSES]
        + [{"kind": "sign", **item} for item in SIGNS]
        + [{"kind": "intervention", **item} for item in INTERVENTIONS]
    )
