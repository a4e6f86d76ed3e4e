"""Print-layout checks on a rendered PDF, from the text boxes poppler finds (`pdftotext -bbox-layout`).

Three defects a reader sees on paper, checked on every page:

- overlapping text: two lines of text whose boxes intersect (one block printed over another);
- text in a side margin: a line that runs past the content area's left or right edge (a table wider than the page);
- a parted heading: a heading or caption (h1-h4, a table caption, a `.label` or `.caption` line) that is the
  last text in a page's content area, so what it introduces starts overleaf.

Headings are recognised by their text: the rendered HTML's heading elements are collected first, and a page whose
last one to three content lines read as one of them (whitespace aside) has a parted heading. The page margins
(running header and footer) are left out by their position.
"""

from __future__ import annotations

import html as html_lib
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

MM = 72 / 25.4
MARGIN_TOP = 22 * MM  # print.css @page margins
MARGIN_BOTTOM = 22 * MM
MARGIN_SIDE = 16 * MM
EDGE_TOLERANCE = 1.5  # points: glyph boxes may poke out of the content box by a hair
OVERLAP_TOLERANCE = 1.0  # points both ways: boxes that merely touch are not an overlap
# A <figcaption> is left out: ours follow their figure (inside the same unbreakable block), so one may end a page.
HEADING_TAGS = {"h1", "h2", "h3", "h4", "caption"}
HEADING_CLASSES = {"label", "caption", "objective-title"}


@dataclass(frozen=True)
class Line:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    lines: tuple[Line, ...]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(text)).strip()


def text_boxes(pdf: bytes) -> list[Page]:
    """Every page's lines of text with their boxes (points, origin top left)."""
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder, "r.pdf"), Path(folder, "r.html")
        source.write_bytes(pdf)
        subprocess.run(["pdftotext", "-bbox-layout", str(source), str(target)], check=True, capture_output=True)
        markup = target.read_text(encoding="utf-8")
    markup = re.sub(r"<!DOCTYPE[^>]*>", "", markup)
    root = ET.fromstring(markup)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    pages = []
    for number, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page"), start=1):
        lines = []
        for line in page.iterfind(".//x:line", ns):
            words = [word.text or "" for word in line.iterfind("x:word", ns)]
            lines.append(Line(number, float(line.get("xMin")), float(line.get("yMin")), float(line.get("xMax")),
                              float(line.get("yMax")), " ".join(words)))
        pages.append(Page(number, float(page.get("width")), float(page.get("height")), tuple(lines)))
    return pages


def content_lines(page: Page) -> list[Line]:
    """The lines inside the page's content area (not the running header and footer), top to bottom."""
    return sorted((line for line in page.lines
                   if line.y0 >= MARGIN_TOP - 2 and line.y1 <= page.height - MARGIN_BOTTOM + 2),
                  key=lambda line: (line.y1, line.x0))


def overlaps(pages: list[Page]) -> list[tuple[Line, Line]]:
    """Pairs of lines on one page whose boxes intersect by more than the tolerance both ways."""
    found = []
    for page in pages:
        lines = sorted(page.lines, key=lambda line: line.y0)
        for index, first in enumerate(lines):
            for second in lines[index + 1:]:
                if second.y0 >= first.y1 - OVERLAP_TOLERANCE:
                    break
                width = min(first.x1, second.x1) - max(first.x0, second.x0)
                height = min(first.y1, second.y1) - max(first.y0, second.y0)
                if width > OVERLAP_TOLERANCE and height > OVERLAP_TOLERANCE:
                    found.append((first, second))
    return found


class _Headings(HTMLParser):
    """The text of every heading-like element of the report's HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[list[str]] = []
        self.depth: list[int] = []
        self.level = 0
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "img", "meta", "link", "hr", "input"}:
            return
        self.level += 1
        classes = set((dict(attrs).get("class") or "").split())
        if tag in HEADING_TAGS or classes & HEADING_CLASSES:
            self.stack.append([])
            self.depth.append(self.level)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"br", "img", "meta", "link", "hr", "input"}:
            return
        if self.depth and self.depth[-1] == self.level:
            self.depth.pop()
            text = _norm("".join(self.stack.pop()))
            if text:
                self.found.append(text)
        self.level -= 1

    def handle_data(self, data: str) -> None:
        for parts in self.stack:
            parts.append(data)


def heading_texts(html: str) -> set[str]:
    parser = _Headings()
    parser.feed(html)
    return set(parser.found)


def parted_headings(pages: list[Page], headings: set[str]) -> list[tuple[int, str]]:
    """(page, heading) for each page but the last whose content ends with a heading or caption."""
    squeezed = {re.sub(r"\s+", "", heading): heading for heading in headings}
    found = []
    for page in pages[:-1]:
        lines = content_lines(page)
        for count in (1, 2, 3):
            tail = "".join(line.text for line in lines[-count:])
            tail = re.sub(r"\s+", "", tail)
            if tail in squeezed:
                found.append((page.number, squeezed[tail]))
                break
    return found


def beyond_margins(pages: list[Page]) -> list[Line]:
    """Content lines that run into the left or right page margin (a table wider than the page, say)."""
    return [line for page in pages for line in content_lines(page)
            if line.x0 < MARGIN_SIDE - EDGE_TOLERANCE or line.x1 > page.width - MARGIN_SIDE + EDGE_TOLERANCE]


def layout_problems(pdf: bytes, html: str) -> list[str]:
    """Readable descriptions of every overlap, parted heading and line in a side margin in `pdf` (rendered from
    `html`)."""
    pages = text_boxes(pdf)
    problems = [f"page {a.page}: {a.text!r} overlaps {b.text!r}" for a, b in overlaps(pages)]
    problems += [f"page {line.page}: {line.text!r} runs into the side margin ({line.x0:.0f}–{line.x1:.0f} pt)"
                 for line in beyond_margins(pages)]
    problems += [f"page {page}: {heading!r} ends the page" for page, heading in parted_headings(
        pages, heading_texts(html))]
    return problems
