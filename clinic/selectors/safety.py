"""Reads of the partners' suicide-risk screens and safety plans (clinic.models.SuicideScreen, SafetyPlan), for
the couple's safety page, the risk register, the API and the clinical PDFs. Callers have passed the couple's
access check (clinic.access.get_couple_for_user): these functions take the couple, never a raw id."""

from __future__ import annotations

from dataclasses import dataclass, field

from clinic.models import Couple, PartnerPosition, SafetyPlan, SuicideScreen


@dataclass
class PartnerSafety:
    position: str
    label: str
    plans: list[SafetyPlan] = field(default_factory=list)  # newest version first
    screens: list[SuicideScreen] = field(default_factory=list)  # newest first

    @property
    def plan(self) -> SafetyPlan | None:
        """The plan in force: the highest version."""
        return self.plans[0] if self.plans else None

    @property
    def screen(self) -> SuicideScreen | None:
        return self.screens[0] if self.screens else None

    @property
    def plan_version(self) -> int:
        return self.plan.number if self.plan else 0

    @property
    def screen_version(self) -> int:
        return self.screen.number if self.screen else 0


def safety_of(couple: Couple) -> list[PartnerSafety]:
    """Both partners' plans (every version) and screens, newest first. Two queries."""
    partners = {position: PartnerSafety(position, label) for position, label in PartnerPosition.choices}
    for plan in (SafetyPlan.objects.filter(couple=couple).select_related("made_by").order_by("partner", "-number")):
        partners[plan.partner].plans.append(plan)
    for screen in (SuicideScreen.objects.filter(couple=couple).select_related("recorded_by")
                   .order_by("partner", "-number")):
        partners[screen.partner].screens.append(screen)
    return list(partners.values())


def current_plan_of(couple: Couple, partner: str) -> SafetyPlan | None:
    return SafetyPlan.objects.filter(couple=couple, partner=partner).order_by("-number").first()


def has_safety_record(couple: Couple) -> bool:
    return SafetyPlan.objects.filter(couple=couple).exists() or SuicideScreen.objects.filter(couple=couple).exists()
