"""HTML -> PDF with WeasyPrint, fetching nothing but our own static files.

Every report goes through `render_pdf(template_name, context)` with a template extending
"reports/pdf/base.html". Templates name static files by a relative URL, `static/<path as the staticfiles finders
know it>` (e.g. `static/reports/print.css`), never with `{% static %}`: in production that tag gives a hashed
name from the collectstatic manifest, which the finders do not know. Relative URLs resolve against `BASE_URL`, an
origin under the reserved `.invalid` top-level domain that no resolver answers. `SafeURLFetcher` maps
`BASE_URL + "static/" + path` to the file the staticfiles finders find for `path`, read from disk, serves the
charts of the page being rendered from memory (`extract_charts`: the SVGs we drew ourselves), and refuses
every other URL (http(s) elsewhere, `file:`, `data:`, ftp, unknown schemes, path traversal, query strings):
nothing leaves the machine, nothing outside our static folders is read. Refusals are logged without the URL's
query string or fragment, and WeasyPrint's own messages about failed loads are redacted the same way, because a
hostile URL in a note may carry data in its query.

The PDF is tagged (PDF/UA-1 variant: structure tags, document language, title metadata).
"""

from __future__ import annotations

import datetime
import logging
import mimetypes
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone

logger = logging.getLogger(__name__)

BASE_URL = "https://rapport-pdf.invalid/"
STATIC_PREFIX = BASE_URL + "static/"
CHART_PREFIX = BASE_URL + "chart/"
PDF_VARIANT = "pdf/ua-1"


class RefusedURL(ValueError):
    """A URL the report renderer will not fetch."""


def _redact(url: str) -> str:
    """The URL without query string, fragment or user info, shortened: safe to log."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.scheme == "data":
        return "data:…"
    host = parts.hostname or ""
    shown = f"{parts.scheme}://{host}{parts.path}" if parts.netloc else f"{parts.scheme}:{parts.path}"
    return shown[:200]


def _static_path_for(url: str) -> str | None:
    """The static file path (relative, as the finders expect) that `url` names, or None if it names none."""
    if not url.startswith(STATIC_PREFIX):
        return None
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return None
    relative = unquote(url[len(STATIC_PREFIX):])
    normalised = posixpath.normpath(relative)
    if (not relative or normalised != relative or normalised.startswith(("/", "../")) or normalised == ".."
            or "\\" in relative or "\x00" in relative):
        return None
    return normalised


def _weasyprint():
    # Imported lazily: WeasyPrint loads Pango and fonts, which pages that never render a PDF need not pay for.
    _quiet_progress_log()
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    return weasyprint, URLFetcher, URLFetcherResponse


def make_url_fetcher():
    """A WeasyPrint URL fetcher that serves our static files, and the charts of this rendering (see
    `extract_charts`) from memory, and refuses everything else (see module doc)."""
    _, URLFetcher, URLFetcherResponse = _weasyprint()

    class SafeURLFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("https",), allow_redirects=False, fail_on_errors=False)
            self.charts: dict[str, bytes] = {}
            self.served: list[str] = []
            self.charts_served: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url: str, headers: dict | None = None):
            chart = url[len(CHART_PREFIX):] if url.startswith(CHART_PREFIX) else None
            if chart is not None and chart in self.charts:
                self.charts_served.append(chart)
                return URLFetcherResponse(url, self.charts[chart], {"Content-Type": "image/svg+xml"})
            relative = _static_path_for(url)
            found = finders.find(relative) if relative else None
            if not found:
                shown = _redact(url)
                self.refused.append(shown)
                logger.warning("PDF renderer refused to fetch %s", shown)
                raise RefusedURL(f"refused: {shown}")
            path = Path(found)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self.served.append(relative)
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return SafeURLFetcher()


_URL_IN_TEXT = re.compile(r"\b((?:[a-zA-Z][a-zA-Z0-9+.-]*://|data:|file:)[^\s'\"]*)")


class _RedactURLs(logging.Filter):
    """Rewrites WeasyPrint's log records so no URL in them keeps its query string or fragment."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record must not break rendering
            return False
        record.msg = _URL_IN_TEXT.sub(lambda match: _redact(match.group(1)), message)
        record.args = None
        return True


_weasyprint_filter = _RedactURLs()


def _install_log_filter() -> None:
    wp_logger = logging.getLogger("weasyprint")
    if _weasyprint_filter not in wp_logger.filters:
        wp_logger.addFilter(_weasyprint_filter)


def _quiet_progress_log() -> None:
    progress_logger = logging.getLogger("weasyprint.progress")
    if progress_logger.level == logging.NOTSET:
        progress_logger.setLevel(logging.WARNING)  # one INFO line per page would flood the worker's log


_INLINE_SVG = re.compile(r"<svg\b[^>]*>.*?</svg>", re.S)
_SVG_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title>", re.S)
_SVG_DESC = re.compile(r"<desc\b[^>]*>(.*?)</desc>", re.S)


def extract_charts(html: str) -> tuple[str, dict[str, bytes]]:
    """Each inline SVG chart (plans.charts output: the same SVG as the couple page) becomes an <img> of a
    chart URL that the fetcher serves from memory, with the chart's title and description as its alt text.

    Why: WeasyPrint cascades the page's CSS over every element of an inline SVG (hundreds per chart), but
    draws an SVG image without that; the PDF looks the same and renders markedly faster. Only markup our own
    code produced can start with "<svg": text from the record is escaped before it reaches the HTML.
    """
    charts: dict[str, bytes] = {}

    def to_image(match: re.Match) -> str:
        svg = match.group(0)
        name = f"{len(charts) + 1}.svg"
        charts[name] = svg.encode()
        title, desc = _SVG_TITLE.search(svg), _SVG_DESC.search(svg)
        # Both were escaped when the chart was drawn: safe inside a quoted attribute.
        alt = ". ".join(part.group(1).strip() for part in (title, desc) if part and part.group(1).strip())
        return f'<img class="chart" src="chart/{name}" alt="{alt or "Chart"}">'

    return _INLINE_SVG.sub(to_image, html), charts


def html_to_pdf(html: str, *, url_fetcher=None) -> bytes:
    """WeasyPrint alone: `html` (already rendered) to tagged PDF bytes, through the safe fetcher."""
    weasyprint, _, _ = _weasyprint()
    _install_log_filter()
    html, charts = extract_charts(html)
    fetcher = url_fetcher or make_url_fetcher()
    fetcher.charts.update(charts)
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    return document.write_pdf(pdf_variant=PDF_VARIANT)


def render_html(template_name: str, context: dict[str, Any]) -> str:
    """The report's HTML, as WeasyPrint will see it."""
    return render_to_string(template_name, context)


# Paper sizes a report prints on: the setting's value -> the CSS @page size (reports/pdf/base.html).
PAPER_SIZES = {"A4": "A4", "Letter": "letter"}
DEFAULT_PAPER_SIZE = "A4"


def paper_size_of(practice: Any) -> str:
    """The practice's paper size ("A4" or "Letter"): its `paper_size` setting where it has one, else A4."""
    size = str(getattr(practice, "paper_size", "") or "")
    for known in PAPER_SIZES:
        if size.lower() == known.lower():
            return known
    return DEFAULT_PAPER_SIZE


def render_pdf(template_name: str, context: dict[str, Any], *, paper_size: str | None = None) -> bytes:
    """Render a report template (which should extend "reports/pdf/base.html") to PDF bytes.

    `context` holds plain data only (a builder's frozen dataclass, strings, dates): templates never query.
    The page size comes from one place, the template variable `paper_size` ("A4" or "Letter"): `paper_size`
    here, else the report's `meta.paper_size` (the practice's setting), else A4.
    """
    meta = context.get("meta")
    chosen = paper_size or getattr(meta, "paper_size", "") or DEFAULT_PAPER_SIZE
    if chosen not in PAPER_SIZES:
        raise ValueError(f"paper_size is one of {', '.join(PAPER_SIZES)}.")
    return html_to_pdf(render_html(template_name, {**context, "paper_size": chosen,
                                                   "page_size_css": PAPER_SIZES[chosen]}))


@dataclass(frozen=True)
class ReportMeta:
    """What every page of a report prints in its margins and letterhead (see reports/pdf/base.html)."""

    title: str
    practice_name: str
    generated_by: str
    generated_at: datetime.datetime
    reference: str = ""  # the couple's case number, or "" for practice reports
    couple_name: str = ""  # "Amara & Ben" beside the reference: clinical-audience couple reports only
    subtitle: str = ""  # e.g. the period
    confidential: str = "Confidential"
    audience: str = ""  # who the report is for, on the cover: "For the couple"
    practice_address: tuple[str, ...] = ()  # letterhead lines
    practice_contact: str = ""  # "(207) 555-0142 · office@example.org"
    signer_name: str = ""  # the signature block: the clinician generating the report, with credentials
    signer_licence: str = ""
    paper_size: str = DEFAULT_PAPER_SIZE


def report_meta(*, title: str, user, practice_name: str = "", reference: str = "", subtitle: str = "",
                audience: str = "", practice: Any = None, couple_name: str = "") -> ReportMeta:
    """The margin, letterhead and signature data for a report `user` is generating now. With `practice`, its
    name, address, contact lines and paper size."""
    address: tuple[str, ...] = ()
    contact = ""
    paper_size = DEFAULT_PAPER_SIZE
    if practice is not None:
        practice_name = practice_name or practice.name
        address = tuple(line.strip() for line in (practice.address or "").splitlines() if line.strip())
        contact = " · ".join(part for part in (practice.phone, practice.email) if part)
        paper_size = paper_size_of(practice)
    return ReportMeta(
        title=title, practice_name=practice_name, generated_by=user.display_name,
        generated_at=timezone.localtime(), reference=reference, couple_name=couple_name, subtitle=subtitle,
        audience=audience, practice_address=address, practice_contact=contact, signer_name=user.display_name,
        signer_licence=getattr(user, "licence_number", "") or "", paper_size=paper_size,
    )
