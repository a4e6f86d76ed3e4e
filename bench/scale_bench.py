"""`make bench`: Rapport at scale, in one run. Prints a Markdown report and writes it to bench/results.md.

Run: .venv/bin/python bench/scale_bench.py [--quick] [--sizes 100 5000] [--seconds 10] [--pdf-requests 24]
Not a test. For each data-set size (couples; one database each, reused between runs: bench/scale_env.py):

1. the data set: built with `seed_scale` once, reused while its parameters and the bench key file match;
   then ANALYZE, so the planner has the statistics autovacuum keeps in a running database;
2. SQL queries per request of each page, in-process (Django's test Client; bench/queries.py);
3. gunicorn with 2 workers in a production-like environment; 8 closed-loop clients, each with its own
   signed-in, two-factor-verified session of the bench therapist, load each page in turn (warm-up, then
   /healthz for a few seconds as the baseline measured alongside, then the page: bench/load.py); any answer
   but 200 is an error; then the web workers' peak memory (VmHWM);
4. a task worker (`db_worker`) running a batch of progress reports, and its peak memory (bench/worker_memory.py).

Then, unless --quick, the encryption, single-report and name-search benchmarks (bench/crypto_bench.py,
bench/report_bench.py, bench/search_bench.py, on SQLite in a temporary directory as before); their latest
tables are included either way.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scale_env  # noqa: E402
from bench.load import LoadResult, run_load  # noqa: E402
from bench.scale_env import BENCH_VAR, KEY_FILE, Database  # noqa: E402
from bench.server import Gunicorn  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results.md"
PAGES = {  # name -> (label, path as shown)
    "home": ("therapist home page", "`/` → `/today/`"),
    "couple": ("couple page", "`/couples/<id>/`"),
    "notes_api": ("notes list API, page of 50", "`/api/v1/notes/`"),
    "progress_pdf": ("progress report PDF", "`/couples/<id>/reports/progress.pdf`"),
}
P95_TARGET_MS = 150
STARTED = time.perf_counter()


def say(message: str) -> None:
    elapsed = time.perf_counter() - STARTED
    print(f"[{int(elapsed // 60):02d}:{int(elapsed % 60):02d}] {message}", flush=True)


def load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


# --- data sets ------------------------------------------------------------------------------------------


def ensure_key_file(database: Database) -> None:
    if not KEY_FILE.exists():
        say(f"Creating the bench key file {KEY_FILE.relative_to(ROOT)}; data sets built under another key are rebuilt")
        scale_env.manage(database, "create_key_file")


def ensure_dataset(database: Database, seed: int) -> dict:
    """The data set of `database.couples` couples: reused if built with the same parameters and still
    readable with the bench key, else built from scratch."""
    parameters = scale_env.run_django_step(database, "bench.dataset", "parameters", "--couples",
                                           str(database.couples), "--seed", str(seed))
    recorded = scale_env.load_datasets().get(database.url)
    if recorded and recorded["parameters"] == parameters:
        found = scale_env.run_django_step(database, "bench.dataset", "inspect")
        if found["usable"] and found["couples_in_database"] == recorded["couples_in_database"]:
            # Migrations added since the data set was built (their data migrations fill the new columns).
            scale_env.manage(database, "migrate", "--noinput", "--verbosity", "0")
            say(f"Reusing the {database.couples}-couple data set ({database.vendor}, "
                f"{recorded['couples_in_database']} couples, built in {recorded['seconds']:.0f} s)")
            return recorded
        say(f"The recorded {database.couples}-couple data set is not usable ({found.get('why') or 'count differs'}); "
            "rebuilding it")
    scale_env.forget_dataset(database)
    say(f"Building the {database.couples}-couple data set with {parameters['generator']} ({database.vendor}) ...")
    began = time.perf_counter()
    database.reset()
    built = scale_env.run_django_step(database, "bench.dataset", "seed", "--couples", str(database.couples),
                                      "--seed", str(seed))
    record = {"parameters": parameters, "couples_in_database": built["couples_in_database"],
              "seconds": time.perf_counter() - began, "built": time.strftime("%Y-%m-%d %H:%M")}
    scale_env.save_dataset(database, record)
    say(f"Built {record['couples_in_database']} couples in {record['seconds']:.0f} s")
    return record


def static_files_current() -> bool:
    """Whether var/bench/static/ was collected after the last change to the app's static files or to the
    locked package versions (collectstatic post-processes every file again: a minute on a busy machine)."""
    manifest = BENCH_VAR / "static" / "staticfiles.json"
    if not manifest.exists():
        return False
    sources = [path for folder in ROOT.glob("*/static") for path in folder.rglob("*") if path.is_file()]
    sources.append(ROOT / "requirements.lock")  # the installed packages' static files change with their versions
    newest = max((path.stat().st_mtime for path in sources if path.exists()), default=0.0)
    return manifest.stat().st_mtime > newest


# --- load -----------------------------------------------------------------------------------------------


def measure_page(server: Gunicorn, path: str, cookies: list[str], args, *, pdf: bool) -> tuple[LoadResult, LoadResult]:
    """Warm up, then /healthz as the baseline, then the page: (baseline, page)."""
    host, port = "127.0.0.1", server.port
    if pdf:  # every worker imports WeasyPrint and loads its fonts at its first PDF
        run_load(host, port, path, cookies, clients=server.workers, requests=server.workers)
    else:
        run_load(host, port, path, cookies, clients=args.clients, seconds=args.warmup)
    # As a load balancer asks it: no session cookie, so no database either.
    baseline = run_load(host, port, "/healthz", [""], clients=args.clients, seconds=args.baseline_seconds)
    cpu_before = server.worker_cpu_seconds()
    if pdf:
        page = run_load(host, port, path, cookies, clients=args.clients, requests=args.pdf_requests)
    else:
        page = run_load(host, port, path, cookies, clients=args.clients, seconds=args.seconds)
    page.worker_cpu_seconds = server.worker_cpu_seconds() - cpu_before
    return baseline, page


def measure_load(database: Database, args) -> dict:
    session = scale_env.run_django_step(database, "bench.dataset", "sessions", "--clients", str(args.clients))
    cookies = [f"{session['cookie_name']}={key}" for key in session["session_keys"]]
    server = Gunicorn(scale_env.process_env(database), BENCH_VAR / f"gunicorn-{database.vendor}-{database.couples}.log")
    rows = {}
    try:
        server.wait_ready()
        for name, (label, _) in PAGES.items():
            pdf = name == "progress_pdf"
            amount = f"{args.pdf_requests} requests" if pdf else f"{args.seconds:g} s"
            say(f"  {label}: {args.clients} clients, {amount} (after a warm-up and /healthz)")
            baseline, page = measure_page(server, session["targets"][name], cookies, args, pdf=pdf)
            rows[name] = {"baseline": summary(baseline), "page": summary(page)}
            say(f"    p50 {page.p50 * 1000:.0f} ms, p95 {page.p95 * 1000:.0f} ms, {page.per_second:.1f} req/s, "
                f"errors {sum(page.errors.values())}; /healthz p95 {baseline.p95 * 1000:.0f} ms")
        memory = server.worker_peak_memory_kib()
    finally:
        server.stop()
    return {"rows": rows, "web_worker_peak_kib": memory, "targets": session["targets"]}


def summary(result: LoadResult) -> dict:
    return {"requests": result.requests, "errors": dict(result.errors), "per_second": result.per_second,
            "p50": result.p50, "p95": result.p95, "seconds": result.seconds,
            "cpu_per_request": result.worker_cpu_seconds / result.requests if result.requests else 0.0}


# --- earlier benchmarks ---------------------------------------------------------------------------------


def run_earlier_benchmarks() -> None:
    """bench/crypto_bench.py, bench/report_bench.py and bench/search_bench.py as published: SQLite in a temporary
    directory."""
    env = {key: value for key, value in os.environ.items() if key not in ("BENCH_DATABASE_URL", "DATABASE_URL")}
    for script in ("crypto_bench.py", "report_bench.py", "search_bench.py"):
        say(f"Running bench/{script} ...")
        subprocess.run([sys.executable, f"bench/{script}"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)


def earlier_tables() -> str:
    crypto = (ROOT / "bench/results-crypto.md").read_text()
    reports = (ROOT / "bench/results-reports.md").read_text()
    single = reports.split("## Single reports", 1)[1].split("\n## ", 1)[0] if "## Single reports" in reports else ""
    crypto_body = crypto.split("\n", 1)[1] if crypto.startswith("# ") else crypto
    search_file = ROOT / "bench/results-search.md"
    search = search_file.read_text().split("\n", 1)[1] if search_file.exists() else ""
    return (f"### Encryption (bench/crypto_bench.py, bench/results-crypto.md)\n{crypto_body.rstrip()}\n\n"
            f"### Single reports{single.rstrip()}\n\n"
            f"### Name search (bench/search_bench.py, bench/results-search.md)\n{search.rstrip()}\n")


# --- the report -----------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def errors_text(errors: dict) -> str:
    total = sum(errors.values())
    if not total:
        return "0"
    return f"**{total}** (" + ", ".join(f"{code}×{count}" for code, count in sorted(errors.items())) + ")"


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def load_table(measured: dict, sizes: list[int], clients: int) -> list[str]:
    lines = [
        f"| couples | page | requests | errors | req/s | p50 (ms) | p95 (ms) | /healthz alongside, p50 / p95 (ms) "
        f"| p95 ÷ /healthz p95 | web workers' CPU per request (ms) | p95 < {P95_TARGET_MS} ms at {clients} clients |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for size in sizes:
        for name, (label, path) in PAGES.items():
            row = measured[size]["load"]["rows"][name]
            page, base = row["page"], row["baseline"]
            target = "n/a (PDF)" if name == "progress_pdf" else (
                "met" if page["p95"] * 1000 < P95_TARGET_MS else "**not met**")
            lines.append(
                f"| {size:,} | {label} {path} | {page['requests']} | {errors_text(page['errors'])} "
                f"| {page['per_second']:.1f} | {ms(page['p50'])} | {ms(page['p95'])} "
                f"| {ms(base['p50'])} / {ms(base['p95'])} | {page['p95'] / base['p95']:.0f}x "
                f"| {ms(page['cpu_per_request'])} | {target} |")
    return lines


def query_table(measured: dict, sizes: list[int]) -> list[str]:
    lines = ["| page | " + " | ".join(f"{size:,} couples" for size in sizes) + " | equal at every size |",
             "|---|" + "---:|" * len(sizes) + "---|"]
    for name, (label, path) in PAGES.items():
        counts = [measured[size]["queries"][name]["queries"] for size in sizes]
        rows = [measured[size]["queries"][name].get("rows") for size in sizes]
        shown = " | ".join(f"{count}" + (f" ({row} rows)" if row is not None else "")
                           for count, row in zip(counts, rows, strict=True))
        lines.append(f"| {label} {path} | {shown} | {'yes' if len(set(counts)) == 1 else '**no**'} |")
    return lines


def memory_table(measured: dict, sizes: list[int], batch_reports: int) -> list[str]:
    web = [", ".join(mib(kib) for kib in measured[size]["load"]["web_worker_peak_kib"]) for size in sizes]
    batch = []
    for size in sizes:
        run = measured[size]["batch"]
        failed = f", **{run['failed']} failed**" if run["failed"] else ""
        batch.append(f"{mib(run['peak_kib'])} ({run['ready']} of {run['reports']} ready "
                     f"in {run['seconds']:.0f} s{failed})")
    return [
        "| process | " + " | ".join(f"{size:,} couples" for size in sizes) + " |",
        "|---|" + "---|" * len(sizes),
        "| gunicorn web workers after the load (VmHWM, each of 2) | " + " | ".join(web) + " |",
        f"| task worker after a batch of {batch_reports} progress reports (VmHWM) | " + " | ".join(batch) + " |",
    ]


def targets_lines(measured: dict, sizes: list[int], clients: int) -> list[str]:
    largest = max(sizes)
    slow = [PAGES[name][0] for name in ("home", "couple", "notes_api")
            if measured[largest]["load"]["rows"][name]["page"]["p95"] * 1000 >= P95_TARGET_MS]
    errors = sum(sum(row["page"]["errors"].values()) + sum(row["baseline"]["errors"].values())
                 for size in sizes for row in measured[size]["load"]["rows"].values())
    unequal = [PAGES[name][0] for name in PAGES
               if len({measured[size]["queries"][name]["queries"] for size in sizes}) > 1]
    batch_failed = sum(measured[size]["batch"]["failed"] for size in sizes)
    return [
        f"- p95 < {P95_TARGET_MS} ms for pages and API at {clients} clients with {largest:,} couples: "
        + ("**met**" if not slow else f"**not met** ({', '.join(slow)})"),
        "- zero errors: " + ("**met**" if not errors else f"**not met** ({errors} non-200 answers)")
        + (f"; report batch: {batch_failed} failed" if batch_failed else ""),
        "- query counts equal at every size: " + ("**met**" if not unequal else f"**not met** ({', '.join(unequal)})"),
    ]


def report(measured: dict, args, *, database: str, start_load: str, quick: bool) -> str:
    sizes = args.sizes
    datasets = "; ".join(
        f"{size:,}: {measured[size]['dataset']['couples_in_database']:,} couples "
        f"({measured[size]['dataset']['parameters']['generator']}, built {measured[size]['dataset']['built']})"
        for size in sizes)
    lines = [
        "# Rapport at scale (`make bench`)",
        "",
        f"`bench/scale_bench.py{' --quick' if quick else ''}` on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}; "
        f"database: {database}; total {time.perf_counter() - STARTED:.0f} s. Data sets: {datasets}. "
        f"Load average (1/5/15 min) at the start: {start_load}; at the end: {load_average()}. The load clients, "
        "gunicorn, the database and (here) other work share the machine's CPUs.",
        "",
        "## Targets",
        "",
        *targets_lines(measured, sizes, args.clients),
        "",
        f"## Latency under load: gunicorn, 2 workers, {args.clients} concurrent clients",
        "",
        f"Each page: a warm-up, then /healthz for {args.baseline_seconds:g} s (the baseline measured alongside), "
        f"then the page for {args.seconds:g} s (the PDF: {args.pdf_requests} requests). Closed loop: each client "
        "sends its next request when the previous answer is read; a new connection per request. Each client has "
        "its own signed-in, two-factor-verified session of the bench therapist (seed_scale's "
        "`scale-therapist-001`, who carries couples/50 couples). Production-like settings: debug off, "
        "manifest static files, Argon2, no query log. The notes API page is the therapist's notes, first page "
        "(50 rows).",
        "",
        *load_table(measured, sizes, args.clients),
        "",
        "## SQL queries per request (in-process, Django test Client)",
        "",
        "Counted on five repeats after a warm-up request: the count most repeats agree on (the audit trail's "
        "checkpoint, written every 50 events, adds one query to whichever request it falls on).",
        "",
        *query_table(measured, sizes),
        "",
        "## Peak memory",
        "",
        *memory_table(measured, sizes, args.batch_reports),
        "",
        "## Earlier benchmarks" + (" (latest tables; `--quick` did not re-run them)" if quick else " (re-run now)"),
        "",
        earlier_tables(),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip re-running crypto_bench and report_bench")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 5000], help="couples per data set")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per page")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per page")
    parser.add_argument("--baseline-seconds", type=float, default=3.0, help="/healthz seconds before each page")
    parser.add_argument("--pdf-requests", type=int, default=12)
    parser.add_argument("--batch-reports", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026, help="seed_scale's --seed (its default)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or None,
                        help="PostgreSQL server for the data sets (databases rapport_bench_<couples>); "
                             "default BENCH_DATABASE_URL, else SQLite files under var/bench/")
    parser.add_argument("--no-write", action="store_true", help="print the report without writing bench/results.md")
    args = parser.parse_args()

    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    start_load = load_average()
    databases = [Database(size, args.database_url) for size in args.sizes]
    database = "PostgreSQL" if args.database_url else "SQLite (a file per data set)"
    say(f"make bench: data sets of {', '.join(f'{size:,}' for size in args.sizes)} couples on {database}")
    if args.database_url:
        scale_env.check_server(args.database_url)
    ensure_key_file(databases[0])
    if static_files_current():
        say("Static files already collected under var/bench/static/")
    else:
        say("Collecting static files (manifest storage, as deployed) ...")
        scale_env.manage(databases[0], "collectstatic", "--noinput", "--verbosity", "0")
    measured: dict[int, dict] = {}
    for db in databases:
        measured[db.couples] = {"dataset": ensure_dataset(db, args.seed)}
        say("Refreshing the query planner's statistics (ANALYZE) ...")
        scale_env.run_django_step(db, "bench.dataset", "analyze")
        say(f"Counting queries per request at {db.couples:,} couples ...")
        targets = scale_env.run_django_step(db, "bench.dataset", "sessions", "--clients", "0")["targets"]
        measured[db.couples]["queries"] = scale_env.run_django_step(db, "bench.queries", "--targets",
                                                                    json.dumps(targets))
        say(f"Load at {db.couples:,} couples: gunicorn -w 2, {args.clients} clients ...")
        measured[db.couples]["load"] = measure_load(db, args)
        say(f"Task worker: a batch of {args.batch_reports} progress reports at {db.couples:,} couples ...")
        measured[db.couples]["batch"] = scale_env.run_django_step(db, "bench.worker_memory", "--reports",
                                                                  str(args.batch_reports))
        (BENCH_VAR / f"last-run-{db.vendor}.json").write_text(json.dumps(measured, indent=2, default=str))
    if not args.quick:
        run_earlier_benchmarks()
    text = report(measured, args, database=database, start_load=start_load, quick=args.quick)
    print()
    print(text)
    if not args.no_write:
        RESULTS.write_text(text)
        say(f"Written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
