"""The supervisor's review queue in the main navigation (rapport/templates/base.html), with its count.

A template tag rather than a context processor: the project's context processor sits below the apps and may
not import notes (docs/architecture.md); a template names a tag library at render time, not at import.
"""

from __future__ import annotations

from typing import Any

from django import template

from notes.selectors.supervision import review_queue_badge

register = template.Library()


@register.inclusion_tag("notes/supervision/_nav_item.html", takes_context=True)
def review_queue_nav(context: Any) -> dict[str, Any]:
    user = context.get("user")
    return {"badge": review_queue_badge(user) if user is not None else None, "nav": context.get("nav")}
