"""Profile one benchmarked page in-process (cProfile), to see what dominates its time.

Run with a data set's environment, e.g. for the 5,000-couple data set on PostgreSQL:
  .venv/bin/python bench/profile_page.py --couples 5000 --database-url postgres://postgres@127.0.0.1:5432 home
Pages: home, couple, notes_api, calendar, healthz. Requests the page --repeat times after a warm-up with
Django's test Client as the bench therapist (signed in, second factor passed), prints the mean wall time per
request and the functions with the most cumulative time (--callers REGEX: who calls them); `--sort cpu` prints
the process's CPU time per request without the profiler, a steadier figure on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def profile(page: str, repeat: int, lines: int, sort: str, callers: str = "") -> None:
    import cProfile
    import pstats
    import time

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from bench.dataset import bench_therapist, targets, verified_session

    user = bench_therapist()
    found = targets(user)
    path = found["healthz"] if page == "healthz" else found["pages"][page]["path"]
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = verified_session(user)
    client.get(path)
    if sort == "cpu":  # no profiler: this process's CPU time per request (the test Client, no HTTP server)
        began, cpu = time.perf_counter(), time.process_time()
        for _ in range(repeat):
            response = client.get(path)
        cpu, elapsed = (time.process_time() - cpu) / repeat, (time.perf_counter() - began) / repeat
        print(f"{page} {path}: status {response.status_code}, CPU {cpu * 1000:.1f} ms per request, "
              f"wall {elapsed * 1000:.1f} ms (no profiler, {repeat} requests)")
        return
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    for _ in range(repeat):
        response = client.get(path)
    profiler.disable()
    elapsed = (time.perf_counter() - began) / repeat
    print(f"{page} {path}: status {response.status_code}, {elapsed * 1000:.1f} ms per request (profiled)")
    stats = pstats.Stats(profiler).sort_stats(sort)
    if callers:
        stats.print_callers(callers)
    else:
        stats.print_stats(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("page", choices=["home", "couple", "notes_api", "calendar", "healthz"])
    parser.add_argument("--couples", type=int, default=5000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or None)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--sort", default="cumulative",
                        help="pstats sort key; `cpu` measures CPU time per request without the profiler instead")
    parser.add_argument("--callers", default="", help="print who calls the functions matching this regex instead")
    parser.add_argument("--in-bench-env", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_bench_env:
        profile(args.page, args.repeat, args.lines, args.sort, args.callers)
        return
    from bench.scale_env import Database, process_env

    env = process_env(Database(args.couples, args.database_url))
    subprocess.run([sys.executable, __file__, *sys.argv[1:], "--in-bench-env"], cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    main()
