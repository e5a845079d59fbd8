"""The 2022 half-year report on a province-scale database against the demo database, measured
in one run. Target (issue 5): the province takes at most twice the demo's time.

    .venv/bin/python -m bench.report_bench                       # scale 1.0, cached in bench/out
    .venv/bin/python -m bench.report_bench --scale 0.05          # a quick one
    .venv/bin/python -m bench.report_bench --province sqlite:////path/province.db

The target is measured on what a user waits for: `bbt report half-year` end to end (process
start, login, figures, rendering) in Markdown, DOCX and PDF. To show where the time goes, the
same report is then timed inside one process, warm: the figures of section I alone
(`reports.build`) and the whole report (`reports.generate`) per format. Nothing is registered
(drafts: no --register), so every run sees the same data. The first run of each
measurement is a warm-up and not counted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

from bench import common

REPORT_DATE = date(2022, 6, 13)  # the reference document's date
FORMATS = ("md", "docx", "pdf")
TARGET = 2.0


def in_process(url: str, label: str, repeat: int) -> list[common.Timing]:
    from domain import reports
    from domain.auth import SYSTEM
    from domain.db import get_engine, transaction

    engine = get_engine(url)
    period = reports.period("half-year", 2022, half=1)

    def figures() -> None:
        with transaction(engine) as session:
            reports.build(session, SYSTEM, period, REPORT_DATE)

    def report(fmt: str):  # type: ignore[no-untyped-def]
        def run() -> None:
            with transaction(engine) as session:
                reports.generate(session, SYSTEM, period, fmt, report_date=REPORT_DATE)
        return run

    timings = [common.time_call(f"{label} figures", figures, repeat, warmup=1)]
    timings += [common.time_call(f"{label} report {fmt}", report(fmt), repeat, warmup=1)
                for fmt in FORMATS]
    return timings


def command(url: str, label: str, fmt: str, folder: Path) -> common.Command:
    """`bbt report half-year` as a user runs it: Markdown to stdout, DOCX and PDF written as
    drafts (rendered and written like a registered report, but no number taken, so every run
    sees the same register; --force: each run replaces the previous run's file)."""
    argv = common.bbt_argv("report", "half-year", "--year", "2022", "--half", "1",
                           "--date", REPORT_DATE.isoformat(), "--format", fmt)
    if fmt != "md":
        argv += ["--force", "-o", str(folder / f"{label}.{fmt}")]
    return common.Command(f"{label} bbt report {fmt}", argv, common.bbt_env(url))


def summary(url: str) -> str:
    """How big the database is: the rows the report reads from."""
    from sqlalchemy import func
    from sqlmodel import select

    from domain.db import get_engine, transaction
    from models import Article, Delivery, Document, Unit

    with transaction(get_engine(url)) as session:
        counts = {model.__name__.lower(): session.exec(select(func.count()).select_from(model))
                  .one() for model in (Unit, Document, Delivery, Article)}
    return ", ".join(f"{n:,} {name}s" for name, n in counts.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    common.province_options(parser, repeat=5)
    args = parser.parse_args(argv)

    demo, province = common.databases(args)
    print(f"demo:     {summary(demo)}")
    print(f"province: {summary(province)}")
    databases = (("demo", demo), ("province", province))
    with tempfile.TemporaryDirectory() as folder:
        # In turns (demo md, province md, demo docx, ...): a machine that gets busier or
        # quieter during the run weighs on both databases alike.
        commands = [command(url, label, fmt, Path(folder)) for fmt in FORMATS
                    for label, url in databases]
        cli = {(t.name.split()[0], t.name.split()[-1]): t
               for t in common.time_commands(commands, args.repeat)}
    inside = {label: in_process(url, label, args.repeat) for label, url in databases}
    print("\nThe command as users run it (process start and login included):")
    for fmt in FORMATS:
        common.print_timings([cli["demo", fmt], cli["province", fmt]], baseline=cli["demo", fmt])
    print("\nInside one process, warm (where the time goes):")
    common.print_timings(inside["demo"])
    common.print_timings(inside["province"])
    for mine, base in zip(inside["province"], inside["demo"], strict=True):
        print(f"{'':>6}  {mine.name.removeprefix('province ')}: {mine.ratio(base):.2f}× the demo")
    print(f"\nTarget: the province at most {TARGET:g}× the demo, end to end (wall clock, and the "
          "CPU time that a busy machine does not inflate):")
    ok = True
    for fmt in FORMATS:
        mine, base = cli["province", fmt], cli["demo", fmt]
        what = f"bbt report half-year --format {fmt}"
        wall_ok = common.check_ratio(f"{what}, wall", mine.median, base.median, TARGET)
        cpu_ok = common.check_ratio(f"{what}, CPU", mine.cpu_median or 0.0,
                                    base.cpu_median or 1.0, TARGET)
        ok &= wall_ok and cpu_ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
