"""100,000 article rows from CSV: `bbt import articles` against plain sqlite3 and sqlite-utils,
measured in one run (issues 6, 12 and 13).

    .venv/bin/python -m bench.import_bench                 # 100,000 rows, 3 runs each
    .venv/bin/python -m bench.import_bench --rows 20000 --repeat 1 --no-pg
    .venv/bin/python -m bench.import_bench --big-mb 256    # also a 256 MB file (issue 12)

(a)  plain sqlite3: read the CSV with the csv module and `executemany` the rows into a bare
     table (no constraints, no index), commit. Also shown: the executemany and commit alone.
(b)  `bbt import` in this process: read, decode and check the file, classify every row
     against the database, bulk insert, one audit entry, commit; into a fresh copy of the
     demo database each run (the copy is not timed).
(b') `bbt import articles FILE` as a user runs it (process start and login included), with
     its CPU time and peak memory (VmHWM).
(b") the same command again on the same file: every row unchanged.
(c)  `sqlite-utils insert DB articles FILE --csv` (process start included), when installed
     (`pip install -e '.[bench]'`), with its CPU time and peak memory.
PostgreSQL: (b) into a fresh schema holding the demo dataset, when a server answers.
--big-mb N: one import of an N MB article file (within MAX_ROWS: longer titles), its peak,
on SQLite and on PostgreSQL.

Targets: (b) at most 5 times (a); (b') at most half of (c) by CPU and by wall; (b') peak at
most 150 MB; (b") at most 0.3 times (b'); PostgreSQL under 5 s; the 256 MB file within
300 MB.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from bench import common

COLUMNS = ["title", "kind", "unit", "author", "photos", "status", "submitted", "published",
           "url"]
# Demo units that send articles (domain/demo.py).
UNITS = ["BBT", "BTGHU", "VPHU", "DU-LOCTHANG", "DU-LOCAN", "DU-LOCBAO", "DU-LOCBAC",
         "DU-LOCLAM", "CB-01", "CB-02", "CB-03", "CB-04"]
AUTHORS = ["Nguyễn Thị Hồng", "Trần Văn Đức", "Lê Minh Tuấn", "K'Brơi", "Phạm Thu Hà",
           "Hoàng Văn Lâm", "Ka Thảo", "Đặng Quốc Việt"]
KINDS = ["news", "feature", "slogan", "document"]
TOPICS = ["Hội nghị sơ kết công tác xây dựng Đảng", "Chuyển đổi số trong các cơ quan Đảng",
          "Phong trào thi đua yêu nước ở cơ sở", "Học tập và làm theo tư tưởng Hồ Chí Minh",
          "Phát triển kinh tế chè và cà phê", "Tập huấn phần mềm gửi nhận văn bản"]
PG_URL = os.environ.get("BBT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGET_SQLITE = 5.0
TARGET_SQLITE_UTILS = 0.5
TARGET_REIMPORT = 0.3
TARGET_PEAK_MB = 150
TARGET_BIG_PEAK_MB = 300
TARGET_PG_SECONDS = 5.0
# Runs a command's entry point in this interpreter and reports its own peak memory (VmHWM
# of /proc/self/status) on stderr: a child's ru_maxrss would include this process's peak,
# which Linux carries across fork and exec.
PEAK = """
import atexit, importlib, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write(f"\\nVmHWM {line.split()[1]}\\n")
atexit.register(peak)
module, _, function = sys.argv[1].partition(":")
sys.argv = [module, *sys.argv[2:]]
sys.exit(getattr(importlib.import_module(module), function)())
"""
BBT = "commands.main:run"
SQLITE_UTILS = "sqlite_utils.cli:cli"


def write_csv(path: Path, rows: int, padding: str = "") -> None:
    """Ten years of a district's articles: Vietnamese titles, most of them published
    (`padding` lengthens every title)."""
    start = date(2012, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(COLUMNS)
        for i in range(rows):
            submitted = start + timedelta(days=i * 3650 // rows)
            published = i % 9 != 0
            writer.writerow([
                f"{TOPICS[i % len(TOPICS)]} tại {UNITS[i % len(UNITS)]}{padding} (tin số {i + 1})",
                KINDS[i % len(KINDS)], UNITS[i % len(UNITS)], AUTHORS[i % len(AUTHORS)],
                i % 6, "published" if published else "submitted", submitted.isoformat(),
                (submitted + timedelta(days=2)).isoformat() if published else "",
                f"https://baolam.lamdong.dcs.vn/tin-bai/{i + 1}" if published else ""])


# --- (a) plain sqlite3 ------------------------------------------------------------------

def plain_sqlite(csv_path: Path, work: Path) -> tuple[float, float]:
    """Seconds for the whole (CSV read + executemany + commit) and for executemany alone."""
    db = work / "plain.db"
    for stale in work.glob("plain.db*"):
        stale.unlink()
    start = time.perf_counter()
    with csv_path.open(newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        next(reader)
        rows = list(reader)
    connection = sqlite3.connect(db)
    connection.execute(f"CREATE TABLE article ({', '.join(COLUMNS)})")
    inserting = time.perf_counter()
    connection.executemany(f"INSERT INTO article VALUES ({', '.join('?' * len(COLUMNS))})",
                           rows)
    connection.commit()
    end = time.perf_counter()
    connection.close()
    return end - start, end - inserting


# --- (b) bbt import -----------------------------------------------------------------------

def fresh_copy(demo: Path, work: Path, name: str) -> Path:
    target = work / name
    for stale in work.glob(f"{name}*"):
        stale.unlink()
    shutil.copyfile(demo, target)
    wal = Path(f"{demo}-wal")
    if wal.exists():
        shutil.copyfile(wal, Path(f"{target}-wal"))
    return target


def bbt_in_process(url: str, csv_path: Path) -> tuple[float, dict[str, object]]:
    from domain import imports
    from domain.auth import SYSTEM
    from domain.db import dispose_all, get_engine, transaction

    engine = get_engine(url)
    start = time.perf_counter()
    prepared = imports.prepare("articles", csv_path)
    with transaction(engine) as session:
        result = imports.run_import(session, SYSTEM, "articles", prepared)
    elapsed = time.perf_counter() - start
    dispose_all()
    return elapsed, result.as_json()


def run_measured(target: str, args: list[str], env: dict[str, str] | None = None
                 ) -> tuple[float, float, float]:
    """A command's wall seconds, CPU seconds (user + system) and peak memory in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, target, *args], cwd=common.ROOT,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{target} {' '.join(args[:2])} ... exited {done.returncode}: "
                         f"{done.stderr.strip()[-400:]}")
    peak = int(re.findall(r"VmHWM (\d+)", done.stderr)[-1]) / 1024
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu, peak


def has_sqlite_utils() -> bool:
    return importlib.util.find_spec("sqlite_utils") is not None


# --- PostgreSQL ---------------------------------------------------------------------------

@contextmanager
def postgres_schema() -> Iterator[str]:
    """The URL of a fresh schema holding the demo dataset, dropped afterwards (NoPostgres
    when no server answers)."""
    import psycopg

    plain = PG_URL.replace("+psycopg", "")
    try:
        with psycopg.connect(plain, connect_timeout=3, autocommit=True) as conn:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # no server here: report, do not fail the other figures
        raise NoPostgres(f"no PostgreSQL at {PG_URL} ({str(exc).splitlines()[0]})") from None
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        from domain import bootstrap
        from domain.db import dispose_all, get_engine, transaction

        with transaction(get_engine(url)) as session:
            bootstrap.initialise(session, common.ADMIN, common.ADMIN_PASSWORD, with_demo=True)
        dispose_all()
        yield url
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


class NoPostgres(Exception):
    pass


def postgres(csv_path: Path) -> tuple[float, dict[str, object]] | str:
    """The import into a fresh schema holding the demo dataset, or why it did not run."""
    try:
        with postgres_schema() as url:
            return bbt_in_process(url, csv_path)
    except NoPostgres as exc:
        return str(exc)


# --- the run ------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pg", action="store_true", help="Skip PostgreSQL.")
    parser.add_argument("--big-mb", type=int, default=0,
                        help="Also import a file of this many MB (issue 12: 256).")
    args = parser.parse_args()

    demo = Path(common.demo_db().split("///", 1)[1])
    with tempfile.TemporaryDirectory(prefix="bbt-import-bench-") as folder:
        work = Path(folder)
        csv_path = work / "articles.csv"
        write_csv(csv_path, args.rows)
        print(f"{args.rows:,} article rows, {csv_path.stat().st_size / 1e6:.1f} MB of CSV; "
              f"{args.repeat} runs each, interleaved; load average "
              f"{os.getloadavg()[0]:.1f}\n")
        ok = measure(args, work, demo, csv_path)
        if args.big_mb:
            ok &= big_file(work, demo, args.big_mb, with_pg=not args.no_pg)
    return 0 if ok else 1


def measure(args: argparse.Namespace, work: Path, demo: Path, csv_path: Path) -> bool:
    plain = common.Timing("(a) sqlite3 csv+executemany")
    plain_insert = common.Timing("    executemany+commit only")
    bbt = common.Timing("(b) bbt import, in process")
    bbt_cli = common.Timing("(b') bbt import, command")
    again = common.Timing("(b\") the same again, unchanged")
    utils = common.Timing("(c) sqlite-utils insert --csv")
    peaks: dict[str, list[float]] = {t.name: [] for t in (bbt_cli, again, utils)}
    with_utils = has_sqlite_utils()
    result: dict[str, object] = {}
    for run in range(args.repeat):
        whole, insert_only = plain_sqlite(csv_path, work)
        plain.runs.append(whole)
        plain_insert.runs.append(insert_only)
        copy = fresh_copy(demo, work, "bbt.db")
        elapsed, result = bbt_in_process(common.sqlite_url(copy), csv_path)
        bbt.runs.append(elapsed)
        copy = fresh_copy(demo, work, "cli.db")
        command = ["import", "articles", str(csv_path), "--json"]
        env = common.bbt_env(common.sqlite_url(copy))
        for timing in (bbt_cli, again):
            wall, cpu, peak = run_measured(BBT, command, env)
            timing.runs.append(wall)
            timing.cpu.append(cpu)
            peaks[timing.name].append(peak)
        if with_utils:
            target = work / "utils.db"
            target.unlink(missing_ok=True)
            wall, cpu, peak = run_measured(
                SQLITE_UTILS, ["insert", str(target), "articles", str(csv_path), "--csv"])
            utils.runs.append(wall)
            utils.cpu.append(cpu)
            peaks[utils.name].append(peak)
        print(f"run {run + 1}: a {whole:.2f}s, b {elapsed:.2f}s, b' {bbt_cli.runs[-1]:.2f}s "
              f"({bbt_cli.cpu[-1]:.2f}s CPU), b\" {again.runs[-1]:.2f}s "
              f"({again.cpu[-1]:.2f}s CPU)"
              + (f", c {utils.runs[-1]:.2f}s ({utils.cpu[-1]:.2f}s CPU)" if with_utils else ""),
              file=sys.stderr)
    if result.get("inserted") != args.rows:
        raise SystemExit(f"bbt import did not insert every row: {result}")

    print()
    common.print_timings([plain, plain_insert, bbt], plain)
    print()
    commands = [bbt_cli, again] + ([utils] if with_utils else [])
    common.print_timings(commands, bbt_cli)
    for name, values in peaks.items():
        if values:
            print(f"  peak memory, {name}: {statistics.median(values):.0f} MB")
    print()
    ok = common.check_ratio("(b) bbt import / (a) plain sqlite3", bbt.median, plain.median,
                            TARGET_SQLITE)
    common.check_ratio("(b) bbt import / executemany alone (for reference)", bbt.median,
                       plain_insert.median, TARGET_SQLITE)
    ok &= check_cpu("(b\") unchanged re-import / (b') first import", again, bbt_cli,
                    TARGET_REIMPORT)
    ok &= check_peak("(b') and (b\") peak memory", peaks[bbt_cli.name] + peaks[again.name],
                     TARGET_PEAK_MB)
    if with_utils:
        ok &= check_cpu("(b') bbt import command / (c) sqlite-utils command", bbt_cli, utils,
                        TARGET_SQLITE_UTILS)
        common.check_ratio("(b) in process / (c) sqlite-utils command", bbt.median,
                           utils.median, TARGET_SQLITE_UTILS)
    else:
        print("  SKIP  sqlite-utils is not installed: pip install -e '.[bench]'")
    if not args.no_pg:
        ok &= report_postgres(csv_path, args.rows)
    return ok


def check_cpu(what: str, value: common.Timing, baseline: common.Timing, limit: float) -> bool:
    """A target met by CPU time and by wall time both."""
    ok = common.check_ratio(f"{what}, CPU", value.cpu_median or 0, baseline.cpu_median or 1,
                            limit)
    return common.check_ratio(f"{what}, wall", value.median, baseline.median, limit) and ok


def check_peak(what: str, values: list[float], limit: float) -> bool:
    worst = max(values)
    verdict = "OK" if worst <= limit else "MISSED"
    print(f"{verdict:>6}  {what}: at most {worst:.0f} MB (target ≤ {limit:g} MB)")
    return worst <= limit


def big_file(work: Path, demo: Path, megabytes: int, with_pg: bool) -> bool:
    """Issue 12: one import of a file of `megabytes` (rows within MAX_ROWS), its peak, on
    SQLite and (unless --no-pg) PostgreSQL."""
    from domain.imports_io import MAX_FILE_BYTES, MAX_ROWS

    path = work / "big.csv"
    limit = min(megabytes * 1_000_000, MAX_FILE_BYTES - 1_000_000)
    sample = work / "sample.csv"
    padding = " — " + "tin tức hoạt động của Đảng bộ huyện Bảo Lâm " * 2
    write_csv(sample, 1000, padding)
    rows = min(MAX_ROWS, int(1000 * limit / sample.stat().st_size))
    write_csv(path, rows, padding)
    size = path.stat().st_size
    command = ["import", "articles", str(path), "--json"]
    copy = fresh_copy(demo, work, "big.db")
    ok = big_import(f"{size / 2**20:.0f} MB file, {rows:,} rows, SQLite", command,
                    common.sqlite_url(copy))
    if with_pg:
        try:
            with postgres_schema() as url:
                ok &= big_import(f"{size / 2**20:.0f} MB file, {rows:,} rows, PostgreSQL",
                                 command, url)
        except NoPostgres as exc:
            print(f"  SKIP  PostgreSQL: {exc}")
    return ok


def big_import(what: str, command: list[str], url: str) -> bool:
    wall, cpu, peak = run_measured(BBT, command, common.bbt_env(url))
    print(f"\n{what}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak {peak:.0f} MB (load average "
          f"{os.getloadavg()[0]:.1f})")
    return check_peak(f"{what}: the import's peak memory", [peak], TARGET_BIG_PEAK_MB)


def report_postgres(csv_path: Path, rows: int) -> bool:
    outcome = postgres(csv_path)
    if isinstance(outcome, str):
        print(f"  SKIP  PostgreSQL: {outcome}")
        return True
    elapsed, result = outcome
    if result.get("inserted") != rows:
        raise SystemExit(f"bbt import on PostgreSQL did not insert every row: {result}")
    verdict = "OK" if elapsed < TARGET_PG_SECONDS else "MISSED"
    print(f"{verdict:>6}  PostgreSQL bbt import: {elapsed:.2f} s (target < "
          f"{TARGET_PG_SECONDS:g} s)")
    return elapsed < TARGET_PG_SECONDS


if __name__ == "__main__":
    sys.exit(main())
