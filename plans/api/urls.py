"""The /api/v1/ areas of the plans app, in the order rapport.api_urls registers them."""

from plans.api import measures, plans, progress

AREAS = (plans, measures, progress)
