"""reports.pdf: templates to tagged PDF, with a URL fetcher that serves only our static files."""

from __future__ import annotations

import datetime
import io
import logging
from unittest import mock

import pytest
from django.template import engines
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader

from reports import pdf
from tests.reports.pdf_support import pdf_pages, pdf_text


def _meta(**overrides):
    values = {"title": "Test report", "practice_name": "Harbour Couples Counselling", "generated_by": "Tess Therapist",
              "generated_at": timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 30)), "reference": "C-0001"}
    values.update(overrides)
    return pdf.ReportMeta(**values)


def _render_string(body: str, **context) -> bytes:
    """Render `body` inside the PDF base layout, as a report template would."""
    template = engines["django"].from_string('{% extends "reports/pdf/base.html" %}{% block content %}'
                                             + body + "{% endblock %}")
    return pdf.html_to_pdf(template.render({"meta": _meta(), **context}))


def test_static_path_mapping_accepts_only_our_origin_and_plain_paths():
    base = pdf.STATIC_PREFIX
    assert pdf._static_path_for(base + "reports/print.css") == "reports/print.css"
    for url in [base + "../settings.py", base + "reports/../../x", base + "/etc/passwd", base + "reports/print.css?x=1",
                base + "a\\b", "https://example.com/static/reports/print.css", "file:///etc/passwd",
                "data:text/css,body{}", base, base + "reports/%2e%2e/%2e%2e/x"]:
        assert pdf._static_path_for(url) is None, url


def test_fetcher_serves_our_stylesheet():
    fetcher = pdf.make_url_fetcher()
    response = fetcher.fetch(pdf.BASE_URL + "static/reports/print.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    assert fetcher.served == ["reports/print.css"]


@pytest.mark.parametrize("url", [
    "https://example.com/x.png",
    "http://127.0.0.1:8000/static/reports/print.css",
    "file:///etc/passwd",
    "file:///work/main/reports/static/reports/print.css",
    "data:image/png;base64,iVBORw0KGgo=",
    "ftp://example.com/x",
    pdf.BASE_URL + "static/../rapport/settings.py",
    pdf.BASE_URL + "static/reports/does-not-exist.css",
    pdf.BASE_URL + "media/upload.png",
])
def test_fetcher_refuses_everything_else(url):
    fetcher = pdf.make_url_fetcher()
    with mock.patch("urllib.request.OpenerDirector.open", side_effect=AssertionError("network used")), \
            pytest.raises(pdf.RefusedURL):
        fetcher.fetch(url)
    assert fetcher.served == []


def test_refusal_is_logged_without_query_string(caplog):
    fetcher = pdf.make_url_fetcher()
    with caplog.at_level(logging.WARNING, logger="reports.pdf"), pytest.raises(pdf.RefusedURL):
        fetcher.fetch("https://evil.example/track.png?who=Alex+Okafor&dob=1988-04-12#frag")
    assert "evil.example/track.png" in caplog.text
    assert "Okafor" not in caplog.text and "who=" not in caplog.text and "frag" not in caplog.text


def test_render_pdf_produces_a_tagged_pdf_with_margins_on_every_page():
    data = _render_string("{% for i in rows %}<p>Line {{ i }} of the body text.</p>{% endfor %}", rows=range(150))
    assert data.startswith(b"%PDF-1.7")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata.title.startswith("Test report")
    pages = pdf_pages(data)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Confidential · Generated 2 Mar 2026, 09:30 by Tess Therapist" in text
    assert "Harbour Couples Counselling" in pages[1]


def test_render_pdf_uses_our_stylesheet_through_the_fetcher():
    seen = []
    real = pdf.make_url_fetcher

    def spy():
        fetcher = real()
        seen.append(fetcher)
        return fetcher

    with mock.patch.object(pdf, "make_url_fetcher", spy):
        pdf.render_pdf("reports/pdf/base.html", {"meta": _meta()})
    assert seen[0].served == ["reports/print.css"] and seen[0].refused == []


def test_markup_in_the_page_cannot_fetch_anything(caplog):
    hostile = ('<img src="file:///etc/passwd"><img src="https://example.com/x.png?name=Alex">'
               '<link rel="stylesheet" href="https://example.com/evil.css">'
               '<div style="background: url(http://example.com/bg.png)">x</div>')
    fetcher = pdf.make_url_fetcher()
    with mock.patch("urllib.request.OpenerDirector.open", side_effect=AssertionError("network used")), \
            caplog.at_level(logging.INFO):
        pdf.html_to_pdf(
            pdf.render_html("reports/pdf/base.html", {"meta": _meta()}).replace("<main>", "<main>" + hostile),
            url_fetcher=fetcher)
    # Markup the template did not escape would be asked for, and refused: never fetched.
    assert set(fetcher.refused) >= {"file:/etc/passwd", "https://example.com/x.png", "https://example.com/evil.css",
                                    "http://example.com/bg.png"}
    assert fetcher.served == ["reports/print.css"]
    assert "name=Alex" not in caplog.text


def test_escaped_text_is_shown_and_long_words_wrap():
    long_word = "W" * 5000
    data = _render_string("<p class='text'>{{ hostile }}</p><p class='text'>{{ long_word }}</p>",
                          hostile='<img src="file:///etc/passwd"> <b>bold?</b>', long_word=long_word)
    text = pdf_text(data)
    assert '<img src="file:///etc/passwd">' in text and "<b>bold?</b>" in text
    assert "".join(text.split()).count("W") == 5000
    # Wrapped: the word fills many lines, none wider than the page allows.
    lines = [line for page in PdfReader(io.BytesIO(data)).pages for line in page.extract_text().splitlines()
             if set(line.strip()) == {"W"}]
    assert len(lines) > 20
    assert max(len(line.strip()) for line in lines) < 200


def test_weasyprint_log_lines_lose_query_strings_and_keep_the_rest():
    record = logging.LogRecord("weasyprint", logging.ERROR, __file__, 1, "Failed to load image at %r: %s",
                               ("https://example.com/x.png?who=Alex#f", "RefusedURL: refused"), None)
    assert pdf._RedactURLs().filter(record)
    assert record.getMessage() == "Failed to load image at 'https://example.com/x.png': RefusedURL: refused"


def test_the_stylesheet_is_found_with_the_production_static_storage():
    """Production stores static files under hashed names (collectstatic manifest); the PDF layout must not
    depend on that manifest: the fetcher reads the source file through the finders."""
    production_storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    fetchers = []
    real = pdf.make_url_fetcher

    def spy():
        fetchers.append(real())
        return fetchers[-1]

    with override_settings(STORAGES=production_storages, DEBUG=False), mock.patch.object(pdf, "make_url_fetcher", spy):
        data = pdf.render_pdf("reports/pdf/base.html", {"meta": _meta()})
    assert data.startswith(b"%PDF") and fetchers[0].served == ["reports/print.css"]


def test_charts_become_images_served_from_memory_with_their_title_as_alt_text():
    from plans import charts

    chart = charts.render(charts.Chart(
        title='Objective 1: "><img src="http://example.com/x.png">', description="Two values, baseline 10.",
        y_label="per week", y_min=0, y_max=10, series=(charts.Series("Recorded values", [
            (datetime.date(2026, 1, 5), 8.0), (datetime.date(2026, 1, 12), 6.0)], "objective"),),
        reference_lines=(charts.ReferenceLine("Baseline", 10, "baseline"),),
    ))
    html, found = pdf.extract_charts(f"<p>before</p><div>{chart}</div><p>after</p>")
    assert list(found) == ["1.svg"] and found["1.svg"] == str(chart).encode()
    assert "<svg" not in html and '<img class="chart" src="chart/1.svg"' in html
    assert 'alt="Objective 1: &quot;&gt;&lt;img src=&quot;http://example.com/x.png&quot;&gt;. Two values' in html

    fetcher = pdf.make_url_fetcher()
    data = pdf.html_to_pdf(pdf.render_html("reports/pdf/base.html", {"meta": _meta()}).replace(
        "<main>", f"<main><div class='figure'>{chart}</div>"), url_fetcher=fetcher)
    assert fetcher.charts_served == ["1.svg"] and fetcher.refused == []
    assert "Baseline (10)" in pdf_text(data)  # the chart's own text is in the PDF


def test_chart_urls_are_served_only_for_charts_of_this_rendering():
    fetcher = pdf.make_url_fetcher()
    fetcher.charts["1.svg"] = b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    assert fetcher.fetch(pdf.CHART_PREFIX + "1.svg").read().startswith(b"<svg")
    for url in (pdf.CHART_PREFIX + "2.svg", pdf.CHART_PREFIX + "../static/reports/print.css",
                pdf.CHART_PREFIX + "1.svg?x=1"):
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)
