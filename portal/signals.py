"""A staff sign-in on a browser that held a partner session drops the partner's keys: one browser is never
signed in as both (portal.session)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from portal.session import drop_portal_keys


@receiver(user_logged_in)
def on_staff_logged_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        drop_portal_keys(request.session)
