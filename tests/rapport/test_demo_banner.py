"""The demo banner sits inside a landmark (axe "region": all content in landmarks), on staff and portal pages:
a region named "Demo notice"."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

LANDMARK_TAGS = {"header", "nav", "main", "footer", "aside"}
LANDMARK_ROLES = {"banner", "navigation", "main", "contentinfo", "complementary", "region", "search", "form"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class BannerFinder(HTMLParser):
    """The demo banner's own element and its ancestors, as (tag, attributes), outermost first."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.found: list[tuple[str, dict]] | None = None

    def handle_starttag(self, tag, attrs):
        element = (tag, dict(attrs))
        if "demo-banner" in (element[1].get("class") or "").split() and self.found is None:
            self.found = [*self.stack, element]
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break


def is_landmark(tag: str, attrs: dict) -> bool:
    role = attrs.get("role")
    if role:
        return role in LANDMARK_ROLES and (role not in ("region", "form") or bool(attrs.get("aria-label")
                                                                                  or attrs.get("aria-labelledby")))
    return tag in LANDMARK_TAGS


@pytest.mark.parametrize("url_name", ["clinic:login", "portal:login"])
def test_the_demo_banner_is_inside_a_landmark(client, url_name):
    with override_settings(DEMO_MODE=True):
        body = client.get(reverse(url_name)).content.decode()
    finder = BannerFinder()
    finder.feed(body)
    assert finder.found, "no demo banner"
    assert any(is_landmark(tag, attrs) for tag, attrs in finder.found), finder.found
    with override_settings(DEMO_MODE=False):
        assert "demo-banner" not in client.get(reverse(url_name)).content.decode()
