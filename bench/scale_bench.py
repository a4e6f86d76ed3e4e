"""`make bench`: Rapport at scale, in one run. Prints a Markdown report and writes it to bench/results.md.

Run: .venv/bin/python bench/scale_bench.py [--quick] [--sizes 100 5000] [--seconds 10] [--pdf-clients 2]
Not a test. For each data-set size (couples; one database each, reused between runs: bench/scale_env.py):

1. the data set: built with `seed_scale` once, reused while its parameters and the bench key file match;
   then VACUUM ANALYZE, so the planner has the statistics and visibility map autovacuum keeps in a running database;
2. SQL queries per request of each page (bench/pages.py: the therapist's pages, the portal's, and any page added
   there whose URL resolves), in-process (Django's test Client; bench/queries.py);
3. gunicorn with 2 workers in a production-like environment, and the task workers for single PDFs (`db_worker
   --queue-name pdf`, --pdf-workers of them at --pdf-nice); 8 closed-loop clients, each with its own signed-in,
   two-factor-verified session (of the bench therapist, or of the bench partner in the portal), load each page
   in turn (warm-up, then /healthz for a few seconds as the baseline measured alongside, then the page:
   bench/load.py); any answer but 200 is an error;
4. the mixed scenario: the same pages again while --pdf-clients clinicians ask for progress reports one after
   another through the Reports page (ask, poll, download: bench/load.py PdfClients), so the task workers
   render PDFs all the time; then the web workers' and task workers' peak memory (VmHWM);
5. a task worker running a batch of progress reports, and its peak memory (bench/worker_memory.py).

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
from bench.load import LoadResult, PdfClients, PdfResult, run_load  # noqa: E402
from bench.pages import P95_TARGET_MS, PAGES, by_name, met_text, target_text, verdict  # noqa: E402
from bench.scale_env import BENCH_VAR, KEY_FILE, Database  # noqa: E402
from bench.server import Gunicorn, TaskWorkers  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results.md"
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


def measure_page(server: Gunicorn, path: str, cookies: list[str], args) -> tuple[LoadResult, LoadResult]:
    """Warm up, then /healthz as the baseline, then the page: (baseline, page)."""
    host, port = "127.0.0.1", server.port
    run_load(host, port, path, cookies, clients=args.clients, seconds=args.warmup)
    # As a load balancer asks it: no session cookie, so no database either.
    baseline = run_load(host, port, "/healthz", [""], clients=args.clients, seconds=args.baseline_seconds)
    cpu_before = server.worker_cpu_seconds()
    page = run_load(host, port, path, cookies, clients=args.clients, seconds=args.seconds)
    page.worker_cpu_seconds = server.worker_cpu_seconds() - cpu_before
    return baseline, page


def measure_pages(server: Gunicorn, pages: dict, cookies: dict[str, list[str]], args, *, scenario: str,
                  pdf: PdfClients | None = None) -> dict:
    rows = {}
    for name, target in pages.items():
        label = by_name(name).label
        say(f"  {scenario}: {label}: {args.clients} clients, {args.seconds:g} s (after a warm-up and /healthz)")
        asked_before = pdf.result.requests if pdf else 0
        baseline, page = measure_page(server, target["path"], cookies[target["who"]], args)
        rows[name] = {"baseline": summary(baseline), "page": summary(page),
                      "pdf_client_requests": (pdf.result.requests - asked_before) if pdf else 0}
        say(f"    p50 {page.p50 * 1000:.0f} ms, p95 {page.p95 * 1000:.0f} ms, {page.per_second:.1f} req/s, "
            f"web CPU {rows[name]['page']['cpu_per_request'] * 1000:.0f} ms/request, "
            f"errors {sum(page.errors.values())}; /healthz p95 {baseline.p95 * 1000:.0f} ms")
    return rows


def measure_load(database: Database, args) -> dict:
    session = scale_env.run_django_step(database, "bench.dataset", "sessions", "--clients", str(args.clients),
                                        "--pdf-clients", str(args.pdf_clients))
    name = session["cookie_name"]
    cookies = {"therapist": [f"{name}={key}" for key in session["session_keys"]],
               "partner": [f"{name}={key}" for key in session["partner_session_keys"]]}
    targets = session["targets"]
    for page, why in targets["missing"].items():
        say(f"  Not measured: {by_name(page).label} ({why})")
    env = scale_env.process_env(database)
    tag = f"{database.vendor}-{database.couples}"
    server = Gunicorn(env, BENCH_VAR / f"gunicorn-{tag}.log")
    workers = TaskWorkers(env, BENCH_VAR / f"pdf-workers-{tag}.log", count=args.pdf_workers, niceness=args.pdf_nice)
    try:
        server.wait_ready()
        alone = measure_pages(server, targets["pages"], cookies, args, scenario="pages alone")
        pdf = PdfClients("127.0.0.1", server.port, options_path=targets["pdf"]["options"],
                         ask_path=targets["pdf"]["ask"],
                         cookies=[f"{name}={key}" for key in session["pdf_session_keys"]],
                         forms=session["pdf_forms"], csrf_cookie_name=session["csrf_cookie_name"])
        say(f"Mixed: {args.pdf_clients} clinicians asking for progress reports all the time "
            f"({args.pdf_workers} pdf task worker(s), nice {args.pdf_nice}); {args.mixed_warmup:g} s to get going")
        worker_cpu_before = workers.cpu_seconds()
        web_cpu_before = server.worker_cpu_seconds()
        began = time.perf_counter()
        pdf.start()
        time.sleep(args.mixed_warmup)  # each task worker imports WeasyPrint and loads its fonts at its first PDF
        mixed = measure_pages(server, targets["pages"], cookies, args, scenario="mixed", pdf=pdf)
        pdf_result = pdf.stop()
        pdf_seconds = time.perf_counter() - began
        workers.check_alive()
        pdf_row = pdf_summary(pdf_result, pdf_seconds, worker_cpu=workers.cpu_seconds() - worker_cpu_before,
                              web_cpu=server.worker_cpu_seconds() - web_cpu_before)
        say(f"    PDFs: {pdf_row['reports']} made in {pdf_seconds:.0f} s; click to file p50 "
            f"{pdf_row['p50']:.1f} s, p95 {pdf_row['p95']:.1f} s; errors {sum(pdf_row['errors'].values())}")
        memory = server.worker_peak_memory_kib()
        task_memory = workers.peak_memory_kib()
    finally:
        workers.stop()
        server.stop()
    return {"alone": alone, "mixed": mixed, "pdf": pdf_row, "web_worker_peak_kib": memory,
            "pdf_worker_peak_kib": task_memory, "targets": targets}


def summary(result: LoadResult) -> dict:
    return {"requests": result.requests, "errors": dict(result.errors), "per_second": result.per_second,
            "p50": result.p50, "p95": result.p95, "seconds": result.seconds,
            "cpu_per_request": result.worker_cpu_seconds / result.requests if result.requests else float("nan")}


def pdf_summary(result: PdfResult, seconds: float, *, worker_cpu: float, web_cpu: float) -> dict:
    made = len(result.turnarounds)
    return {"reports": made, "errors": dict(result.errors), "seconds": seconds, "p50": result.percentile(0.5),
            "p95": result.percentile(0.95), "requests": result.requests,
            "worker_cpu_per_report": worker_cpu / made if made else float("nan"), "web_cpu_total": web_cpu}


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
    return "—" if seconds != seconds else f"{seconds * 1000:.0f}"  # NaN: nothing measured


def errors_text(errors: dict) -> str:
    total = sum(errors.values())
    if not total:
        return "0"
    return f"**{total}** (" + ", ".join(f"{code}×{count}" for code, count in sorted(errors.items())) + ")"


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def _row(measured: dict, size: int, scenario: str, name: str) -> dict | None:
    return measured[size]["load"][scenario].get(name)


def measured_pages(measured: dict, sizes: list[int]) -> list:
    """The pages measured at any size, in bench/pages.py's order."""
    names = {name for size in sizes for name in measured[size]["load"]["alone"]}
    return [page for page in PAGES if page.name in names]


def targets_table(measured: dict, sizes: list[int], args) -> list[str]:
    """Every page at every size: p95 alone and while PDFs render, web CPU per request, queries, the targets."""
    lines = [
        f"| couples | page | p95 alone (ms) | p95 while {args.pdf_clients} PDFs render (ms) | web CPU per request (ms) "
        "| queries | target | CPU | p95 alone | p95 with PDFs |",
        "|---:|---|---:|---:|---:|---:|---|---|---|---|",
    ]
    for size in sizes:
        for page in measured_pages(measured, sizes):
            alone, mixed = _row(measured, size, "alone", page.name), _row(measured, size, "mixed", page.name)
            if alone is None:
                continue
            queries = measured[size]["queries"].get(page.name, {}).get("queries", "—")
            alone_met = verdict(page, alone["page"]["p95"], alone["page"]["cpu_per_request"])
            mixed_met = verdict(page, mixed["page"]["p95"], float("nan")) if mixed else {"p95": None}
            lines.append(
                f"| {size:,} | {page.label} | {ms(alone['page']['p95'])} "
                f"| {ms(mixed['page']['p95']) if mixed else '—'} "
                f"| {ms(alone['page']['cpu_per_request'])} | {queries} | {target_text(page)} "
                f"| {met_text(alone_met['cpu'])} | {met_text(alone_met['p95'])} | {met_text(mixed_met['p95'])} |")
    return lines


def load_table(measured: dict, sizes: list[int], scenario: str) -> list[str]:
    lines = [
        "| couples | page | requests | errors | req/s | p50 (ms) | p95 (ms) | /healthz alongside, p50 / p95 (ms) "
        "| p95 ÷ /healthz p95 | web workers' CPU per request (ms) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        for page in measured_pages(measured, sizes):
            row = _row(measured, size, scenario, page.name)
            if row is None:
                continue
            result, base = row["page"], row["baseline"]
            path = measured[size]["load"]["targets"]["pages"][page.name]["path"]
            lines.append(
                f"| {size:,} | {page.label} `{shorten(path)}` | {result['requests']} | {errors_text(result['errors'])} "
                f"| {result['per_second']:.1f} | {ms(result['p50'])} | {ms(result['p95'])} "
                f"| {ms(base['p50'])} / {ms(base['p95'])} | {result['p95'] / base['p95']:.0f}x "
                f"| {ms(result['cpu_per_request'])} |")
    return lines


def shorten(path: str) -> str:
    """A path with ids replaced by <id>, as the README shows them."""
    import re

    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", path)


def pdf_table(measured: dict, sizes: list[int], args) -> list[str]:
    lines = [
        "| couples | reports made | in (s) | errors | click to downloaded file, p50 / p95 (s) "
        "| task worker CPU per report (s) | HTTP requests of the PDF clients (ask, polls, download) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        row = measured[size]["load"]["pdf"]
        lines.append(f"| {size:,} | {row['reports']} | {row['seconds']:.0f} | {errors_text(row['errors'])} "
                     f"| {row['p50']:.1f} / {row['p95']:.1f} | {row['worker_cpu_per_report']:.2f} "
                     f"| {row['requests']} |")
    return lines


def query_table(measured: dict, sizes: list[int]) -> list[str]:
    lines = ["| page | " + " | ".join(f"{size:,} couples" for size in sizes) + " | equal at every size |",
             "|---|" + "---:|" * len(sizes) + "---|"]
    for page in measured_pages(measured, sizes):
        found = [measured[size]["queries"].get(page.name) for size in sizes]
        counts = [row["queries"] for row in found if row]
        shown = " | ".join("—" if row is None else f"{row['queries']}" + (f" ({row['rows']} rows)" if row.get("rows")
                                                                          is not None else "") for row in found)
        lines.append(f"| {page.label} | {shown} | {'yes' if len(set(counts)) == 1 else '**no**'} |")
    return lines


def memory_table(measured: dict, sizes: list[int], batch_reports: int) -> list[str]:
    web = [", ".join(mib(kib) for kib in measured[size]["load"]["web_worker_peak_kib"]) for size in sizes]
    tasks = [", ".join(mib(kib) for kib in measured[size]["load"]["pdf_worker_peak_kib"]) or "—" for size in sizes]
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
        "| pdf task workers after the mixed scenario (VmHWM, each) | " + " | ".join(tasks) + " |",
        f"| task worker after a batch of {batch_reports} progress reports (VmHWM) | " + " | ".join(batch) + " |",
    ]


def targets_lines(measured: dict, sizes: list[int], args) -> list[str]:
    largest = max(sizes)
    pages = measured_pages(measured, [largest])
    slow_alone, slow_mixed, heavy = [], [], []
    for page in pages:
        alone, mixed = _row(measured, largest, "alone", page.name), _row(measured, largest, "mixed", page.name)
        met = verdict(page, alone["page"]["p95"], alone["page"]["cpu_per_request"])
        if met["p95"] is False:
            slow_alone.append(page.label)
        if met["cpu"] is False:
            heavy.append(f"{page.label} {ms(alone['page']['cpu_per_request'])} ms (budget {page.cpu_target_ms:g})")
        if mixed and verdict(page, mixed["page"]["p95"], float("nan"))["p95"] is False:
            slow_mixed.append(page.label)
    errors = sum(sum(row["page"]["errors"].values()) + sum(row["baseline"]["errors"].values())
                 for size in sizes for scenario in ("alone", "mixed")
                 for row in measured[size]["load"][scenario].values())
    pdf_errors = sum(sum(measured[size]["load"]["pdf"]["errors"].values()) for size in sizes)
    unequal = [page.label for page in measured_pages(measured, sizes)
               if len({measured[size]["queries"][page.name]["queries"] for size in sizes
                       if page.name in measured[size]["queries"]}) > 1]
    batch_failed = sum(measured[size]["batch"]["failed"] for size in sizes)
    missing = measured[largest]["load"]["targets"]["missing"]
    lines = [
        f"- p95 < {P95_TARGET_MS} ms for every page at {args.clients} clients with {largest:,} couples: "
        + ("**met**" if not slow_alone else f"**not met** ({', '.join(slow_alone)})"),
        f"- the same while {args.pdf_clients} PDFs render on the task workers: "
        + ("**met**" if not slow_mixed else f"**not met** ({', '.join(slow_mixed)})"),
        "- web CPU per request within each page's budget: "
        + ("**met**" if not heavy else f"**not met** ({'; '.join(heavy)})"),
        "- zero errors: " + ("**met**" if not errors and not pdf_errors
                             else f"**not met** ({errors} non-200 page answers, {pdf_errors} PDF client errors)")
        + (f"; report batch: {batch_failed} failed" if batch_failed else ""),
        "- query counts equal at every size: " + ("**met**" if not unequal else f"**not met** ({', '.join(unequal)})"),
    ]
    if missing:
        lines.append("- not measured: " + "; ".join(f"{by_name(name).label} ({why})" for name, why in missing.items()))
    return lines


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
        *targets_lines(measured, sizes, args),
        "",
        *targets_table(measured, sizes, args),
        "",
        f"Web CPU per request: the gunicorn workers' CPU time over the page's measured seconds with the pages alone, "
        "divided by its requests. Targets (issue 15): web CPU at most 15 ms for the couple page and the notes API "
        f"and 20 ms for Today; p95 under {P95_TARGET_MS} ms for every page, also while PDFs render.",
        "",
        f"## Latency under load: gunicorn, 2 workers, {args.clients} concurrent clients, pages alone",
        "",
        f"Each page: a warm-up, then /healthz for {args.baseline_seconds:g} s (the baseline measured alongside), "
        f"then the page for {args.seconds:g} s. Closed loop: each client sends its next request when the previous "
        "answer is read; a new connection per request. Each client has its own signed-in, two-factor-verified "
        "session: of the bench therapist (seed_scale's `scale-therapist-001`, who carries couples/50 couples) for "
        "the staff pages, of the bench partner (partner A of the first active couple with a plan, seed_scale's "
        "portal account) for the portal pages. Production-like settings: debug off, manifest static files, "
        "Argon2, no query log. The notes API page is the therapist's notes, first page (50 rows).",
        "",
        *load_table(measured, sizes, "alone"),
        "",
        f"## Mixed: the same pages while {args.pdf_clients} PDFs render on the task workers",
        "",
        f"{args.pdf_clients} more clients, each a clinician asking for a progress report (treatment to date, notes "
        "included) through the Reports page, over and over: POST the options form, follow the 303 to the report's "
        "page, poll its status every 0.5 s, download the PDF when the link appears, ask again. The PDFs are "
        f"rendered by {args.pdf_workers} `manage.py db_worker --queue-name pdf` process(es) at nice "
        f"{args.pdf_nice}, started alongside gunicorn; the web workers only queue, poll and hand out files. "
        "The web CPU per request here also counts the PDF clients' own requests.",
        "",
        *load_table(measured, sizes, "mixed"),
        "",
        *pdf_table(measured, sizes, args),
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
    parser.add_argument("--pdf-clients", type=int, default=2, help="clinicians asking for PDFs in the mixed scenario")
    parser.add_argument("--pdf-workers", type=int, default=2, help="`db_worker --queue-name pdf` processes")
    parser.add_argument("--pdf-nice", type=int, default=19,
                        help="niceness of the pdf task workers (19, as deployed: the web workers come first for the "
                             "CPU; 0: equal shares)")
    parser.add_argument("--mixed-warmup", type=float, default=6.0,
                        help="seconds the PDF clients run before the mixed measurements start")
    parser.add_argument("--batch-reports", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026, help="seed_scale's --seed (its default)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or None,
                        help="PostgreSQL server for the data sets (databases <BENCH_DB_PREFIX>_<couples>); "
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
        say("Refreshing the query planner's statistics (VACUUM ANALYZE) ...")
        scale_env.run_django_step(db, "bench.dataset", "analyze")
        say(f"Counting queries per request at {db.couples:,} couples ...")
        targets = scale_env.run_django_step(db, "bench.dataset", "sessions", "--clients", "0",
                                            "--pdf-clients", "0")["targets"]
        measured[db.couples]["queries"] = scale_env.run_django_step(db, "bench.queries", "--targets",
                                                                    json.dumps(targets["pages"]))
        say(f"Load at {db.couples:,} couples: gunicorn -w 2, {args.clients} clients, then with PDFs rendering ...")
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
