"""The therapist's side of the portal, one page per couple ("Partner portal" on the couple's page): invite
each partner, see the invitation link, revoke access, choose what is shared, send a questionnaire now.
Clinicians who may change the couple (clinic.access, write=True); the page reads no clinical text."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from clinic.access import clinician_required, get_couple_for_user
from clinic.models import PartnerPosition
from plans.selectors.instruments import instruments_for
from portal.forms.portal import InviteForm, SendMeasureForm, SharingForm
from portal.models import AccountStatus
from portal.selectors.partner import accounts_of_couple, answered_today, open_requests, portal_open
from portal.services import accounts, entries
from rapport.forms import SummaryItem, add_service_errors, error_summary

INVITATION_SESSION_KEY = "portal_invitation_shown"


def _page(request: HttpRequest, couple: Any, *, status: int = 200, **extra: Any) -> HttpResponse:
    by_position = accounts_of_couple(couple)
    instruments = instruments_for(couple.practice_id)
    partners = []
    for position, label in PartnerPosition.choices:
        account = by_position.get(position)
        live = account is not None and account.status != AccountStatus.REVOKED
        partners.append({
            "position": position, "label": label, "account": account, "live": live,
            "invite_form": extra.get(f"invite_{position}") or InviteForm(prefix=f"invite_{position}"),
            "sharing_form": SharingForm(prefix=f"sharing_{position}", initial={
                "share_charts": account.share_charts, "share_goals": account.share_goals}) if live else None,
            "send_form": SendMeasureForm(instruments=instruments, prefix=f"send_{position}")
            if account is not None and account.status == AccountStatus.ACTIVE else None,
            "requests": [(r, instruments.get(r.instrument)) for r in open_requests(account)]
            if account is not None else [],
        })
    invitation = request.session.pop(INVITATION_SESSION_KEY, None)
    if invitation and invitation.get("expires"):  # an aware datetime, for the date filter (practice style)
        invitation["expires"] = datetime.datetime.fromisoformat(invitation["expires"])
    return render(request, "portal/staff/couple.html", {
        "couple": couple, "partners": partners, "invitation": invitation, "open": portal_open(couple),
        "errors": extra.get("errors", []), "instruments": instruments, "nav": "couples",
    }, status=status)


@require_GET
@clinician_required
def couple_portal(request: HttpRequest, pk: Any) -> HttpResponse:
    return _page(request, get_couple_for_user(request.user, pk, write=True))


@require_POST
@clinician_required
def invite(request: HttpRequest, pk: Any) -> HttpResponse:
    couple = get_couple_for_user(request.user, pk, write=True)
    position = request.POST.get("position", "")
    if position not in PartnerPosition.values:
        return _page(request, couple, status=400, errors=[SummaryItem("", "Choose partner A or partner B.")])
    form = InviteForm(request.POST, prefix=f"invite_{position}")
    if form.is_valid():
        try:
            invitation = accounts.portal_invite(couple=couple, position=position, email=form.cleaned_data["email"],
                                                by=request.user, base_url=request.build_absolute_uri("/"))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Shown once, on the next page: the link also works when read out or sent another way.
            request.session[INVITATION_SESSION_KEY] = {
                "position": position, "url": invitation.url, "emailed": invitation.emailed,
                "expires": invitation.expires_at.isoformat(),
            }
            return redirect("portal:couple", pk=couple.pk)
    return _page(request, couple, status=400, errors=error_summary(form), **{f"invite_{position}": form})


def _account(couple: Any, account_pk: Any):
    account = accounts_of_couple(couple)
    match = next((a for a in account.values() if str(a.pk) == str(account_pk)), None)
    if match is None:
        raise Http404("No such account.")
    return match


@require_POST
@clinician_required
def revoke(request: HttpRequest, pk: Any, account_pk: Any) -> HttpResponse:
    couple = get_couple_for_user(request.user, pk, write=True)
    account = _account(couple, account_pk)
    if account.status != AccountStatus.REVOKED:
        accounts.portal_revoke(account=account, by=request.user)
    messages.success(request, f"{PartnerPosition(account.position).label}'s portal access is revoked.")
    return redirect("portal:couple", pk=couple.pk)


@require_POST
@clinician_required
def sharing(request: HttpRequest, pk: Any, account_pk: Any) -> HttpResponse:
    couple = get_couple_for_user(request.user, pk, write=True)
    account = _account(couple, account_pk)
    form = SharingForm(request.POST, prefix=f"sharing_{account.position}")
    form.is_valid()  # two checkboxes: always valid
    accounts.portal_sharing_set(account=account, by=request.user, share_charts=form.cleaned_data["share_charts"],
                                share_goals=form.cleaned_data["share_goals"])
    messages.success(request, "Sharing saved.")
    return redirect("portal:couple", pk=couple.pk)


@require_POST
@clinician_required
def send_measure(request: HttpRequest, pk: Any, account_pk: Any) -> HttpResponse:
    couple = get_couple_for_user(request.user, pk, write=True)
    account = _account(couple, account_pk)
    instruments = instruments_for(couple.practice_id)
    form = SendMeasureForm(request.POST, instruments=instruments, prefix=f"send_{account.position}")
    if account.status != AccountStatus.ACTIVE:
        form.add_error(None, "This partner has no active portal account.")
    if form.is_valid():
        try:
            instrument = instruments[form.cleaned_data["instrument"]]
            entries.measure_request_send(account=account, instrument=instrument, by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Sent to {PartnerPosition(account.position).label}: it shows in their "
                                      "portal until they answer it.")
            if answered_today(account, instrument.code):  # a notice, not a block: they may answer again
                messages.info(request, f"{PartnerPosition(account.position).label} already answered the "
                                       f"{instrument.short_name} today; a second answer today is kept as well.")
            return redirect("portal:couple", pk=couple.pk)
    return _page(request, couple, status=400, errors=error_summary(form))
