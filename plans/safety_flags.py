"""Safety flags on trust-issue library items, as data: which items of a plan call for a coercive-control
assessment, and which interventions need caution when an IPV concern is recorded. Keyed by the library
item's slug (plans.library_data), so a practice's copy of the item and every plan item built from it keep
the flag.

- Checking a partner's phone, restricting contact or time with others, and "boundaries" set by one partner
  over the other's friends can be coercive control rather than anxious trust (Stark 2007, Coercive Control;
  Dutton & Goodman 2005, Sex Roles 52:743-756): assess who sets the rules, fear, isolation and
  monitoring with each partner alone before treating it as a trust issue.
- Forgiveness work (Gordon, Baucom & Snyder 2004, J Marital Fam Ther 30:213-231) and attachment-injury repair
  (Johnson, Makinen & Millikin 2001, J Marital Fam Ther 27:145-155) ask the hurt partner to soften towards
  the other; both are contraindicated while there is violence or fear, where they can reinforce it.
- Both also assume the affair has ended: the affair-recovery treatment of Gordon, Baucom & Snyder 2004 (and
  Snyder, Baucom & Gordon 2007, Getting Past the Affair) treats the impact of an affair the participating
  partner has ended, and an attachment injury can be repaired only once the injuring partner is again
  available to the hurt one. While the clinician records the affair as ongoing (clinic.services.affair),
  plans holding either item warn (AFFAIR_CAUTION).
"""

from __future__ import annotations

COERCIVE_CONTROL = "coercive_control"
IPV_CAUTION = "ipv_caution"
AFFAIR_CAUTION = "affair_caution"

SAFETY_FLAGS: dict[str, str] = {
    "sign-checking-reassurance": COERCIVE_CONTROL,      # checking the partner's phone, messages, whereabouts
    "sign-time-apart-tension": COERCIVE_CONTROL,        # friends, evenings out: restricting contact
    "intervention-agreeing-boundaries": COERCIVE_CONTROL,  # boundaries with others
    "intervention-reducing-checking": COERCIVE_CONTROL,
    "intervention-forgiveness-work": IPV_CAUTION,
    "intervention-attachment-injury-repair": IPV_CAUTION,
}

# Interventions that assume an affair has ended (a second flag on items that also carry IPV_CAUTION).
AFFAIR_MUST_HAVE_ENDED: frozenset[str] = frozenset({
    "intervention-forgiveness-work",
    "intervention-attachment-injury-repair",
})

COERCIVE_CONTROL_PROMPT = (
    "This plan targets checking a partner's phone, restricting contact or boundaries with others. Before "
    "treating it as a trust issue, assess coercive control with each partner alone: who sets the rules, "
    "monitoring, isolation from friends or family, fear of the other's reaction (Stark 2007; Dutton & "
    "Goodman 2005)."
)
IPV_CAUTION_WARNING = (
    "An IPV concern or a positive IPV screen is recorded for this couple. Forgiveness work (Gordon, Baucom & "
    "Snyder 2004) and attachment-injury repair (Johnson, Makinen & Millikin 2001) are contraindicated while "
    "there is violence or fear: hold them until safety has been assessed."
)
AFFAIR_CAUTION_WARNING = (
    "The affair is recorded as ongoing. Forgiveness work (Gordon, Baucom & Snyder 2004; Snyder, Baucom & "
    "Gordon 2007) and attachment-injury repair (Johnson, Makinen & Millikin 2001) assume the affair has ended: "
    "treating its impact needs the affair to be over. Address whether it will end first."
)
