"""The /api/v1/ areas of the notes app, in the order rapport.api_urls registers them."""

from notes.api import notes, sessions, supervision

AREAS = (sessions, notes, supervision)
