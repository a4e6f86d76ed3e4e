"""The instruments Rapport ships: PHQ-9, GAD-7, CSI-4, CSI-16 and the Dyadic Trust Scale.

Item wording and response options are the published ones; each instrument's licence allows shipping
them. ORS/SRS and the DAS are deliberately absent: their licences forbid it (a practice holding a licence
adds them as data, see plans.instruments.custom).

Reliable change (Jacobson & Truax, 1991) uses a published threshold where one exists; where none was
found (the CSI versions, the Dyadic Trust Scale) the data says so, and changes are shown without being
classified.
"""

from __future__ import annotations

from .base import INDIVIDUAL, RELATIONSHIP, Band, Instrument, Item, Option, Proration, ReliableChange

JACOBSON_TRUAX = (
    "Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical approach to defining meaningful "
    "change in psychotherapy research. Journal of Consulting and Clinical Psychology, 59(1), 12-19."
)
NHS_TALKING_THERAPIES = (
    "NHS Talking Therapies for anxiety and depression manual (NHS England; formerly the IAPT manual): "
)
PHQ_LICENCE = (
    "Developed by Drs Robert L. Spitzer, Janet B. W. Williams, Kurt Kroenke and colleagues, with an educational "
    "grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute."
)
CSI_SOURCE = (
    "Funk, J. L., & Rogge, R. D. (2007). Testing the ruler with item response theory: increasing precision of "
    "measurement for relationship satisfaction with the Couples Satisfaction Index. Journal of Family "
    "Psychology, 21(4), 572-583. doi:10.1037/0893-3200.21.4.572"
)
CSI_LICENCE = "Free for research and clinical use (Funk & Rogge, 2007)."


PHQ9_PRORATION = Proration(
    max_missing=2,
    source=(
        "A PHQ-9 with at most 2 of its 9 items unanswered is scored by replacing each missing item with the mean "
        "of the answered ones (total = mean x 9): Arrieta, J., et al. (2017). Validity and utility of the "
        "Patient Health Questionnaire (PHQ)-2 and PHQ-9 for screening depression in rural Chiapas, Mexico. "
        "Journal of Clinical Psychology, 73(9), 1076-1090. doi:10.1002/jclp.22390; see also Kroenke, K., "
        "Spitzer, R. L., Williams, J. B. W., & Löwe, B. (2010). General Hospital Psychiatry, 32(4), 345-359."
    ),
)
GAD7_NO_PRORATION = (
    "No published proration rule for the GAD-7 was verified, so a GAD-7 with any item unanswered is stored as "
    "incomplete, without a total: it is not charted and not used for change or recovery."
)
DIFFICULTY_OPTIONS = (
    Option(0, "Not difficult at all"),
    Option(1, "Somewhat difficult"),
    Option(2, "Very difficult"),
    Option(3, "Extremely difficult"),
)
# The unscored functional question of the PHQ-9 and GAD-7 (Kroenke et al. 2001; Spitzer et al. 2006).
DIFFICULTY_TEXT = (
    "If you checked off any problems, how difficult have these problems made it for you to do your work, take "
    "care of things at home, or get along with other people?"
)
DIFFICULTY = Item(0, DIFFICULTY_TEXT, DIFFICULTY_OPTIONS)


def _items(texts: list[str], options: tuple[Option, ...]) -> tuple[Item, ...]:
    return tuple(Item(number, text, options) for number, text in enumerate(texts, start=1))


# --- PHQ-9 ----------------------------------------------------------------------------------------

FREQUENCY_2_WEEKS = (
    Option(0, "Not at all"),
    Option(1, "Several days"),
    Option(2, "More than half the days"),
    Option(3, "Nearly every day"),
)

PHQ9 = Instrument(
    code="phq9",
    name="Patient Health Questionnaire (PHQ-9)",
    short_name="PHQ-9",
    instructions="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items=_items([
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety "
        "or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ], FREQUENCY_2_WEEKS),
    min_score=0,
    max_score=27,
    higher_is_better=False,
    bands=(
        Band(0, 4, "Minimal"),
        Band(5, 9, "Mild"),
        Band(10, 14, "Moderate"),
        Band(15, 19, "Moderately severe"),
        Band(20, 27, "Severe"),
    ),
    cutoff=10,
    cutoff_label="10 or more is in the clinical range (likely depression)",
    cutoff_source="Kroenke, Spitzer & Williams (2001); also the NHS Talking Therapies caseness threshold.",
    reliable_change=ReliableChange(
        threshold=6,
        source=NHS_TALKING_THERAPIES + "a change of 6 or more points on the PHQ-9 is reliable. Method: "
        + JACOBSON_TRUAX,
    ),
    reliable_change_note="",
    source=(
        "Kroenke, K., Spitzer, R. L., & Williams, J. B. W. (2001). The PHQ-9: validity of a brief depression "
        "severity measure. Journal of General Internal Medicine, 16(9), 606-613."
    ),
    licence=PHQ_LICENCE,
    risk_items=(9,),
    risk_note="Any answer above 0 on item 9 (thoughts of being better off dead or of self-harm) needs a risk "
              "review the same day, acknowledged here with what was done.",
    accepts_partial=True,
    proration=PHQ9_PRORATION,
    difficulty_item=DIFFICULTY,
    about=INDIVIDUAL,  # one person's depression symptoms: in couple-facing reports only with their consent
)


# --- GAD-7 ----------------------------------------------------------------------------------------

GAD7 = Instrument(
    code="gad7",
    name="Generalised Anxiety Disorder scale (GAD-7)",
    short_name="GAD-7",
    instructions="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=_items([
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ], FREQUENCY_2_WEEKS),
    min_score=0,
    max_score=21,
    higher_is_better=False,
    bands=(
        Band(0, 4, "Minimal"),
        Band(5, 9, "Mild"),
        Band(10, 14, "Moderate"),
        Band(15, 21, "Severe"),
    ),
    cutoff=10,
    cutoff_label="10 or more is in the clinical range (likely anxiety disorder)",
    cutoff_source=("Spitzer, Kroenke, Williams & Löwe (2006). Rapport uses 10 for caseness and recovery; NHS Talking "
                   "Therapies uses 8 or more, so recovery rates here are not directly comparable with theirs."),
    reliable_change=ReliableChange(
        threshold=4,
        source=NHS_TALKING_THERAPIES + "a change of 4 or more points on the GAD-7 is reliable. Method: "
        + JACOBSON_TRUAX,
    ),
    reliable_change_note="",
    source=(
        "Spitzer, R. L., Kroenke, K., Williams, J. B. W., & Löwe, B. (2006). A brief measure for assessing "
        "generalized anxiety disorder: the GAD-7. Archives of Internal Medicine, 166(10), 1092-1097."
    ),
    licence=PHQ_LICENCE,
    accepts_partial=True,
    proration=None,
    proration_note=GAD7_NO_PRORATION,
    difficulty_item=DIFFICULTY,
    about=INDIVIDUAL,  # one person's anxiety symptoms: in couple-facing reports only with their consent
)


# --- Couples Satisfaction Index (CSI-4, CSI-16) ---------------------------------------------------

HAPPINESS = (
    Option(0, "Extremely unhappy"),
    Option(1, "Fairly unhappy"),
    Option(2, "A little unhappy"),
    Option(3, "Happy"),
    Option(4, "Very happy"),
    Option(5, "Extremely happy"),
    Option(6, "Perfect"),
)
TRUE_OF_US = (
    Option(0, "Not at all true"),
    Option(1, "A little true"),
    Option(2, "Somewhat true"),
    Option(3, "Mostly true"),
    Option(4, "Almost completely true"),
    Option(5, "Completely true"),
)
EXTENT = (
    Option(0, "Not at all"),
    Option(1, "A little"),
    Option(2, "Somewhat"),
    Option(3, "Mostly"),
    Option(4, "Almost completely"),
    Option(5, "Completely"),
)
HOW_OFTEN = (
    Option(5, "All the time"),
    Option(4, "Most of the time"),
    Option(3, "More often than not"),
    Option(2, "Occasionally"),
    Option(1, "Rarely"),
    Option(0, "Never"),
)
HAPPINESS_ITEM = "Please indicate the degree of happiness, all things considered, of your relationship."
SEMANTIC_PREAMBLE = (
    "For each of the following items, select the answer that best describes how you feel about your "
    "relationship. Base your responses on your first impressions and immediate feelings about the item."
)
CSI_INSTRUCTIONS = "Each partner answers alone, about their relationship with their partner."
CSI_NO_RCI = (
    "No published reliable-change threshold was found for the {name}, so a change from baseline is shown "
    "but not classified as reliable or not."
)


def _semantic(number: int, left: str, right: str, *, left_is_positive: bool, preamble: str = "") -> Item:
    """A semantic-differential item: six points between two words, the positive word scoring 5."""
    values = (5, 4, 3, 2, 1, 0) if left_is_positive else (0, 1, 2, 3, 4, 5)
    options = tuple(
        Option(value, left if index == 0 else right if index == 5 else "") for index, value in enumerate(values)
    )
    return Item(number, f"{left} — {right}", options, preamble)


CSI4 = Instrument(
    code="csi4",
    name="Couples Satisfaction Index, 4 items (CSI-4)",
    short_name="CSI-4",
    instructions=CSI_INSTRUCTIONS,
    items=(
        Item(1, HAPPINESS_ITEM, HAPPINESS),
        Item(2, "I have a warm and comfortable relationship with my partner.", TRUE_OF_US),
        Item(3, "How rewarding is your relationship with your partner?", EXTENT),
        Item(4, "In general, how satisfied are you with your relationship?", EXTENT),
    ),
    min_score=0,
    max_score=21,
    higher_is_better=True,
    bands=(
        Band(0, 13, "Notable relationship dissatisfaction"),
        Band(14, 21, "Above the dissatisfaction cut-off"),
    ),
    cutoff=13.5,
    cutoff_label="Below 13.5 means notable relationship dissatisfaction",
    cutoff_source=CSI_SOURCE,
    reliable_change=None,
    reliable_change_note=CSI_NO_RCI.format(name="CSI-4"),
    source=CSI_SOURCE,
    licence=CSI_LICENCE,
    about=RELATIONSHIP,  # satisfaction with the relationship: shown in couple-facing reports
)

CSI16 = Instrument(
    code="csi16",
    name="Couples Satisfaction Index, 16 items (CSI-16)",
    short_name="CSI-16",
    instructions=CSI_INSTRUCTIONS,
    items=(
        Item(1, HAPPINESS_ITEM, HAPPINESS),
        Item(2, "In general, how often do you think that things between you and your partner are going well?",
             HOW_OFTEN),
        Item(3, "Our relationship is strong.", TRUE_OF_US),
        Item(4, "My relationship with my partner makes me happy.", TRUE_OF_US),
        Item(5, "I have a warm and comfortable relationship with my partner.", TRUE_OF_US),
        Item(6, "I really feel like part of a team with my partner.", TRUE_OF_US),
        Item(7, "How rewarding is your relationship with your partner?", EXTENT),
        Item(8, "How well does your partner meet your needs?", EXTENT),
        Item(9, "To what extent has your relationship met your original expectations?", EXTENT),
        Item(10, "In general, how satisfied are you with your relationship?", EXTENT),
        _semantic(11, "Interesting", "Boring", left_is_positive=True, preamble=SEMANTIC_PREAMBLE),
        _semantic(12, "Bad", "Good", left_is_positive=False),
        _semantic(13, "Full", "Empty", left_is_positive=True),
        _semantic(14, "Sturdy", "Fragile", left_is_positive=True),
        _semantic(15, "Discouraging", "Hopeful", left_is_positive=False),
        _semantic(16, "Enjoyable", "Miserable", left_is_positive=True),
    ),
    min_score=0,
    max_score=81,
    higher_is_better=True,
    bands=(
        Band(0, 51, "Notable relationship dissatisfaction"),
        Band(52, 81, "Above the dissatisfaction cut-off"),
    ),
    cutoff=51.5,
    cutoff_label="Below 51.5 means notable relationship dissatisfaction",
    cutoff_source=CSI_SOURCE,
    reliable_change=None,
    reliable_change_note=CSI_NO_RCI.format(name="CSI-16"),
    source=CSI_SOURCE,
    licence=CSI_LICENCE,
    about=RELATIONSHIP,  # satisfaction with the relationship: shown in couple-facing reports
)

DTS_SOURCE = (
    "Larzelere, R. E., & Huston, T. L. (1980). The Dyadic Trust Scale: toward understanding interpersonal trust "
    "in close relationships. Journal of Marriage and the Family, 42(3), 595-604. doi:10.2307/351903"
)
DTS_LICENCE = (
    "Published in the article above, with no licence, fee or permission procedure stated by the authors; the "
    "journal's copyright applies to the article. Used widely in research and clinical work. Rapport shows the "
    "items for clinician-administered use; a practice that distributes the scale should seek permission."
)
DTS_AGREEMENT = (
    (7, 1, "Strongly agree"),
    (6, 2, "Agree"),
    (5, 3, "Slightly agree"),
    (4, 4, "Neither agree nor disagree"),
    (3, 5, "Slightly disagree"),
    (2, 6, "Disagree"),
    (1, 7, "Strongly disagree"),
)


def _dts(number: int, text: str, *, reverse: bool = False) -> Item:
    """A Dyadic Trust Scale item on its 7-point agree-disagree scale; a reverse-keyed item (distrust worded)
    scores 1 for "strongly agree", so that a higher total always means more trust."""
    return Item(number, text, tuple(Option(low if reverse else high, label) for high, low, label in DTS_AGREEMENT))


DTS = Instrument(
    code="dts",
    name="Dyadic Trust Scale (DTS)",
    short_name="DTS",
    instructions="Each partner answers alone, about their partner: how much do you agree or disagree with each "
                 "statement?",
    # Larzelere & Huston (1980): eight items, unidimensional; items 1, 2 and 6 are worded as distrust and
    # reverse-keyed. The total is the sum of the item scores, 8-56, higher meaning more trust.
    items=(
        _dts(1, "My partner is primarily interested in his or her own welfare.", reverse=True),
        _dts(2, "There are times when my partner cannot be trusted.", reverse=True),
        _dts(3, "My partner is perfectly honest and truthful with me."),
        _dts(4, "I feel that I can trust my partner completely."),
        _dts(5, "My partner is truly sincere in his or her promises."),
        _dts(6, "I feel that my partner does not show me enough consideration.", reverse=True),
        _dts(7, "My partner treats me fairly and justly."),
        _dts(8, "I feel that my partner can be counted on to help me."),
    ),
    min_score=8,
    max_score=56,
    higher_is_better=True,
    bands=(Band(8, 56, "No published bands (higher: more trust)"),),
    cutoff=None,
    cutoff_label="",
    cutoff_source="No published clinical cut-off for the Dyadic Trust Scale was found.",
    reliable_change=None,
    reliable_change_note=(
        "No published reliable-change threshold was found for the Dyadic Trust Scale, so a change from baseline is "
        "shown but not classified (not classifiable)."
    ),
    source=DTS_SOURCE,
    licence=DTS_LICENCE,
    about=RELATIONSHIP,  # trust in the partner: a relationship measure, shown in couple-facing reports
)

BUILTIN: dict[str, Instrument] = {instrument.code: instrument for instrument in (PHQ9, GAD7, CSI4, CSI16, DTS)}
