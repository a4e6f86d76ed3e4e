"""Hostile text in a couple's record: the PDFs still render, show it as text, fetch nothing, and wrap."""

from __future__ import annotations

import datetime
import io
import socket
from unittest import mock

import pytest
from pypdf import PdfReader

from reports import pdf
from reports.rendering.couple import discharge_summary_pdf, progress_report_pdf
from tests.reports import couple_data as data
from tests.reports.pdf_support import pdf_text, squash

HOSTILE_URLS = (
    "file:///etc/passwd", "http://example.com/x.png", "https://example.com/evil.css",
    "http://example.com/bg.png", "http://example.com/font.woff",
)
HOSTILE = (
    '<img src="file:///etc/passwd"> <img src="http://example.com/x.png"> '
    '<link rel=stylesheet href="https://example.com/evil.css"> '
    "<style>body { background: url(http://example.com/bg.png) } "
    "@font-face { font-family: x; src: url(http://example.com/font.woff) }</style> "
    '<script>alert("x")</script> <b>not bold</b> &amp; </p></div></body>'
)
CSS_TEXT = "@page { size: A7; } body { display: none } .text { color: white }"
LONG_WORD = "Z" * 5000
MANY_LINES = "\n".join(f"line{n}" for n in range(2500))


@pytest.fixture
def spy_fetchers():
    """Every URL fetcher the renderer makes, and a network that raises if anything tries to use it."""
    made = []
    real = pdf.make_url_fetcher

    def spy():
        fetcher = real()
        made.append(fetcher)
        return fetcher

    def no_network(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    with mock.patch.object(pdf, "make_url_fetcher", spy), \
            mock.patch.object(socket.socket, "connect", no_network), \
            mock.patch.object(socket, "create_connection", no_network), \
            mock.patch("urllib.request.OpenerDirector.open", no_network):
        yield made


def _assert_fetched_nothing_but_our_stylesheet(fetchers):
    assert len(fetchers) == 1
    assert fetchers[0].served == ["reports/print.css"]
    assert fetchers[0].refused == []  # the hostile URLs were text: never even asked for


def _hostile_record(couple, therapist):
    couple.confidentiality = "no_secrets"
    couple.presenting_concerns = HOSTILE
    couple.save()
    partner = couple.partner_a.client
    partner.preferred_name = '<img src="http://example.com/name.png">'
    partner.save()
    day = datetime.date(2026, 1, 12)
    note = data.note(data.session(couple, therapist, day), template="soap", content={
        "subjective": "s", "objective": "o", "assessment": HOSTILE + " " + CSS_TEXT + " " + LONG_WORD,
        "plan": MANY_LINES,
    })
    data.addendum(note, HOSTILE)
    plan = data.plan(couple, therapist, signed=datetime.date(2025, 12, 1), titles={0: HOSTILE})
    objective = plan.problems.get().goals.get().objectives.get()
    objective.text = LONG_WORD
    objective.metric = CSS_TEXT
    objective.save()
    data.progress(objective, [(datetime.date(2026, 1, 5), "4")])
    data.administer(couple, therapist, "phq9", "a", 12, day)


def test_hostile_note_text_renders_as_text_and_fetches_nothing(cast, spy_fetchers):
    _hostile_record(cast.couple, cast.therapist)
    content = progress_report_pdf(couple=cast.couple, user=cast.therapist, period_start=datetime.date(2026, 1, 1),
                                  period_end=datetime.date(2026, 1, 31))
    _assert_fetched_nothing_but_our_stylesheet(spy_fetchers)
    text = pdf_text(content)
    flat = squash(text)
    # Shown as the text it is: markup, CSS and URLs are printed, not obeyed
    assert '<img src="file:///etc/passwd">' in text
    assert '<link rel=stylesheet href="https://example.com/evil.css">' in text
    assert '<script>alert("x")</script> <b>not bold</b> &amp; </p></div></body>' in text
    assert squash(CSS_TEXT) in flat
    # The page size and visibility the note's "CSS" asked for did not apply
    reader = PdfReader(io.BytesIO(content))
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4, not A7
    assert "Session notes in this period" in text
    # The 5,000-character word wraps over many lines instead of running off the page
    assert flat.count("Z") == 2 * 5000  # the note and the objective (the word may cross a page break)
    wrapped = [line for page in reader.pages for line in page.extract_text().splitlines()
               if line.strip() and set(line.strip()) == {"Z"}]
    assert len(wrapped) > 40 and max(len(line.strip()) for line in wrapped) < 150
    # Thousands of lines: every one of them is there, over many pages
    assert "line0" in text and "line1250" in text and "line2499" in text
    assert len(reader.pages) > 15


def test_hostile_text_in_the_discharge_summary_fetches_nothing(cast, spy_fetchers):
    from clinic.services.couples import couple_update

    _hostile_record(cast.couple, cast.therapist)
    couple_update(couple=cast.couple, by=cast.therapist, status="discharged", end_date=datetime.date(2026, 1, 31),
                  discharge={"discharge_reason": "other", "discharge_reason_detail": HOSTILE,
                             "status_at_discharge": HOSTILE, "aftercare": CSS_TEXT,
                             "recommendations": "\n".join(f"rec{i}" for i in range(2000))})
    content = discharge_summary_pdf(couple=cast.couple, user=cast.therapist)
    _assert_fetched_nothing_but_our_stylesheet(spy_fetchers)
    text = pdf_text(content)
    assert '<img src="file:///etc/passwd">' in text  # presenting concerns, problem title
    assert "rec0" in text and "rec1999" in text  # the recommendations recorded at discharge, every line
    assert squash(text).count("Z") >= 5000


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_the_fetcher_refuses_the_hostile_urls_if_it_were_asked(url):
    fetcher = pdf.make_url_fetcher()
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch(url)
    assert fetcher.served == []
