"""Benchmark: one couple's PDF report, end to end, against WeasyPrint alone rendering the same HTML.

Run: .venv/bin/python bench/report_bench.py [--rounds 5] [--no-write]
Not a test. Uses bench/bench_settings.py (a temporary SQLite file; BENCH_DATABASE_URL for PostgreSQL), prints a
Markdown table and writes it under its own heading in bench/results-reports.md (the batch benchmark keeps its
part of that file under another heading).

The couple: one year of therapy: 66 sessions every five days (joint and individual; some cancelled, late-cancelled
or missed), a signed note for every attended one (SOAP, DAP and BIRP in turn, some with addenda), two plan
versions of 3 goals x 3 objectives with monthly progress points, and PHQ-9, GAD-7 and CSI-16 for both partners
twelve times. See tests/reports/couple_data.py.

Reports timed: the progress report for the last full month (the default), the progress report for the whole
year (every note's assessment and plan), and the treatment summary.

- full: reports.rendering.couple.*_pdf: access check, builder (queries, decryption, chart SVGs), template, WeasyPrint
  (with the safe URL fetcher, tagged PDF/UA-1). The data-key cache is cleared first, as for a cold worker.
- WeasyPrint alone: reports.pdf.html_to_pdf on the very HTML the full run rendered.
Best of N rounds each, the two interleaved within each round. Target: full <= 1.3 x WeasyPrint alone, and < 1 s.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bench_settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from keys import keyring  # noqa: E402
from keys.providers import reset_key_provider, write_key_file  # noqa: E402
from notes.models import ProgressNote, Session  # noqa: E402
from plans.models import MeasureAdministration, Objective  # noqa: E402
from reports import pdf  # noqa: E402
from reports.builders.discharge import build_discharge_summary  # noqa: E402
from reports.builders.progress import ProgressOptions, build_progress_report, default_period  # noqa: E402
from reports.rendering import couple as couple_reports  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results-reports.md"
HEADING = "## Single reports (bench/report_bench.py)"


def make_couple():
    from tests.factories import CoupleFactory, PracticeFactory, UserFactory
    from tests.reports import couple_data

    practice = PracticeFactory()
    therapist = UserFactory(practice=practice, username="bench.therapist", first_name="Tess", last_name="Therapist",
                            credentials="LMFT", licence_number="LMFT 123456")
    couple = CoupleFactory(practice=practice, primary=therapist, confidentiality="no_secrets",
                           start_date=timezone.localdate() - datetime.timedelta(days=370))
    couple_data.one_year(couple, therapist, start=couple.start_date, sessions=66, every_days=5)
    return couple, therapist


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def timed_cpu(fn):
    """(wall seconds, CPU seconds of this process, value)."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def bench_report(label, couple, user, full, build, template, rounds):
    """Best-of-`rounds` times for the full report and for WeasyPrint alone on the same HTML."""
    best = {"full": 1e9, "weasyprint": 1e9, "builder": 1e9, "template": 1e9, "full_cpu": 1e9, "weasyprint_cpu": 1e9}
    pages = 0
    for _ in range(rounds):
        keyring.clear_cache()
        seconds, cpu, data = timed_cpu(full)
        best["full"], best["full_cpu"] = min(best["full"], seconds), min(best["full_cpu"], cpu)
        pages = len(PdfReader(io.BytesIO(data)).pages)
        keyring.clear_cache()
        seconds, built = timed(build)
        best["builder"] = min(best["builder"], seconds)
        seconds, html = timed(lambda built=built: pdf.render_html(template, built))
        best["template"] = min(best["template"], seconds)
        seconds, cpu, _ = timed_cpu(lambda html=html: pdf.html_to_pdf(html))
        best["weasyprint"], best["weasyprint_cpu"] = min(best["weasyprint"], seconds), min(best["weasyprint_cpu"], cpu)
    return {"label": label, "pages": pages, **best}


def table(rows, facts, rounds):
    lines = [
        HEADING,
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}, "
        f"database {connection.vendor}; load average {facts['load']} when the run started. Best of {rounds} rounds.",
        f"The couple: {facts['sessions']} sessions over a year, {facts['notes']} signed notes, "
        f"{facts['administrations']} measure administrations (3 instruments x 2 partners), {facts['objectives']} "
        "objectives (3 goals x 3) in the active plan with monthly progress points.",
        "",
        "| Report | Pages | Full: builder + template + WeasyPrint | of which builder | of which template "
        "| WeasyPrint alone, same HTML | Full / WeasyPrint | CPU: full / WeasyPrint alone | Target (<= 1.3x, < 1 s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = row["full"] / row["weasyprint"]
        if ratio <= 1.3 and row["full"] < 1:
            met = "met"
        elif ratio <= 1.3:
            met = "ratio met; time not met" + (" (CPU time under 1 s)" if row["full_cpu"] < 1 else "")
        else:
            met = "not met"
        lines.append(
            f"| {row['label']} | {row['pages']} | {row['full']:.3f} s | {row['builder']:.3f} s "
            f"| {row['template']:.3f} s | {row['weasyprint']:.3f} s | {ratio:.2f}x "
            f"| {row['full_cpu']:.3f} s / {row['weasyprint_cpu']:.3f} s | {met} |"
        )
    lines += [
        "",
        "Full = `reports.rendering.couple.progress_report_pdf` / `discharge_summary_pdf` with a cold data-key cache. "
        "The builder and template columns are the same steps timed on their own in the same rounds. "
        "Wall-clock times depend on the machine's load (other processes share its CPUs); the ratio hardly does. "
        "CPU is this process's CPU time (`time.process_time`), a steadier measure on a shared machine. "
        "The whole-year report prints the assessment and plan of every note of the year; WeasyPrint's time grows with "
        "its pages, the builder's hardly does (a fixed number of queries). Charts are embedded as SVG images "
        "(reports.pdf.extract_charts), which renders markedly faster than inline SVG.",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Replace this benchmark's section of the results file, keeping any other section as it is."""
    current = RESULTS.read_text() if RESULTS.exists() else "# Report benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text + "\n", current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text + "\n"
    RESULTS.write_text(updated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="Print the table without writing the results file.")
    parser.add_argument("--keep-pdfs", metavar="DIR", help="Also write the three PDFs to DIR, to look at.")
    args = parser.parse_args()

    write_key_file(settings.RAPPORT_KEY_FILE)
    reset_key_provider()
    call_command("migrate", run_syncdb=True, verbosity=0)
    print(f"Benchmark database: {connection.settings_dict['NAME']}", file=sys.stderr)
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    couple, user = make_couple()
    facts = {
        "load": load,
        "sessions": Session.objects.filter(couple=couple).count(),
        "notes": ProgressNote.objects.filter(couple=couple, signed_at__isnull=False).count(),
        "administrations": MeasureAdministration.objects.filter(couple=couple).count(),
        "objectives": Objective.objects.filter(goal__problem__plan__couple=couple,
                                               goal__problem__plan__status="active").count(),
    }
    month = default_period()
    year = (couple.start_date, timezone.localdate())
    cases = []
    for label, (start, end) in (("Progress report, last full month", month), ("Progress report, whole year", year)):
        options = ProgressOptions(start, end)

        def full(start=start, end=end):
            return couple_reports.progress_report_pdf(couple=couple, user=user, period_start=start, period_end=end)

        def build(options=options):
            report = build_progress_report(couple=couple, user=user, options=options)
            return {"meta": report.meta, "report": report}

        cases.append((label, full, build, couple_reports.PROGRESS_TEMPLATE))

    def full_summary():
        return couple_reports.discharge_summary_pdf(couple=couple, user=user)

    def build_summary():
        summary = build_discharge_summary(couple=couple, user=user)
        return {"meta": summary.meta, "summary": summary}

    cases.append(("Treatment summary", full_summary, build_summary, couple_reports.DISCHARGE_TEMPLATE))
    full, *_ = cases[0][1:]
    full()  # warm-up: imports, fonts, template loading
    rows = [bench_report(label, couple, user, full, build, template, args.rounds)
            for label, full, build, template in cases]
    if args.keep_pdfs:
        target = Path(args.keep_pdfs)
        target.mkdir(parents=True, exist_ok=True)
        for (label, full, _, _) in cases:
            name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            (target / f"{name}.pdf").write_bytes(full())
    text = table(rows, facts, args.rounds)
    print(text)
    if not args.no_write:
        write_section(text)
        print(f"Written to {RESULTS.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
