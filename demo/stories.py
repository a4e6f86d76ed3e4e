"""What happens to each demo couple: calendar, plan from the library, measures, between-session work.

Invented clinical material, written for Rapport in our own words. Each story is keyed by partner A's full
name in demo.practice.COUPLES; couples without a story (the two at intake) get no plan and no sessions, so
that a therapist trying the demo can build a plan from scratch. Numbers are chosen to give believable
trends: some couples improve (PHQ-9 and GAD-7 changes beyond the reliable-change thresholds), some stay
flat, one gets worse.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- Building blocks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cadence:
    """When the couple is seen: a weekday and time, weekly at first, then every two weeks."""

    weekday: int  # 0 = Monday
    hour: int
    minute: int = 0
    weekly_weeks: int = 52  # weekly for this many weeks, then fortnightly
    individual_at: tuple[int, ...] = (2, 3)  # appointment numbers (0 = intake) held with A, then B, alone
    individual_minutes: int = 50
    video_every: int = 0  # every n-th appointment by video (0: never)
    missed: dict[int, str] = field(default_factory=dict)  # appointment number -> attendance
    stop_days_ago: int | None = None  # on hold: the last appointment was about this long ago
    phone_last: int = 0  # the last n appointments by phone


@dataclass(frozen=True)
class Cause:
    """A cause from the library, for one partner or the couple, with this couple's own definition."""

    slug: str
    applies_to: str  # "a", "b" or "both"
    definition: str = ""  # replaces the library's behavioural definition once copied (edited freely)


@dataclass(frozen=True)
class Aim:
    """A sign from the library that becomes a measurable objective of this couple's plan."""

    sign: str  # library slug
    who: str  # "a", "b" or "both"
    baseline: int
    target: int
    reach: float  # how far from baseline towards target the couple gets by the end (negative: worse)
    cause: int = 0  # index of the cause whose goal it serves
    logged: bool = False  # fed by the checking log (weekly counts) rather than rated in sessions
    text: str = ""  # replaces the library's objective text when given


@dataclass(frozen=True)
class Method:
    """An intervention from the library, under the goal of one cause."""

    slug: str
    cause: int = 0
    delivered_by: str = "Primary therapist"


@dataclass(frozen=True)
class Scores:
    """One partner's scores at the first and at the latest administration (noise is added in between)."""

    csi16: tuple[int, int]
    phq9: tuple[int, int]
    gad7: tuple[int, int]


@dataclass(frozen=True)
class RiskFlag:
    """A PHQ-9 whose item 9 is above 0: on the n-th monthly administration, or on the latest session."""

    partner: str
    monthly: int | None = None  # index of the monthly administration; None: the latest joint session
    acknowledgement: str = ""  # empty: not acknowledged yet


@dataclass(frozen=True)
class Revision:
    """A second version of the plan, signed at about `at` (share of the treatment so far)."""

    at: float
    statuses: dict[int, str] = field(default_factory=dict)  # aim index -> objective status
    targets: dict[int, int] = field(default_factory=dict)  # aim index -> new target
    add: tuple[Method, ...] = ()
    formulation: str = ""  # appended to the formulation


@dataclass(frozen=True)
class Thought:
    partner: str
    week: int  # weeks after the plan was signed
    situation: str
    moods: tuple[tuple[str, int, int], ...]  # (mood, before, after)
    thought: str
    evidence_for: str
    evidence_against: str
    balanced: str
    belief: int
    distortions: tuple[str, ...]


@dataclass(frozen=True)
class Experiment:
    partner: str
    week: int
    prediction: str
    belief_before: int
    experiment: str
    outcome: str = ""  # empty: planned, not done yet
    belief_after: int | None = None
    learned: str = ""


@dataclass(frozen=True)
class Task:
    partner: str  # "a", "b" or "both"
    week: int  # weeks after the plan was signed (negative: counted back from the latest session)
    description: str
    status: str  # assigned, completed, partly, not_done
    review: str = ""


@dataclass(frozen=True)
class Log:
    """A checking / reassurance log feeding one aim: each week, value-of-the-aim urges acted on, plus some
    resisted (`resisted` from the first to the last week)."""

    aim: int
    partner: str
    kind: str  # checking or reassurance
    weeks: int  # how many weeks were logged, from the week after the plan was signed
    resisted: tuple[int, int]
    triggers: tuple[str, ...]


@dataclass(frozen=True)
class Story:
    key: str  # partner A's full name in demo.practice.COUPLES
    cadence: Cadence
    causes: tuple[Cause, ...]
    aims: tuple[Aim, ...]
    methods: tuple[Method, ...]
    formulation: str
    a: Scores
    b: Scores
    shape: str = "steady"  # steady, early (most change early on), late, flat
    plan_at: int = 4  # the plan is signed after this many attended appointments
    draft_only: bool = False  # the plan is still a draft (not signed)
    acks: tuple[str, str] = ("verbal", "verbal")  # how A and B acknowledged ("" = not yet)
    revision: Revision | None = None
    flags: tuple[RiskFlag, ...] = ()
    thoughts: tuple[Thought, ...] = ()
    experiments: tuple[Experiment, ...] = ()
    tasks: tuple[Task, ...] = ()
    log: Log | None = None
    csi4_forgotten_last: bool = False  # the CSI-4 was not given at the latest session: it shows as due
    schedule: tuple[tuple[str, str], ...] = (("csi4", "session"), ("csi16", "month"), ("phq9", "month"),
                                             ("gad7", "month"))

    def scores(self, partner: str) -> Scores:
        return self.a if partner == "a" else self.b


# --- The stories --------------------------------------------------------------------------------------

STORIES: tuple[Story, ...] = (
    Story(
        key="Amara Okafor",
        cadence=Cadence(weekday=1, hour=18, weekly_weeks=26, video_every=5,
                        missed={7: "cancelled", 19: "late_cancelled"}),
        causes=(Cause(
            "cause-past-dishonesty", "both",
            "Since finding the messages from Benedict's colleague, Amara asks for his phone most evenings and "
            "replays the discovery when he is late or distracted. Benedict answers her questions in as few words "
            "as possible and leaves the room when the affair is mentioned, which Amara reads as more hiding.",
        ),),
        aims=(
            Aim("sign-checking-reassurance", "a", 10, 2, 0.9, logged=True,
                text="Amara reduces checking Benedict's phone and asking for reassurance, counted in her daily "
                     "log."),
            Aim("sign-doubting-commitments", "a", 2, 7, 0.85),
            Aim("sign-avoiding-vulnerability", "b", 0, 3, 0.8,
                text="Benedict stays in conversations about the affair and says what he feels instead of "
                     "leaving the room."),
        ),
        methods=(
            Method("intervention-attachment-injury-repair"),
            Method("intervention-reducing-checking", delivered_by="Primary therapist"),
            Method("intervention-follow-through", delivered_by="Partner B, reviewed by the primary therapist"),
            Method("intervention-forgiveness-work", delivered_by="Primary and co-therapist"),
        ),
        formulation=(
            "The discovery of Benedict's affair is an attachment injury for Amara: the moment she learned of it "
            "keeps replaying, and checking his phone brings brief relief that keeps the doubt alive. Benedict's "
            "shame shows as short answers and withdrawal, which Amara reads as further concealment, so each "
            "partner's way of coping feeds the other's distress. Both are committed to the relationship and "
            "able to reflect in session, which supports a structured repair of the injury."
        ),
        a=Scores(csi16=(34, 57), phq9=(15, 6), gad7=(14, 6)),
        b=Scores(csi16=(45, 60), phq9=(8, 4), gad7=(9, 5)),
        shape="early",
        acks=("paper", "paper"),
        revision=Revision(
            at=0.75, statuses={0: "in_progress", 1: "in_progress", 2: "in_progress"}, targets={1: 8},
            add=(Method("intervention-listening-skills", delivered_by="Co-therapist"),),
            formulation=(
                "Review at five months: checking has fallen to a few times a week and Amara now names the urge "
                "before acting on it. Benedict can stay in the room for harder conversations. The work moves from "
                "the injury itself to rebuilding everyday confidence, with listening practice added."
            ),
        ),
        thoughts=(
            Thought("a", 1, "Benedict put his phone face down on the table when I came into the kitchen.",
                    (("anxious", 85, 45), ("angry", 60, 30)),
                    "He's hiding something again. It's starting all over.",
                    "He hid the affair for months. He turned the phone over as I walked in.",
                    "He always puts it face down when he cooks, so it doesn't get splashed. He offered me the phone "
                    "last week without my asking. He has told me every time the colleague has been in touch.",
                    "Turning a phone over is a habit, not proof. If I'm worried I can ask him calmly rather than "
                    "check.", 60, ("mind_reading", "fortune_telling")),
            Thought("a", 4, "He was forty minutes late from work and his reply to my message was just 'on my way'.",
                    (("scared", 80, 35), ("hurt", 70, 40)),
                    "Short messages mean he's with someone else.",
                    "During the affair his messages got shorter.",
                    "He was on the train and had no signal for most of the journey; he rang as soon as he got out. "
                    "He's kept every check-in we agreed for six weeks.",
                    "A short message on a train is not a sign of an affair. He has been keeping his word.", 70,
                    ("overgeneralisation", "emotional_reasoning")),
            Thought("b", 6, "Amara brought up the affair at her sister's birthday dinner.",
                    (("ashamed", 90, 50), ("angry", 55, 25)),
                    "She'll never let this go. Nothing I do will ever be enough.",
                    "She mentioned it in front of family.",
                    "She apologised afterwards and said it slipped out because she was anxious. She told me last week "
                    "that she had noticed I stayed in the conversation.",
                    "She is still hurting, and she is also noticing the changes. 'Never' is my shame talking.", 65,
                    ("all_or_nothing", "fortune_telling", "discounting_positive")),
        ),
        tasks=(
            Task("a", 0, "Keep the daily log of urges to check or ask for reassurance; note whether you acted on "
                         "the urge.", "completed", "Kept every day; brought it to session."),
            Task("both", 2, "Agree one daily check-in time and keep to it for a week.", "completed",
                 "Kept six days out of seven."),
            Task("b", 5, "Write a letter acknowledging the hurt, without explaining or defending, to read in "
                         "session.", "partly", "Started the letter; wants help with the ending."),
            Task("both", -1, "Fifteen minutes of speaker-listener practice twice this week, on a low-stakes "
                             "topic.", "assigned"),
        ),
        log=Log(aim=0, partner="a", kind="checking", weeks=10, resisted=(2, 5), triggers=(
            "His phone buzzed during dinner and he didn't look at it.",
            "He said he'd be working late on Thursday.",
            "Woke at three and he was asleep with the phone on his side.",
            "Saw the colleague's name in a group email he forwarded.",
            "He took a call in the garden.",
            "Felt low after a film with an affair in it.",
            "He changed his passcode for work reasons.",
            "He went for a run without his usual route on the app.",
        )),
    ),
    Story(
        key="Sofia Marquez",
        cadence=Cadence(weekday=2, hour=17, minute=30, individual_at=(3, 4), missed={9: "no_show"}),
        causes=(Cause(
            "cause-inconsistent-caregiving", "a",
            "When Lachlan is quiet or later than expected, Sofia becomes frightened that he is pulling away and "
            "sends several messages or asks what is wrong until he answers. Lachlan feels pursued, goes quieter "
            "and leaves the flat to calm down, which confirms Sofia's fear.",
        ),),
        aims=(
            Aim("sign-neutral-as-threat", "a", 6, 1, 0.75),
            Aim("sign-avoiding-vulnerability", "b", 1, 4, 0.7,
                text="Lachlan tells Sofia when he needs time to himself and when he will be back, instead of "
                     "withdrawing without a word."),
        ),
        methods=(
            Method("intervention-cognitive-restructuring"),
            Method("intervention-thought-records", delivered_by="Partner A, reviewed in session"),
            Method("intervention-listening-skills"),
            Method("intervention-attachment-injury-repair"),
        ),
        formulation=(
            "Sofia's early experience of a father who left and a mother whose moods were unpredictable makes "
            "distance feel dangerous, so she pursues when Lachlan is quiet. Lachlan, raised in a family that "
            "avoided conflict, copes with pursuit by withdrawing. The pursue-withdraw cycle, not either partner, "
            "is the problem; naming it together is the first step."
        ),
        a=Scores(csi16=(38, 55), phq9=(11, 6), gad7=(15, 8)),
        b=Scores(csi16=(47, 56), phq9=(6, 4), gad7=(7, 5)),
        revision=Revision(
            at=0.8, statuses={0: "in_progress", 1: "in_progress"}, targets={1: 5},
            formulation=(
                "Review at four months: both partners can name the pursue-withdraw cycle as it starts, and "
                "Lachlan now says when he needs space and when he will be back. Sofia's fear still spikes at "
                "night; the next phase works on soothing herself while he is away."
            ),
        ),
        thoughts=(
            Thought("a", 2, "Lachlan went for a walk straight after we disagreed about his parents' visit.",
                    (("panicky", 90, 40), ("abandoned", 85, 45)),
                    "He's leaving me. This is how it ends.",
                    "He left without saying when he'd be back.",
                    "He came back after half an hour, every time. In session he said walking is how he calms down "
                    "so that he can talk. He has never once not come back.",
                    "He walks to calm down, and he comes back. I can ask him to tell me when he'll return.", 70,
                    ("magnification", "fortune_telling", "personalisation")),
            Thought("a", 7, "He didn't reply to my message for three hours while he was at football.",
                    (("anxious", 70, 30),),
                    "If he cared he'd have answered.",
                    "My dad stopped answering before he left.",
                    "He doesn't look at his phone during a match. He rang afterwards and asked about my day.",
                    "Not answering during football is about football, not about me.", 75,
                    ("mind_reading", "personalisation")),
        ),
        experiments=(
            Experiment("a", 4, "If I don't message Lachlan when he's late, I'll be so anxious I can't do anything "
                               "for the whole evening.", 80,
                       "On his late night, wait an hour before sending one message, and cook meanwhile.",
                       "Anxious for the first twenty minutes, then absorbed in cooking; he messaged first.", 35,
                       "The anxiety peaks and passes. I can wait and still feel all right."),
        ),
        tasks=(
            Task("a", 1, "Fill in one thought record when you notice the 'he's leaving' fear.", "completed",
                 "Two records; good evidence against."),
            Task("b", 1, "When you need space, say 'I need twenty minutes, I'll be back at…' before going.",
                 "partly", "Managed it twice out of four times."),
            Task("both", -1, "Plan one evening this week that is just for the two of you.", "assigned"),
        ),
    ),
    Story(
        key="Hiroshi Tanaka",
        cadence=Cadence(weekday=3, hour=10, individual_at=(), missed={5: "cancelled"}),
        causes=(Cause(
            "cause-ongoing-misunderstandings", "both",
            "Disagreements about money and weekend plans end with Emmeline saying Hiroshi agreed and then did what "
            "he wanted, and Hiroshi saying he did not know what was expected. Neither checks what the other meant "
            "before reacting, and both keep a tally of past misunderstandings.",
        ),),
        aims=(
            Aim("sign-doubting-commitments", "b", 3, 7, 0.15),
            Aim("sign-avoiding-vulnerability", "a", 1, 4, 0.2,
                text="Hiroshi says what he expects and what he can commit to at the time a plan is made."),
        ),
        methods=(
            Method("intervention-listening-skills"),
            Method("intervention-follow-through", delivered_by="Both partners, reviewed each session"),
            Method("intervention-shared-activities"),
        ),
        formulation=(
            "Both partners grew up in families where expectations were left unspoken, and each assumes the other "
            "shares their picture of a plan. When plans go wrong, each explains it by the other's character rather "
            "than by the missing conversation. Their commitment is strong, but so is their habit of keeping score."
        ),
        a=Scores(csi16=(46, 47), phq9=(6, 6), gad7=(5, 6)),
        b=Scores(csi16=(42, 44), phq9=(8, 7), gad7=(9, 8)),
        shape="flat",
        csi4_forgotten_last=True,
        acks=("verbal", "electronic"),
        tasks=(
            Task("both", 1, "At the Sunday planning talk, each summarise what the other said before agreeing.",
                 "partly", "Did it once; the second talk turned into an argument about the car."),
            Task("a", 3, "Write down each commitment at the time it is made and share the list.", "not_done",
                 "Forgot; will set a reminder."),
            Task("both", -1, "Try the speaker-listener turns on one money decision this week.", "assigned"),
        ),
    ),
    Story(
        key="Fatima Haddad",
        cadence=Cadence(weekday=0, hour=19, weekly_weeks=8, missed={6: "late_cancelled"}),
        causes=(Cause(
            "cause-emotional-distance", "both",
            "Fatima keeps the household running and says her effort goes unseen; Yusuf works long hours and "
            "shows care by providing. They talk mainly about the children and logistics, rarely touch, and each "
            "reads the other's tiredness as lost interest.",
        ),),
        aims=(
            Aim("sign-avoiding-vulnerability", "b", 1, 4, 0.6,
                text="Yusuf shares how he is feeling, not only what he has done, at least several times a week."),
            Aim("sign-doubting-commitments", "a", 3, 7, 0.5),
        ),
        methods=(
            Method("intervention-shared-activities"),
            Method("intervention-listening-skills"),
            Method("intervention-follow-through", delivered_by="Partner B, reviewed each session"),
        ),
        formulation=(
            "The arrival of a second child shifted both partners into roles (manager and provider) that leave no "
            "room for each other. Fatima's protest comes out as criticism, and Yusuf answers criticism by working "
            "harder, which widens the distance. Both describe affection and goodwill underneath the fatigue."
        ),
        a=Scores(csi16=(40, 50), phq9=(12, 8), gad7=(10, 7)),
        b=Scores(csi16=(48, 53), phq9=(5, 4), gad7=(6, 5)),
        shape="late",
        revision=Revision(
            at=0.6, statuses={0: "in_progress", 1: "in_progress"},
            add=(Method("intervention-agreeing-boundaries", delivered_by="Both partners, agreed in session"),),
            formulation=(
                "Review at four months: the evening check-ins have become a habit and Fatima says she feels "
                "noticed more often. Work hours remain the main source of tension, so an agreement about "
                "protected family time is added."
            ),
        ),
        tasks=(
            Task("both", 1, "Ten minutes after the children are in bed: each says one thing they appreciated that "
                            "day.", "completed", "Managed five evenings."),
            Task("b", 4, "Take over the Saturday morning routine without being asked.", "completed",
                 "Did it three weeks running; Fatima noticed."),
            Task("both", -1, "Book the babysitter and go out once before the next session.", "assigned"),
        ),
    ),
    Story(
        key="Chloe Bennett",
        cadence=Cadence(weekday=4, hour=12, minute=30, individual_at=(), video_every=2),
        causes=(Cause(
            "cause-past-dishonesty", "both",
            "Four years after Marcus took out a loan without telling her, Chloe checks the joint account and "
            "every statement several times a week and asks about purchases she does not recognise. Marcus "
            "explains at length, feels permanently on probation and has started to avoid talking about money.",
        ),),
        aims=(
            Aim("sign-checking-reassurance", "a", 7, 2, 0.45, logged=True,
                text="Chloe reduces checking bank statements and accounts outside the agreed weekly money "
                     "review."),
            Aim("sign-doubting-commitments", "a", 3, 7, 0.35),
        ),
        methods=(
            Method("intervention-agreeing-boundaries",
                   delivered_by="Both partners, agreed in session"),
            Method("intervention-reducing-checking"),
            Method("intervention-follow-through", delivered_by="Partner B"),
        ),
        formulation=(
            "The hidden loan was never talked through, so it still organises the couple's life around money. "
            "Chloe's checking keeps her safe in the short term but keeps the breach present; Marcus's long "
            "explanations feel like excuses to her. A shared, agreed routine of financial openness should make "
            "private checking unnecessary."
        ),
        a=Scores(csi16=(41, 48), phq9=(9, 7), gad7=(13, 9)),
        b=Scores(csi16=(45, 50), phq9=(7, 5), gad7=(8, 6)),
        plan_at=3,
        acks=("electronic", "electronic"),
        tasks=(
            Task("both", 0, "Hold the first weekly money review on Sunday evening, thirty minutes, statements "
                            "open together.", "completed", "Held it; both said it felt less tense than expected."),
            Task("a", 1, "Log each urge to check the accounts outside the review, and whether you acted on it.",
                 "completed", "Logged daily."),
            Task("both", -1, "Write down the three money decisions that need both signatures.", "assigned"),
        ),
        log=Log(aim=0, partner="a", kind="checking", weeks=6, resisted=(1, 4), triggers=(
            "A card payment I didn't recognise.",
            "Marcus said he'd sort the car insurance.",
            "The bank app sent a notification.",
            "He bought something online for his brother.",
            "Payday.",
            "A letter from the bank arrived.",
        )),
    ),
    Story(
        key="Aisha Rahman",
        cadence=Cadence(weekday=0, hour=16, missed={4: "cancelled"}),
        causes=(Cause(
            "cause-past-dishonesty", "a",
            "Aisha learned that a previous partner had been unfaithful for years, and now asks Tomasz several "
            "times a day whether he still loves her and whether he finds colleagues attractive. Relief lasts "
            "minutes. Tomasz reassures her each time but has become tired and short with her.",
        ),),
        aims=(
            Aim("sign-checking-reassurance", "a", 12, 2, 0.95, logged=True,
                text="Aisha reduces reassurance-seeking episodes, counted in her daily log."),
            Aim("sign-neutral-as-threat", "a", 5, 1, 0.85),
        ),
        methods=(
            Method("intervention-reducing-checking", delivered_by="Primary therapist and partner B"),
            Method("intervention-thought-records", delivered_by="Partner A, reviewed in session"),
            Method("intervention-behavioural-experiments"),
            Method("intervention-cognitive-restructuring"),
        ),
        formulation=(
            "Aisha's reassurance seeking is maintained by the relief it brings: each answer lowers anxiety for a "
            "few minutes and confirms that she could not have coped without it. The betrayal by a former partner "
            "left a belief that warning signs are always there if you look hard enough. Tomasz's growing "
            "irritation is itself read as a warning sign, so the cycle tightens."
        ),
        a=Scores(csi16=(44, 61), phq9=(12, 5), gad7=(16, 6)),
        b=Scores(csi16=(49, 59), phq9=(6, 3), gad7=(7, 4)),
        shape="early",
        thoughts=(
            Thought("a", 1, "Tomasz mentioned a new colleague, Marta, twice over dinner.",
                    (("anxious", 90, 40), ("jealous", 75, 30)),
                    "He's attracted to her. He'll leave me for someone like her.",
                    "He mentioned her twice. My ex talked about the woman he was seeing before I found out.",
                    "He mentioned her because she is taking over his project. He talks about all his colleagues. "
                    "He invited me to his team's leaving drinks so that I could meet them.",
                    "Tomasz talking about work is not Tomasz leaving. I'm seeing my ex in him.", 70,
                    ("fortune_telling", "overgeneralisation", "mind_reading")),
            Thought("a", 3, "I asked him if he still loved me and he sighed before saying yes.",
                    (("hurt", 80, 35), ("anxious", 85, 40)),
                    "The sigh means he doesn't mean it any more.",
                    "He sighed.",
                    "It was the fifth time I had asked that evening. We agreed he'd answer once and then remind me "
                    "of the plan; the sigh was tiredness, and he said so.",
                    "He is tired of the question, not of me.", 65,
                    ("mind_reading", "emotional_reasoning")),
            Thought("a", 8, "He stayed out for a colleague's birthday until eleven.",
                    (("anxious", 55, 25),),
                    "Something could be happening and I'd never know.",
                    "I didn't know what was happening with my ex for years.",
                    "He messaged at nine and at ten-thirty without my asking. I went to bed and slept.",
                    "I can't be certain of anything, and I can live with that. The evidence says he's trustworthy.",
                    80, ("fortune_telling",)),
        ),
        experiments=(
            Experiment("a", 2, "If I don't ask Tomasz whether he loves me before bed, I won't be able to sleep.", 85,
                       "Three nights this week, notice the urge, write it down, and not ask.",
                       "Took longer to fall asleep the first night; slept normally the next two.", 30,
                       "The urge fades if I don't feed it. I can sleep without the answer."),
            Experiment("a", 6, "If I stop looking at his social media, I'll miss something important.", 70,
                       "No looking at his accounts for two weeks; note anything I 'miss'.",
                       "Missed nothing. Noticed I felt calmer in the evenings.", 20,
                       "Checking was costing me calm and giving me nothing I needed."),
        ),
        tasks=(
            Task("a", 0, "Keep the daily log of reassurance urges: what set it off and whether you asked.",
                 "completed", "Kept it every day, including the hard ones."),
            Task("b", 1, "When Aisha asks for reassurance: answer once, kindly, then remind her of her plan.",
                 "completed", "Mostly managed; found it hard when she was tearful."),
            Task("a", 4, "One thought record on any evening the urge is above 70.", "completed",
                 "Three records, good balanced thoughts."),
            Task("both", -1, "Plan a shared activity with no phones for an hour.", "assigned"),
        ),
        log=Log(aim=0, partner="a", kind="reassurance", weeks=12, resisted=(2, 5), triggers=(
            "Tomasz mentioned a colleague by name.",
            "He was twenty minutes late home.",
            "Saw him smiling at his phone.",
            "Woke in the night and felt alone.",
            "He went to the gym without saying when he'd be back.",
            "A friend's partner was caught cheating.",
            "He was quiet at breakfast.",
            "He liked a photo of someone I don't know.",
        )),
    ),
    Story(
        key="Jamal Washington",
        cadence=Cadence(weekday=2, hour=19, missed={5: "no_show", 8: "cancelled"}),
        causes=(Cause(
            "cause-past-dishonesty", "both",
            "For most of a year Jamal exchanged late-night messages with a former partner and hid them. Andre "
            "now asks to see Jamal's messages, and arguments about whether it was an affair last late into the "
            "night. Jamal says he has answered every question and feels the subject will never close.",
        ),),
        aims=(
            Aim("sign-time-apart-tension", "both", 3, 1, -0.4),
            Aim("sign-doubting-commitments", "b", 3, 7, -0.3),
        ),
        methods=(
            Method("intervention-agreeing-boundaries", delivered_by="Both partners, agreed in session"),
            Method("intervention-forgiveness-work"),
            Method("intervention-listening-skills"),
        ),
        formulation=(
            "The partners disagree about what happened (an emotional affair for Andre, a friendship for Jamal), "
            "so every conversation about it becomes a trial of that question. Andre's hurt is intensified by a "
            "history of being lied to in his family; Jamal's defensiveness protects him from shame. Without a "
            "shared account, agreements about contact with the former partner keep breaking down."
        ),
        a=Scores(csi16=(55, 47), phq9=(5, 8), gad7=(6, 9)),
        b=Scores(csi16=(48, 33), phq9=(7, 15), gad7=(8, 14)),
        shape="late",
        acks=("verbal", ""),
        flags=(RiskFlag("b"),),
        tasks=(
            Task("both", 1, "Write down, separately, what you each need to feel safe about contact with former "
                            "partners; bring both lists.", "completed", "Lists very different; discussed in session."),
            Task("a", 3, "Tell Andre about any contact from the former partner the same day.", "not_done",
                 "A message arrived and Jamal did not mention it for four days."),
            Task("both", -1, "No conversations about the messages after 10 pm; park them for the session.",
                 "assigned"),
        ),
    ),
    Story(
        key="Niamh O'Sullivan",
        cadence=Cadence(weekday=1, hour=9, minute=30, weekly_weeks=12, missed={10: "cancelled"}),
        causes=(Cause(
            "cause-inconsistent-caregiving", "a",
            "Niamh grew up never sure who would collect her from school. When she and Ciara argue she says Ciara "
            "should leave if she is unhappy, then panics that she will. Ciara feels tested and tired of proving "
            "she is staying.",
        ),),
        aims=(
            Aim("sign-doubting-commitments", "a", 2, 7, 0.9),
            Aim("sign-neutral-as-threat", "a", 5, 1, 0.8),
        ),
        methods=(
            Method("intervention-attachment-injury-repair"),
            Method("intervention-cognitive-restructuring"),
            Method("intervention-behavioural-experiments"),
            Method("intervention-shared-activities"),
        ),
        formulation=(
            "Niamh learned early that the people she needed might not come, and now protects herself by pushing "
            "Ciara away before she can be left. Ciara's frustration at being tested looks to Niamh like the "
            "beginning of leaving. The couple has real warmth and humour, which the work can build on."
        ),
        a=Scores(csi16=(36, 58), phq9=(16, 7), gad7=(13, 6)),
        b=Scores(csi16=(46, 59), phq9=(7, 4), gad7=(8, 5)),
        acks=("paper", "paper"),
        flags=(RiskFlag("a", monthly=1, acknowledgement=(
            "Item 9 answered 'several days'. Spoke with Niamh alone after the session: fleeting thoughts that "
            "people would be better off without her after arguments, no plan or intent, no past attempts. "
            "Protective factors: her grandmother, her work, Ciara. Safety plan written together and copied to her; "
            "crisis numbers given. Will ask about it at each session; PHQ-9 again in two weeks."
        )),),
        revision=Revision(
            at=0.7, statuses={0: "in_progress", 1: "met"}, targets={0: 8},
            formulation=(
                "Review at six months: Niamh rarely acts on threat readings now and has stopped telling Ciara to "
                "leave during arguments. Remaining work: trusting Ciara's commitment when things are calm, not "
                "only after repair."
            ),
        ),
        thoughts=(
            Thought("a", 2, "Ciara said she was going to her sister's for the weekend on her own.",
                    (("frightened", 85, 40), ("angry", 60, 25)),
                    "She's practising leaving.",
                    "She wants time without me.",
                    "She goes to her sister's every few months and always comes back. She asked whether I'd like to "
                    "come next time.",
                    "Time with her sister is not time away from me. She keeps coming back.", 70,
                    ("fortune_telling", "personalisation")),
        ),
        experiments=(
            Experiment("a", 5, "If I tell Ciara I'm scared instead of telling her to leave, she'll think I'm pathetic "
                               "and go.", 75,
                       "Next argument, say 'I'm scared you'll leave' instead of 'just go then'.",
                       "Ciara held my hand and said she wasn't going anywhere. The argument ended quickly.", 25,
                       "Saying the fear brings her closer; pushing her away makes the fear come true."),
        ),
        tasks=(
            Task("a", 1, "Notice and write down the moment the 'just go then' urge appears.", "completed",
                 "Noticed it three times."),
            Task("both", 3, "A Sunday walk together, phones at home.", "completed", "Every Sunday."),
            Task("both", -1, "Plan the weekend away you have been postponing.", "assigned"),
        ),
    ),
    Story(
        key="Olusegun Adeyemi",
        cadence=Cadence(weekday=3, hour=15, weekly_weeks=6, stop_days_ago=45, phone_last=2, individual_at=()),
        causes=(Cause(
            "cause-emotional-distance", "b",
            "After twenty-two years Folasade feels she is the one who remembers birthdays, appointments and "
            "bills, and that Olusegun notices only when something goes wrong. Olusegun was surprised by the depth "
            "of her unhappiness and tends to answer it with practical plans rather than listening.",
        ),),
        aims=(
            Aim("sign-avoiding-vulnerability", "a", 0, 3, 0.5,
                text="Olusegun asks how Folasade is feeling and listens without offering a solution, several "
                     "times a week."),
        ),
        methods=(
            Method("intervention-listening-skills"),
            Method("intervention-shared-activities"),
        ),
        formulation=(
            "Roles settled early in the marriage left Folasade carrying the emotional and practical load while "
            "Olusegun's care showed as providing. With the children grown, the imbalance is no longer hidden by "
            "busyness. Olusegun's wish to fix things quickly leaves Folasade feeling unheard once more."
        ),
        a=Scores(csi16=(52, 55), phq9=(4, 4), gad7=(5, 4)),
        b=Scores(csi16=(38, 45), phq9=(10, 8), gad7=(8, 7)),
        schedule=(("csi16", "month"), ("phq9", "month")),
        tasks=(
            Task("a", 1, "Ask Folasade one open question a day and listen for two minutes before replying.",
                 "partly", "Most days in the first week, then travel got in the way."),
        ),
    ),
    Story(
        key="Lucía Fernández",
        cadence=Cadence(weekday=0, hour=11, weekly_weeks=12, missed={14: "cancelled"}),
        causes=(Cause(
            "cause-past-dishonesty", "both",
            "Matteo hid gambling debts for two years; Lucía found out from a court letter. Lucía checks every "
            "account and receipt and cannot believe Matteo's promises; Matteo attends a gambling support group "
            "and feels his recovery goes unrecognised at home.",
        ),),
        aims=(
            Aim("sign-checking-reassurance", "a", 10, 2, 1.0,
                text="Lucía relies on the agreed weekly money review instead of checking accounts and receipts."),
            Aim("sign-doubting-commitments", "a", 1, 7, 0.95),
        ),
        methods=(
            Method("intervention-agreeing-boundaries", delivered_by="Both partners"),
            Method("intervention-follow-through", delivered_by="Partner B"),
            Method("intervention-forgiveness-work"),
        ),
        formulation=(
            "The discovery of the debts shattered Lucía's sense that she knew her own life. Her checking is an "
            "attempt to make sure it never happens again, and Matteo's shame makes him defensive when she checks. "
            "His stable recovery and their shared wish to stay together make a trust-rebuilding routine possible."
        ),
        a=Scores(csi16=(30, 62), phq9=(17, 5), gad7=(15, 4)),
        b=Scores(csi16=(44, 61), phq9=(11, 4), gad7=(9, 4)),
        shape="early",
        acks=("paper", "paper"),
        revision=Revision(
            at=0.55, statuses={0: "met", 1: "in_progress"},
            formulation=(
                "Review at six months: the weekly money review has replaced private checking. Lucía says she now "
                "believes most of Matteo's commitments; the remaining work is forgiveness and planning an ending."
            ),
        ),
        tasks=(
            Task("both", 0, "Hold the weekly money review with both sets of statements open.", "completed",
                 "Every week without exception."),
            Task("both", -1, "Write down what you will keep doing after therapy ends.", "completed",
                 "Brought a shared list to the final session."),
        ),
    ),
    Story(
        key="Ravindra Sharma",
        cadence=Cadence(weekday=4, hour=18),
        causes=(Cause(
            "cause-ongoing-misunderstandings", "both",
            "Hannah checks Ravi's phone location several times a day and becomes distressed when he spends time "
            "with a close colleague. Ravi has begun leaving out ordinary plans to avoid arguments, and each "
            "omission that comes to light makes Hannah more suspicious.",
        ),),
        aims=(
            Aim("sign-checking-reassurance", "b", 8, 2, 0.05, logged=True,
                text="Hannah reduces checking Ravi's location and messages, counted in her daily log."),
            Aim("sign-time-apart-tension", "both", 3, 1, 0.1),
        ),
        methods=(
            Method("intervention-agreeing-boundaries"),
            Method("intervention-reducing-checking"),
            Method("intervention-cognitive-restructuring"),
        ),
        formulation=(
            "Hannah's checking and Ravi's omissions feed each other: the less he says, the more she checks, and "
            "the more she checks, the less he says. Both want a relationship where ordinary plans are shared "
            "without a fight. Early sessions focus on slowing the cycle down enough to see it."
        ),
        a=Scores(csi16=(50, 49), phq9=(5, 6), gad7=(6, 6)),
        b=Scores(csi16=(43, 43), phq9=(8, 8), gad7=(12, 11)),
        shape="flat",
        plan_at=3,
        acks=("electronic", "electronic"),
        tasks=(
            Task("a", 0, "Tell Hannah your plans for the day each morning, including lunch.", "partly",
                 "Did it most days; forgot on the busiest ones."),
            Task("b", 0, "Log each urge to check Ravi's location, and whether you acted on it.", "completed",
                 "Logged every day."),
            Task("both", -1, "Agree what 'time with colleagues' looks like for both of you.", "assigned"),
        ),
        log=Log(aim=0, partner="b", kind="checking", weeks=4, resisted=(2, 3), triggers=(
            "Ravi's location showed the café near the office at lunchtime.",
            "He said lunch with the team but didn't say who.",
            "His colleague posted a photo from the pub.",
            "He didn't answer for an hour.",
            "He left for work early.",
        )),
    ),
    Story(
        key="Selin Yılmaz",
        cadence=Cadence(weekday=3, hour=19, minute=30, individual_at=()),
        causes=(Cause(
            "cause-past-dishonesty", "both",
            "After three long-distance years Jonas disclosed a brief relationship he had never mentioned. Selin "
            "wants every secret on the table; Jonas fears that full disclosure will end things and answers "
            "questions partially, so more surfaces later.",
        ),),
        aims=(
            Aim("sign-doubting-commitments", "a", 3, 7, 0.2),
            Aim("sign-time-apart-tension", "both", 2, 0, 0.1),
        ),
        methods=(
            Method("intervention-forgiveness-work"),
            Method("intervention-agreeing-boundaries"),
        ),
        formulation=(
            "The long-distance years let each partner build a private life the other never saw. Partial "
            "disclosures keep the injury open. The plan is being agreed: a structured disclosure session first, "
            "then repair."
        ),
        a=Scores(csi16=(42, 44), phq9=(9, 8), gad7=(11, 10)),
        b=Scores(csi16=(50, 50), phq9=(6, 6), gad7=(7, 7)),
        shape="flat",
        plan_at=3,
        draft_only=True,
    ),
)

STORIES_BY_KEY: dict[str, Story] = {story.key: story for story in STORIES}
