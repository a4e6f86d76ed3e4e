"""The /api/v1/ areas of the practice core, in the order rapport.api_urls registers them."""

from clinic.api import clients, couples, risks, safety, tokens

AREAS = (couples, risks, safety, clients, tokens)
