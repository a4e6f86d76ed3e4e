"""The practice's service-code table, for its administrator: see it, add, change and remove rows."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from clinic.access import admin_required
from notes.forms.service_codes import ServiceCodeRuleForm
from notes.models import ServiceCodeRule
from notes.selectors.service_codes import rules_table, stored_rules
from notes.services import service_codes as services
from rapport.forms import add_service_errors, error_summary

LIST = "notes:service-codes"


def _rule_of(request: HttpRequest, pk: Any) -> ServiceCodeRule:
    """A row of the administrator's own practice; 404 for any other."""
    rule = stored_rules(request.user.practice_id).filter(pk=pk).select_related("practice").first()
    if rule is None:
        raise Http404
    return rule


def _page(request: HttpRequest, form: ServiceCodeRuleForm, *, status: int = 200) -> HttpResponse:
    rows, defaults = rules_table(request.user.practice_id)
    return render(request, "notes/service_codes/list.html", {
        "nav": "users", "rows": rows, "defaults": defaults, "form": form, "errors": error_summary(form),
    }, status=status)


@require_http_methods(["GET"])
@admin_required
def service_code_list(request: HttpRequest) -> HttpResponse:
    return _page(request, ServiceCodeRuleForm())


def _saved(form: ServiceCodeRuleForm, write: Callable[..., Any]) -> bool:
    """Validate the form and call the service with its data; service errors go onto the form."""
    if not form.is_valid():
        return False
    try:
        write(**form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    return True


@require_POST
@admin_required
def service_code_add(request: HttpRequest) -> HttpResponse:
    """Add a row; on an error the page comes back (400) with the form as typed and the message."""
    form = ServiceCodeRuleForm(request.POST)
    if _saved(form, partial(services.service_code_rule_add, practice=request.user.practice, by=request.user)):
        messages.success(request, f"Code {form.cleaned_data['code'].strip().upper()} added.")
        return redirect(LIST)
    return _page(request, form, status=400)


@require_POST
@admin_required
def service_code_adopt(request: HttpRequest) -> HttpResponse:
    """Save the defaults as the practice's own table, so that each row can be changed or removed."""
    services.service_code_rules_adopt_defaults(practice=request.user.practice, by=request.user)
    messages.success(request, "The default codes are now your practice's table: change or remove any row.")
    return redirect(LIST)


@require_http_methods(["GET", "POST"])
@admin_required
def service_code_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    rule = _rule_of(request, pk)
    form = ServiceCodeRuleForm(request.POST if request.method == "POST" else None, initial={
        "kind": rule.kind, "min_minutes": rule.min_minutes, "max_minutes": rule.max_minutes, "code": rule.code})
    if form.is_bound and _saved(form, partial(services.service_code_rule_update, rule=rule, by=request.user)):
        messages.success(request, "Service code row saved.")
        return redirect(LIST)
    return render(request, "notes/service_codes/edit.html", {
        "nav": "users", "rule": rule, "form": form, "errors": error_summary(form),
    }, status=400 if form.is_bound else 200)


@require_POST
@admin_required
def service_code_remove(request: HttpRequest, pk: Any) -> HttpResponse:
    rule = _rule_of(request, pk)
    try:
        services.service_code_rule_remove(rule=rule, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _page(request, ServiceCodeRuleForm(), status=400)
    messages.success(request, f"Code {rule.code} removed.")
    return redirect(LIST)
