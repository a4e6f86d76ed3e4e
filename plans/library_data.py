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

Every item names its published sources (SOURCES, by slug). Items added after a practice's library was
first created reach it through plans/migrations/0006_library_sources.py (by slug, idempotent) and through
ensure_practice_library, which adds any default slug a practice lacks.
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
    {
        "slug": "cause-low-self-esteem",
        "title": "Low self-esteem",
        "description": "Doubting one's own worth makes it hard to believe a partner's love and commitment are "
                       "real or will last.",
        "behavioural_definition": "The partner discounts affection and compliments, compares themself "
                                  "unfavourably with others the partner meets, and reads small slights as proof "
                                  "that they are about to be replaced; they then seek reassurance or withdraw "
                                  "to protect themself.",
        "goal_text": "The partner can accept the other's regard as genuine and respond to doubts about their "
                     "worth without testing or pushing the other away.",
    },
    {
        "slug": "cause-anxiety",
        "title": "Anxiety and intolerance of uncertainty",
        "description": "A general tendency to worry, or anxiety about the relationship itself, makes not "
                       "knowing feel unbearable.",
        "behavioural_definition": "When the partner cannot know for certain where the other is or what they "
                                  "feel, worry escalates quickly into worst-case scenarios, with physical "
                                  "tension and an urge to check, ask or call until the doubt is settled.",
        "goal_text": "The partner tolerates ordinary uncertainty in the relationship and worries less, without "
                     "needing certainty before they can settle.",
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
    {
        "slug": "sign-jealousy",
        "title": "Jealousy",
        "description": "Strong suspicion, fear or anger about the partner's attention to, or contact with, "
                       "other people.",
        "behavioural_definition": "The partner imagines the other being unfaithful, questions them about "
                                  "colleagues, friends or former partners, and feels distressed for hours after "
                                  "an ordinary interaction with someone else.",
        "goal_text": "Jealous thoughts are noticed and handled without accusations or interrogation.",
        "objective_text": "Reduce jealous episodes that lead to accusing or questioning the other partner, "
                          "recorded in a weekly log.",
        "metric": "Jealous episodes acted on (accusing, questioning)",
        "unit": "per week",
        "direction": "decrease",
    },
    {
        "slug": "sign-controlling-behaviour",
        "title": "Controlling behaviour",
        "description": "Demanding passwords or location, limiting friendships, time out or money, or insisting "
                       "on approving plans. Assess for coercive control and intimate partner violence with each "
                       "partner alone before treating this as a trust problem in joint sessions.",
        "behavioural_definition": "One partner monitors or restricts the other (reading messages, tracking "
                                  "location, vetoing contact with friends or family) and becomes angry when "
                                  "this is questioned; the other partner complies to avoid conflict.",
        "goal_text": "Both partners make decisions about privacy and contact with others freely, and the "
                     "partner who controls tolerates the anxiety of not checking.",
        "objective_text": "Reduce controlling acts (checking messages or location, restricting contact), as "
                          "reported by the partner on the receiving end in an individual check-in.",
        "metric": "Controlling acts reported",
        "unit": "per week",
        "direction": "decrease",
    },
    {
        "slug": "sign-low-trust",
        "title": "Low trust in the partner's honesty and good will",
        "description": "A general doubt that the partner is honest, keeps promises and has the other's welfare "
                       "at heart, beyond any one incident.",
        "behavioural_definition": "The partner describes the other as not to be counted on, reads their "
                                  "motives as self-interested and expects to be treated unfairly; the doubt "
                                  "colours ordinary requests and plans.",
        "goal_text": "Trust in the partner's honesty and good will rests on evidence and grows with it.",
        "objective_text": "Increase trust in the partner, measured with the Dyadic Trust Scale (each partner "
                          "alone, about monthly: record it on the Measures tab).",
        "metric": "Dyadic Trust Scale total",
        "unit": "score 8-56",
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
                       "partner take responsibility without minimising, at a pace both can manage. Three "
                       "stages: dealing with the impact of the affair, exploring its context and meaning, and "
                       "moving on (deciding about the relationship's future). Not while an affair is ongoing or "
                       "where there is intimate partner violence.",
        "approach": "forgiveness",
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
    {
        "slug": "intervention-practising-vulnerability",
        "title": "Practising vulnerability",
        "description": "In small, planned steps the partner shares a feeling, fear or need they would usually "
                       "keep back; the other partner listens and responds with care, and both notice that the "
                       "disclosure was safe. Steps grow as confidence grows.",
        "approach": "eft",
        "frequency": "In session, then one planned disclosure a week",
    },
    {
        "slug": "intervention-reassurance-cycle",
        "title": "Psychoeducation: the reassurance cycle",
        "description": "Explain to both partners how checking and asking for reassurance bring short-term relief "
                       "but keep the anxiety going: doubt rises, checking or reassurance lowers it briefly, the "
                       "relief teaches that the doubt was dangerous and could only be settled by checking, so "
                       "the next doubt comes sooner and stronger. Draw the couple's own cycle together, and "
                       "agree how the reassuring partner can respond kindly without supplying reassurance.",
        "approach": "psychoeducation",
        "frequency": "Once, early in treatment, revisited when urges rise",
    },
    {
        "slug": "intervention-checking-exposure",
        "title": "Graded exposure hierarchy for checking (exposure and response prevention)",
        "description": "List the situations that trigger an urge to check (a late reply, a locked phone, an "
                       "evening out), rate the distress each would cause without checking (0-100), and order "
                       "them from least to most difficult. Starting low, the partner stays in each situation "
                       "without checking or asking until the urge fades, records distress before and after, "
                       "and moves up the list when a step is manageable.",
        "approach": "cbt",
        "frequency": "Daily practice of the current step, hierarchy reviewed each session",
    },
    {
        "slug": "intervention-gottman-trust",
        "title": "Gottman-method trust work: attunement",
        "description": "Build trust through small everyday moments: turning towards bids for connection rather "
                       "than away, and attunement when one partner is upset (awareness of the feeling, turning "
                       "towards it, tolerating a different view, trying to understand, listening without "
                       "defending, responding with empathy).",
        "approach": "gottman",
        "frequency": "In session, then daily turning towards; one attunement conversation a week",
    },
]


# Published sources per item (shown in the library; a practice may edit its copy).
SOURCES: dict[str, str] = {
    "sign-low-trust": (
        "Larzelere, R. E. & Huston, T. L. (1980). The Dyadic Trust Scale: toward understanding interpersonal "
        "trust in close relationships. Journal of Marriage and the Family, 42(3), 595-604."
    ),
    "cause-past-dishonesty": (
        'Gordon, K. C., Baucom, D. H. & Snyder, D. K. (2004). An integrative intervention for promoting '
        'recovery from extramarital affairs. Journal of Marital and Family Therapy, 30(2), 213-231; Glass, S.'
        ' P. (2003). Not "Just Friends". Free Press.'
    ),
    "cause-inconsistent-caregiving": (
        'Hazan, C. & Shaver, P. (1987). Romantic love conceptualized as an attachment process. JPSP, 52(3), '
        '511-524; Mikulincer, M. & Shaver, P. R. (2016). Attachment in Adulthood (2nd ed.). Guilford.'
    ),
    "cause-ongoing-misunderstandings": (
        'Bradbury, T. N. & Fincham, F. D. (1990). Attributions in marriage: review and critique. '
        'Psychological Bulletin, 107(1), 3-33.'
    ),
    "cause-emotional-distance": (
        'Gottman, J. M. (1999). The Marriage Clinic. Norton; Johnson, S. M. (2004). The Practice of '
        'Emotionally Focused Couple Therapy (2nd ed.). Brunner-Routledge.'
    ),
    "cause-unprocessed-betrayals": (
        'Johnson, S. M., Makinen, J. A. & Millikin, J. W. (2001). Attachment injuries in couple '
        'relationships. Journal of Marital and Family Therapy, 27(2), 145-155.'
    ),
    "sign-checking-reassurance": (
        'Salkovskis, P. M. (1991). The importance of behaviour in the maintenance of anxiety and panic: '
        'safety-seeking behaviour. Behavioural Psychotherapy, 19(1), 6-19; Rachman, S. (2002). A cognitive '
        'theory of compulsive checking. Behaviour Research and Therapy, 40(6), 625-639.'
    ),
    "sign-avoiding-vulnerability": (
        'Reis, H. T. & Shaver, P. (1988). Intimacy as an interpersonal process. In S. Duck (Ed.), Handbook of'
        ' Personal Relationships (pp. 367-389). Wiley.'
    ),
    "sign-neutral-as-threat": (
        'Bradbury, T. N. & Fincham, F. D. (1990). Attributions in marriage. Psychological Bulletin, 107(1), '
        '3-33; Beck, A. T. (1988). Love Is Never Enough. Harper & Row.'
    ),
    "sign-time-apart-tension": (
        'Epstein, N. B. & Baucom, D. H. (2002). Enhanced Cognitive-Behavioral Therapy for Couples. American '
        'Psychological Association.'
    ),
    "sign-doubting-commitments": (
        'Rempel, J. K., Holmes, J. G. & Zanna, M. P. (1985). Trust in close relationships. JPSP, 49(1), '
        '95-112.'
    ),
    "intervention-cognitive-restructuring": (
        'Epstein, N. B. & Baucom, D. H. (2002). Enhanced Cognitive-Behavioral Therapy for Couples. APA; Beck,'
        ' A. T. (1988). Love Is Never Enough. Harper & Row.'
    ),
    "intervention-thought-records": (
        'Greenberger, D. & Padesky, C. A. (2015). Mind Over Mood (2nd ed.). Guilford.'
    ),
    "intervention-behavioural-experiments": (
        "Oxford Guide to Behavioural Experiments in Cognitive Therapy (2004). Oxford University Press; Westbrook, "
        "D., Kennerley, H. & Kirk, J. (2011). An Introduction to Cognitive Behaviour Therapy (2nd ed.). Sage."
    ),
    "intervention-reducing-checking": (
        'Salkovskis, P. M. (1991). Safety-seeking behaviour. Behavioural Psychotherapy, 19(1), 6-19; Rachman,'
        ' S. (2002). A cognitive theory of compulsive checking. Behaviour Research and Therapy, 40(6), '
        '625-639.'
    ),
    "intervention-listening-skills": (
        'Markman, H. J., Stanley, S. M. & Blumberg, S. L. (2010). Fighting for Your Marriage (3rd ed.). '
        'Jossey-Bass (the speaker-listener technique of PREP).'
    ),
    "intervention-agreeing-boundaries": (
        'Epstein, N. B. & Baucom, D. H. (2002). Enhanced Cognitive-Behavioral Therapy for Couples. APA. '
        'Assess for coercive control first: Stark, E. (2007). Coercive Control. Oxford University Press.'
    ),
    "intervention-shared-activities": (
        "Aron, A., Norman, C. C., Aron, E. N., McKenna, C. & Heyman, R. E. (2000). Couples' shared "
        'participation in novel and arousing activities and experienced relationship quality. JPSP, 78(2), '
        '273-284.'
    ),
    "intervention-follow-through": (
        'Rempel, J. K., Holmes, J. G. & Zanna, M. P. (1985). Trust in close relationships. JPSP, 49(1), '
        '95-112.'
    ),
    "intervention-forgiveness-work": (
        'Gordon, K. C., Baucom, D. H. & Snyder, D. K. (2004). An integrative intervention for promoting '
        'recovery from extramarital affairs. Journal of Marital and Family Therapy, 30(2), 213-231; Snyder, '
        'D. K., Baucom, D. H. & Gordon, K. C. (2007). Getting Past the Affair. Guilford.'
    ),
    "intervention-attachment-injury-repair": (
        'Johnson, S. M., Makinen, J. A. & Millikin, J. W. (2001). Attachment injuries in couple '
        'relationships. JMFT, 27(2), 145-155; Makinen, J. A. & Johnson, S. M. (2006). Resolving attachment '
        'injuries in couples using EFT. JCCP, 74(6), 1055-1064.'
    ),
    "cause-low-self-esteem": (
        "Murray, S. L., Holmes, J. G. & Griffin, D. W. (2000). Self-esteem and the quest for felt security: "
        "how perceived regard regulates attachment processes. JPSP, 78(3), 478-498."
    ),
    "cause-anxiety": (
        "Mikulincer, M. & Shaver, P. R. (2016). Attachment in Adulthood (2nd ed.). Guilford; Dugas, M. J. & "
        "Robichaud, M. (2007). Cognitive-Behavioral Treatment for Generalized Anxiety Disorder. Routledge."
    ),
    "sign-jealousy": (
        "Pfeiffer, S. M. & Wong, P. T. P. (1989). Multidimensional jealousy. Journal of Social and Personal "
        "Relationships, 6(2), 181-196."
    ),
    "sign-controlling-behaviour": (
        "Stark, E. (2007). Coercive Control: How Men Entrap Women in Personal Life. Oxford University Press; "
        "Johnson, M. P. (2008). A Typology of Domestic Violence. Northeastern University Press."
    ),
    "intervention-practising-vulnerability": (
        "Reis, H. T. & Shaver, P. (1988). Intimacy as an interpersonal process. In S. Duck (Ed.), Handbook of "
        "Personal Relationships. Wiley; Johnson, S. M. (2004). The Practice of Emotionally Focused Couple "
        "Therapy (2nd ed.). Brunner-Routledge."
    ),
    "intervention-reassurance-cycle": (
        "Salkovskis, P. M. (1985). Obsessional-compulsive problems: a cognitive-behavioural analysis. Behaviour "
        "Research and Therapy, 23(5), 571-583; Salkovskis, P. M. (1991). Safety-seeking behaviour. Behavioural "
        "Psychotherapy, 19(1), 6-19; Rachman, S. (2002). A cognitive theory of compulsive checking. Behaviour "
        "Research and Therapy, 40(6), 625-639."
    ),
    "intervention-checking-exposure": (
        "Foa, E. B., Yadin, E. & Lichner, T. K. (2012). Exposure and Response (Ritual) Prevention for "
        "Obsessive-Compulsive Disorder: Therapist Guide (2nd ed.). Oxford University Press; Rachman, S. (2002). "
        "A cognitive theory of compulsive checking. Behaviour Research and Therapy, 40(6), 625-639."
    ),
    "intervention-gottman-trust": (
        "Gottman, J. M. (2011). The Science of Trust: Emotional Attunement for Couples. Norton."
    ),
}


def default_items() -> list[dict[str, str]]:
    """Every default library entry with its `kind`, causes first, then signs, then interventions."""
    return [
        {"kind": kind, **item, "source": SOURCES.get(item["slug"], "")}
        for kind, items in (("cause", CAUSES), ("sign", SIGNS), ("intervention", INTERVENTIONS))
        for item in items
    ]
