"""Reading generated PDFs back in tests."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, pages joined, whitespace collapsed (so wrapped lines still match)."""
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def pdf_pages(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def squash(text: str) -> str:
    """Text without any whitespace: for long words that wrap anywhere."""
    return re.sub(r"\s+", "", text)
