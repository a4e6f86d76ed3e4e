"""SQL queries per request of the benchmarked pages (bench/pages.py), counted in-process with Django's test Client.

Run by bench/scale_bench.py as `python -m bench.queries --targets JSON --out FILE` with one data set's
environment (bench/scale_env.py). Each page is requested once to warm the process (data-key cache, content
types), then counted on the next requests; the count most repeats agree on must be the same at every data-set
size (the audit trail's periodic checkpoint adds a query to one request in 50, whichever it falls on).
Writes {name: {"queries": n, "repeats": [...], "status": code, "rows": rows on an API page}}.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.dataset import bench_partner, bench_therapist, partner_session, verified_session  # noqa: E402

REPEATS = 5


def count_queries(client: Client, path: str) -> dict:
    client.get(path)
    counts, status, body = [], 0, b""
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        counts.append(len(captured.captured_queries))
        status, body = response.status_code, response.content
    # The count most repeats agree on: the audit trail's checkpoint (audit.checkpoint) adds a query to one event in
    # RAPPORT_AUDIT_CHECKPOINT_EVERY, whichever request that falls on; every count is kept in "repeats".
    queries = max(set(counts), key=lambda n: (counts.count(n), n))
    result = {"queries": queries, "repeats": counts, "status": status}
    if response.get("Content-Type", "").startswith("application/json"):
        result["rows"] = len(json.loads(body).get("results", []))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", required=True, help='JSON {name: {"path": path, "who": "therapist" or "partner"}}')
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    therapist = bench_therapist()
    clients = {"therapist": Client()}
    clients["therapist"].cookies[settings.SESSION_COOKIE_NAME] = verified_session(therapist)
    partner = bench_partner(therapist.practice_id)
    if partner is not None:
        clients["partner"] = Client()
        clients["partner"].cookies[settings.SESSION_COOKIE_NAME] = partner_session(partner)
    results = {name: count_queries(clients[page["who"]], page["path"])
               for name, page in json.loads(args.targets).items()}
    Path(args.out).write_text(json.dumps(results))


if __name__ == "__main__":
    main()
