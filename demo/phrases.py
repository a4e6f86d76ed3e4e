"""The words of the demo's progress notes: small templates filled with each couple's own details.

Invented clinical material, written for Rapport. A note is assembled from a handful of sentence patterns per
section (chosen by a seeded random generator, so the same session always gets the same note), the couple's
topic for that point of treatment, what each partner brought that week (easier weeks and harder ones, in
proportion to how the couple is doing), the scores given that day and the objectives rated.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Voice:
    """What a couple's sessions are about, in the therapist's words."""

    key: str  # partner A's full name, as in demo.practice.COUPLES
    intake: str  # what they described at intake (after "{A} and {B} described ...")
    topics: tuple[str, ...]  # the focus of sessions, in the order treatment reaches them
    a_easier: tuple[str, ...]  # what partner A reported in an easier week ("{A} said ...")
    a_harder: tuple[str, ...]
    b_easier: tuple[str, ...]
    b_harder: tuple[str, ...]
    alone_a: str  # the focus of partner A's individual session
    alone_b: str


# --- Sentence patterns ------------------------------------------------------------------------------------
# Placeholders: {A} {B} (partners' names), {a_week} {b_week} (what each reported), {topic}, {modality},
# {method} (an intervention of the plan, in words), {homework}, {next}, {P} {Q} (in individual sessions:
# the partner seen and the other one), {focus}.

OPENINGS = (
    "{A} and {B} attended together{modality}. {A} said {a_week}; {B} said {b_week}.",
    "Both partners attended{modality}. {B} began by saying {b_week}, and {A} added that {a_week}.",
    "{A} opened the session, saying {a_week}. {B} said {b_week}.",
    "Joint session{modality}. Asked about the week, {B} said {b_week}; {A} said {a_week}.",
)
TOPIC_LINES = (
    "Most of the session focused on {topic}.",
    "The couple chose to work on {topic}.",
    "We returned to {topic}, as agreed last time.",
    "The main work of the session was {topic}.",
)
MODALITY = {"in_person": "", "video": " by video", "phone": " by phone"}

AFFECT_CALM = (
    "appeared settled and made good eye contact",
    "was calmer than at previous sessions",
    "spoke warmly and at an even pace",
    "was reflective and engaged throughout",
)
AFFECT_TENSE = (
    "was tense at the start and softened as the session went on",
    "was tearful when describing the week",
    "was guarded and answered briefly at first",
    "spoke quickly and interrupted twice",
)
INTERACTIONS_CALM = (
    "They turned towards each other when speaking about {topic}.",
    "The speaker-listener structure held for most of the session without prompting.",
    "Each summarised the other's point accurately before replying.",
    "There was shared humour, and repair after one sharp exchange was quick.",
)
INTERACTIONS_TENSE = (
    "Escalation in the middle of the session settled after a short time-out.",
    "Both needed prompting to let the other finish before replying.",
    "The familiar pattern appeared in the room and was named together.",
    "Tension rose when {topic} came up; both were able to slow down with help.",
)

ASSESSMENT_BETTER = (
    "Steady progress towards the plan's objectives. The couple is using the skills between sessions, and the "
    "work on {topic} is moving from insight to practice.",
    "Continued improvement. Both partners describe the cycle earlier and recover from it faster; the gains "
    "seen in the scores match what they report.",
    "Good engagement and clear change since the start of treatment. The remaining difficulty is {topic}, which "
    "now comes up less often and with less intensity.",
)
ASSESSMENT_FLAT = (
    "Limited change. Both partners remain committed, but the pattern around {topic} repeats between sessions "
    "and the agreed practice happens only some weeks.",
    "Progress has stalled. Insight in session is good; carrying it into daily life is the difficulty, and "
    "homework was only partly done.",
    "Little movement on the objectives this month. The couple's goodwill is intact; the plan may need more "
    "structure between sessions.",
)
ASSESSMENT_WORSE = (
    "Relationship distress has increased, most of all for {B}. The disagreement about {topic} keeps "
    "re-opening the injury, and agreements made in session are not holding.",
    "Deterioration since last month: more arguments and less contact at home. {B}'s low mood needs close "
    "attention alongside the couple work.",
    "The couple is struggling to use the session structure; {topic} escalates quickly. Considering more "
    "individual support for {B} and reviewing the plan with both.",
)
ASSESSMENT_EARLY = (
    "Early in treatment: both partners engage well and are starting to use the plan's skills; no change in the "
    "objectives is expected yet.",
    "First weeks of the plan. The couple understands the formulation and has started the homework; {topic} is "
    "the focus for now.",
)
RISK_NONE = "No risk indicators reported or observed for either partner."
RISK_FLAGGED = (
    "PHQ-9 item 9 was above 0 for {P} today: seen alone after the session; passive thoughts after arguments, no "
    "plan or intent. Safety plan written together (see the risk check); the flag is acknowledged on the measures "
    "page."
)
FLAGGED_SAFETY_PLAN = (
    "Passive thoughts after arguments, no plan or intent, no past attempts. Safety plan written with {P}: her "
    "warning signs, who she will call, crisis numbers. Ask at each session; PHQ-9 again in two weeks."
)

PLAN_LINES = (
    "Continue {method}. Homework: {homework}. Next session {next}.",
    "Homework: {homework}. Next session {next}; continue {method}.",
    "Next session {next}. Keep going with {method}; homework: {homework}.",
)
NEXT = {7: "in one week", 14: "in two weeks"}

BIRP_INTERVENTIONS = (
    "Worked on {topic} through {method}. Reviewed homework and the week's log with both partners.",
    "Structured the session around {method}; slowed down the exchange about {topic} and reflected each "
    "partner's underlying feeling.",
    "Reviewed the homework, then used {method}. Summarised the cycle on the whiteboard with both partners.",
)
RESPONSE_BETTER = (
    "{A} engaged readily and tried the skill without prompting. {B} listened without defending and offered "
    "an example from the week.",
    "Both partners responded well. {A} named a need directly instead of criticising; {B} acknowledged the effort "
    "aloud.",
    "{B} took the lead in the exercise and {A} followed; both said the session felt useful.",
)
RESPONSE_FLAT = (
    "{A} engaged in the exercise but returned to old arguments when it ended. {B} was polite but distant.",
    "Both agreed with the plan in session; {A} doubted it would work at home.",
    "{B} engaged more than last time; {A} found it hard to move past the week's disagreement.",
)
RESPONSE_WORSE = (
    "{B} found it hard to stay in the exercise and asked to stop twice. {A} became defensive as the session "
    "went on.",
    "Both partners were more reactive than usual. {B} said the sessions feel like going over the same ground.",
)

INDIVIDUAL_OPENING = (
    "{P} attended alone{modality} for an individual session, part of the assessment agreed at intake. The "
    "couple's confidentiality agreement was restated at the start."
)
INDIVIDUAL_WORK = "We explored {focus}."
INDIVIDUAL_OBSERVED = "{P} was open and reflective, tearful at one point, and keen to use the session well."
INDIVIDUAL_ASSESSMENT = (
    "The individual history helps explain {P}'s part in the couple's cycle. Nothing disclosed needs to be "
    "shared with {Q} under the agreement."
)
INDIVIDUAL_PLAN = "Joint sessions resume {next}; bring the formulation to both partners then."

INTAKE_DATA = "Intake session{modality}. {A} and {B} described {intake}."
INTAKE_OBSERVED = (
    "Both partners engaged well and each gave their account without being interrupted. The IPV screen had been "
    "completed with each partner alone beforehand."
)
INTAKE_ASSESSMENT = (
    "Presenting concerns are consistent with a trust injury maintained by each partner's way of coping. Both "
    "are motivated, and there are no indicators of violence or coercion."
)
INTAKE_PLAN = "Individual assessment sessions next, then a joint formulation and treatment plan."

CSI4_LINE = "CSI-4 today: {A} {a}, {B} {b}."
MONTHLY_LINE = "Monthly questionnaires: {lines}."

METHOD_WORDS: dict[str, str] = {
    "intervention-cognitive-restructuring": "cognitive restructuring of the automatic thoughts",
    "intervention-thought-records": "the thought records brought from the week",
    "intervention-behavioural-experiments": "planning the next behavioural experiment",
    "intervention-reducing-checking": "the plan for reducing checking and reassurance seeking",
    "intervention-listening-skills": "speaker-listener practice",
    "intervention-agreeing-boundaries": "negotiating the boundaries agreement",
    "intervention-shared-activities": "planning shared time",
    "intervention-follow-through": "reviewing small commitments and whether they were kept",
    "intervention-forgiveness-work": "forgiveness work at the pace both can manage",
    "intervention-attachment-injury-repair": "attachment-injury repair",
}
METHOD_HOMEWORK: dict[str, str] = {
    "intervention-cognitive-restructuring": "notice one 'hot' thought a day and write a balanced alternative",
    "intervention-thought-records": "one thought record whenever distress goes above 70",
    "intervention-behavioural-experiments": "carry out the experiment agreed today and record the outcome",
    "intervention-reducing-checking": "keep the daily log and delay each urge by fifteen minutes",
    "intervention-listening-skills": "two fifteen-minute speaker-listener practices on low-stakes topics",
    "intervention-agreeing-boundaries": "each write down what feels fair and bring it next time",
    "intervention-shared-activities": "one evening together without phones",
    "intervention-follow-through": "three small, checkable commitments, noted when kept",
    "intervention-forgiveness-work": "each write what forgiving would and would not mean for them",
    "intervention-attachment-injury-repair": "no homework on the injury itself; notice moments of closeness",
}
CBT_FOR_METHOD: dict[str, str] = {
    "intervention-cognitive-restructuring": "cognitive_restructuring",
    "intervention-thought-records": "thought_records",
    "intervention-behavioural-experiments": "behavioural_experiments",
    "intervention-reducing-checking": "reducing_checking",
    "intervention-listening-skills": "communication_skills",
    "intervention-agreeing-boundaries": "boundaries",
    "intervention-shared-activities": "trust_building",
    "intervention-follow-through": "trust_building",
    "intervention-forgiveness-work": "forgiveness_work",
    "intervention-attachment-injury-repair": "attachment_injury_repair",
}
RATING_COMMENTS = ("Rated together in session.", "From the week's review.", "As reported; consistent with the log.",
                   "")


# --- The couples --------------------------------------------------------------------------------------------

VOICES: tuple[Voice, ...] = (
    Voice(
        key="Amara Okafor",
        intake="the discovery of Ben's affair eighteen months ago and how they have lived side by side since",
        topics=("what each remembers of the night of the discovery", "Ben's account of how the affair began",
                "the checking and what it protects Amara from", "Ben's shame and his habit of leaving the room",
                "what Amara needs to hear, and Ben's answer", "small daily commitments and how they are kept",
                "what forgiving would and would not mean", "rebuilding ordinary closeness"),
        a_easier=("she had checked his phone only twice and told him each time",
                  "a family weekend went well and the affair did not come up",
                  "she noticed the urge to check and waited until it passed",
                  "she felt closer to Ben after their walk on Sunday"),
        a_harder=("she had a bad night replaying the discovery",
                  "she checked his phone every evening and felt ashamed afterwards",
                  "a late meeting of his set off hours of doubt",
                  "she could not stop asking questions after seeing the colleague's name"),
        b_easier=("he stayed in the room when Amara raised the affair and answered fully",
                  "the daily check-ins felt natural for the first time",
                  "he had kept every commitment he made last week",
                  "he felt Amara noticed the changes he was making"),
        b_harder=("he felt under suspicion all week and withdrew",
                  "he answered her questions defensively and regretted it",
                  "he feels nothing he does will ever be enough",
                  "he left the room twice during arguments"),
        alone_a="the discovery, earlier losses in Amara's family, and what the checking does for her",
        alone_b="Ben's shame, how the affair began, and his commitment to repair",
    ),
    Voice(
        key="Sofia Marquez",
        intake="a pursue-and-withdraw cycle that has worsened since they moved in together",
        topics=("the pursue-withdraw cycle and how each experiences it", "Sofia's fear when Lachlan goes quiet",
                "Lachlan's need for space and how to ask for it", "messages and the meaning of silence",
                "staying connected during disagreement", "soothing at night while apart"),
        a_easier=("she waited before messaging when he was late, and coped",
                  "she told Lachlan she was scared instead of accusing him",
                  "the week felt calmer and she slept better"),
        a_harder=("she sent a string of messages when he did not reply",
                  "she felt sure he was pulling away after a quiet evening",
                  "an argument about his parents left her frightened for days"),
        b_easier=("he told Sofia when he needed time and when he would be back",
                  "he stayed in a hard conversation instead of walking out",
                  "he felt less pursued and more able to reach out"),
        b_harder=("he walked out during an argument without saying when he'd return",
                  "he felt overwhelmed by her messages at work",
                  "he went quiet for most of the weekend"),
        alone_a="Sofia's childhood after her father left, and her mother's moods",
        alone_b="Lachlan's family's way of avoiding conflict and what he does with strong feelings",
    ),
    Voice(
        key="Hiroshi Tanaka",
        intake="small misunderstandings about money and plans that escalate and leave both unheard",
        topics=("how plans get made and what each assumes", "the Sunday planning talk", "money decisions and "
                "who decides", "keeping score of past misunderstandings", "checking meaning before reacting"),
        a_easier=("the weekend plans worked because they were written down",
                  "he asked Emmeline what she meant before reacting"),
        a_harder=("he was accused of agreeing and then doing his own thing again",
                  "he did not know what was expected about her sister's visit",
                  "he felt the old tally of mistakes was brought out again"),
        b_easier=("Hiroshi kept to the plan they had agreed about the car",
                  "they cleared up a misunderstanding the same day"),
        b_harder=("Hiroshi agreed to something and then changed it",
                  "she felt unheard about the holiday plans",
                  "she kept a list of broken agreements in her head all week"),
        alone_a="",
        alone_b="",
    ),
    Voice(
        key="Fatima Haddad",
        intake="growing distance since their second child was born, with Fatima feeling unseen and Yusuf "
               "working long hours",
        topics=("roles since the children arrived", "how each shows care and how it is received",
                "Fatima's protest and Yusuf's retreat into work", "evening check-ins", "protected family time"),
        a_easier=("Yusuf noticed what she had organised and thanked her",
                  "the evening check-ins happened most nights",
                  "she felt like a partner rather than a manager for a few days"),
        a_harder=("she did everything for the children's week alone again",
                  "Yusuf came home late three nights in a row",
                  "she felt invisible at the family gathering"),
        b_easier=("he took over the Saturday routine and enjoyed it",
                  "he told Fatima how tired he was instead of going silent",
                  "they had an evening out for the first time in months"),
        b_harder=("work took over the week and he felt criticised at home",
                  "he did not know what Fatima wanted from him",
                  "he slept in the spare room after an argument"),
        alone_a="Fatima's experience of the last two years and what she misses",
        alone_b="Yusuf's idea of being a good husband, from his own father",
    ),
    Voice(
        key="Chloe Bennett",
        intake="the loan Marcus took out without telling Chloe four years ago and the checking that followed",
        topics=("the loan and what was never talked through", "the weekly money review",
                "Chloe's checking and what it protects", "Marcus's long explanations and how they land",
                "agreements about spending"),
        a_easier=("she checked the accounts only at the weekly review",
                  "she asked about a purchase calmly and believed the answer"),
        a_harder=("an unfamiliar payment sent her into the banking app five times",
                  "she felt the old fear when a letter came from the bank"),
        b_easier=("the money review felt like teamwork",
                  "he explained a purchase briefly and it was enough"),
        b_harder=("he felt on probation again after being questioned about a gift",
                  "he avoided talking about money all week"),
        alone_a="",
        alone_b="",
    ),
    Voice(
        key="Aisha Rahman",
        intake="Aisha's many daily requests for reassurance, traced to a former partner's long infidelity, and "
               "Tomasz's growing exhaustion",
        topics=("the reassurance cycle and what keeps it going", "the daily log and delaying urges",
                "how Tomasz can respond kindly without reassuring", "thought records on jealous thoughts",
                "behavioural experiments on not asking", "living with uncertainty"),
        a_easier=("she asked for reassurance only a few times and coped with the rest",
                  "she noticed the urge, wrote it down and let it pass",
                  "she went to bed without asking and slept"),
        a_harder=("she asked Tomasz whether he loved her many times on a bad day",
                  "a new colleague of his set off a day of anxious questions",
                  "she looked through his social media late at night"),
        b_easier=("he answered once and reminded her of the plan, and it worked",
                  "he felt less worn out and more affectionate",
                  "the evenings felt like theirs again"),
        b_harder=("he lost patience and snapped after the fifth question",
                  "he felt tired and resentful by the end of the week"),
        alone_a="the former relationship and the discovery of years of lies",
        alone_b="Tomasz's exhaustion, and his fear of saying the wrong thing",
    ),
    Voice(
        key="Jamal Washington",
        intake="Jamal's year of late-night messages with a former partner and their disagreement about whether "
               "it was an affair",
        topics=("what happened and the two accounts of it", "contact with the former partner",
                "boundaries both can keep", "Andre's history of being lied to", "Jamal's defensiveness and shame"),
        a_easier=("he told Andre about a message the same day",
                  "a calmer week with no late-night arguments"),
        a_harder=("he felt interrogated and stopped answering",
                  "he did not mention a message from the former partner for days",
                  "he felt the subject will never close"),
        b_easier=("Jamal was open about his phone without being asked",
                  "they managed a weekend without arguing about the messages"),
        b_harder=("he could not sleep for thinking about the messages",
                  "he found out about a new message from someone else",
                  "he feels flat and hopeless most days",
                  "he has stopped seeing friends"),
        alone_a="Jamal's relationship with the former partner and why he kept it hidden",
        alone_b="Andre's family history of secrets and what the discovery meant to him",
    ),
    Voice(
        key="Niamh O'Sullivan",
        intake="Niamh's fear that Ciara will leave and the way she pushes her away during conflict",
        topics=("Niamh's early years and not knowing who would come", "the 'just go then' moments",
                "Ciara's tiredness at being tested", "saying the fear instead of pushing away",
                "trusting Ciara when things are calm", "planning time together"),
        a_easier=("she told Ciara she was scared instead of telling her to leave",
                  "a weekend apart went well and she felt secure",
                  "she noticed an old fear and talked herself through it"),
        a_harder=("she told Ciara to leave during an argument and then panicked",
                  "she read Ciara's quiet evening as the beginning of the end"),
        b_easier=("Niamh came to her instead of pushing her away",
                  "she felt less like she was on trial"),
        b_harder=("she felt tested again and exhausted by it",
                  "she wondered whether she can keep reassuring forever"),
        alone_a="Niamh's childhood between her grandmother and her mother",
        alone_b="Ciara's own needs in the relationship and what she feels she pays for",
    ),
    Voice(
        key="Olusegun Adeyemi",
        intake="Folasade feeling taken for granted after twenty-two years, and Olusegun's shock at how unhappy "
               "she has been",
        topics=("roles set early in the marriage", "listening without solving", "what Folasade carries",
                "time together now the children have left"),
        a_easier=("he asked Folasade about her day and listened",
                  "he took on the bills without being asked"),
        a_harder=("he offered solutions when she wanted to be heard",
                  "worry about his father took over the week"),
        b_easier=("she felt heard for the first time in a long while",
                  "he remembered her sister's birthday"),
        b_harder=("she felt like the one who remembers everything again",
                  "she was angry that nothing had changed"),
        alone_a="",
        alone_b="",
    ),
    Voice(
        key="Lucía Fernández",
        intake="Matteo's two years of hidden gambling debts and Lucía's sense that her life was built on a lie",
        topics=("the discovery and the court letter", "the weekly money review", "Matteo's recovery and how it "
                "is recognised", "Lucía's checking", "forgiveness", "planning the ending of therapy"),
        a_easier=("she relied on the money review and did not check receipts",
                  "she believed Matteo's account of the week",
                  "she felt they were a team again"),
        a_harder=("she checked every receipt after a large bill",
                  "a call from an unknown number frightened her"),
        b_easier=("his support group went well and he told Lucía about it",
                  "he felt his recovery was noticed at home"),
        b_harder=("he felt defensive when she checked the accounts",
                  "he had an urge to gamble and told his sponsor, not Lucía"),
        alone_a="Lucía's experience of the discovery and what she lost",
        alone_b="Matteo's gambling history and his recovery plan",
    ),
    Voice(
        key="Ravindra Sharma",
        intake="Hannah's checking of Ravi's location and Ravi leaving out ordinary plans to avoid arguments",
        topics=("the checking-and-omitting cycle", "Ravi's colleague and what Hannah fears",
                "sharing plans each morning", "what time with colleagues looks like"),
        a_easier=("he told Hannah his plans each morning and it helped",
                  "an evening with colleagues went without an argument"),
        a_harder=("he left out a lunch with his colleague and it came out",
                  "he felt watched all week"),
        b_easier=("she checked his location less and felt calmer",
                  "she asked instead of checking"),
        b_harder=("she checked his location many times on a busy day",
                  "she felt sure he was hiding something"),
        alone_a="Ravi's experience of being watched and his habit of leaving things out",
        alone_b="Hannah's earlier relationships and where the fear comes from",
    ),
    Voice(
        key="Selin Yılmaz",
        intake="secrets from their long-distance years, including a brief relationship Jonas never mentioned",
        topics=("the long-distance years and what each did not say", "the structure of a disclosure session",
                "what Selin needs to know and why", "Jonas's fear that disclosure will end things"),
        a_easier=("she felt Jonas answered her questions fully",),
        a_harder=("she found out another detail from a friend",
                  "she lay awake wondering what else she doesn't know"),
        b_easier=("he felt relieved after answering honestly",),
        b_harder=("he is afraid every answer will be the last straw",
                  "he felt cross-examined over dinner"),
        alone_a="",
        alone_b="",
    ),
)

VOICES_BY_KEY: dict[str, Voice] = {voice.key: voice for voice in VOICES}

# --- Single pieces of the story ----------------------------------------------------------------------------

ADDENDUM_TEXT = (
    "{B} telephoned the morning after this session to say that the colleague had contacted "
    "him again by text, and that he had told {A} about it the same evening, as agreed. {A} confirmed this at the "
    "next session. Recorded here because it bears on the assessment above."
)
PRIVATE_NOTE_TEXT = (
    "Process note, for me only. I noticed a pull to side with {A} when {B} minimised the messages, and caught "
    "myself speaking more sharply to him than the moment needed. Worth taking to supervision: my own history "
    "with broken trust makes his defensiveness hard to sit with. Next session, slow down and reflect his shame "
    "before his words."
)
RETURN_COMMENT = (
    "The note describes the session well but not progress against the plan: please add which of the plan's "
    "objectives today's work served and whether it is moving. Answer in an addendum and resubmit."
)
WORSE_SAFETY_PLAN = (
    "{B} described passive thoughts of not wanting to wake up on the worst days; no plan or intent. To complete: "
    "written safety plan with {B} before he leaves today; GP letter."
)
TODAY_DRAFT = (
    "{A} and {B} attended together. {A} said the log showed her best week so far, and that she had waited out "
    "the urge to ask on most evenings."
)

# The structured follow-up of an acknowledged PHQ-9 item 9 flag (clinic.services.risks.risk_acknowledge): the
# C-SSRS screener answers (clinic.cssrs; here: wish to be dead, no active thoughts, no behaviour: low risk)
# and the partner's Stanley-Brown safety plan, made together after the session ({P}: the partner's name).
FLAG_SCREEN = {"q1": True, "q2": False, "q6": False}
FLAG_SAFETY_PLAN = {
    "warning_signs": "After an argument, lying awake replaying it; thinking everyone would be better off without "
                     "{P}; not answering messages.",
    "coping_strategies": "Get up and make tea; the breathing exercise from session; write the thought down and the "
                         "balanced answer beside it.",
    "social_distraction": "Walk to the harbour café; call her grandmother for a chat about anything else.",
    "people_to_ask": "Her grandmother; her friend from work (numbers in her phone under 'safety').",
    "professionals": "Her therapist at the practice in working hours; her GP; Samaritans 116 123, any time; "
                     "999 or A&E in an emergency.",
    "means_safety": "No stockpiled medicines at home: she and Ciara agreed to keep only what is in use.",
    "reasons_for_living": "Her grandmother; her work with the children at the school; Ciara.",
}
