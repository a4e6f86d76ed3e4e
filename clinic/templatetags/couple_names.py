"""`{% couple_label names couple_id reference %}`: a couple's reference with its name beside it,
"C-2026-0016 · Amara & Ben", where `names` is the {couple id: name} of clinic.selectors.names (decrypted once
per page by the view or its selector). With no name for that couple (a practice manager's page passes none),
the reference alone.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from clinic.selectors.names import display_name

register = template.Library()


@register.simple_tag
def couple_label(names: Any, couple_id: Any, reference: str) -> str:
    name = names.get(couple_id, "") if names else ""
    if not name:
        return format_html("{}", reference)
    return format_html('{} <span class="couple-name">· {}</span>', reference, name)


@register.filter
def couple_name(names: Any, couple_id: Any) -> str:
    """The couple's name alone ("Amara & Ben"), or "" if the page has none for it."""
    return names.get(couple_id, "") if names else ""


@register.filter
def name_of_couple(couple: Any) -> str:
    """ "Amara & Ben" for a couple fetched through clinic.access.get_couple_for_user (partners and clients already
    prefetched: no query); "" if they were not prefetched, so a page never loads them one by one."""
    if "partners" not in getattr(couple, "_prefetched_objects_cache", {}):
        return ""
    return display_name(p.client for p in sorted(couple.partners.all(), key=lambda p: p.position))
