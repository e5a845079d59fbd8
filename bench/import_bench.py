"""100,000 article rows from CSV: `bbt import articles` against plain sqlite3 and sqlite-utils,
measured in one run (issue 6).

    .venv/bin/python -m bench.import_bench                 # 100,000 rows, 3 runs each
    .venv/bin/python -m bench.import_bench --rows 20000 --repeat 1 --no-pg

(a)  plain sqlite3: read the CSV with the csv module and `executemany` the rows into a bare
     table (no constraints, no index), commit. Also shown: the executemany and commit alone.
(b)  `bbt import` in this process: read, decode and check the file, classify every row
     against the database, bulk insert, one audit entry, commit; into a fresh copy of the
     demo database each run (the copy is not timed).
(b') `bbt import articles FILE` as a user runs it (process start and login included).
(c)  `sqlite-utils insert DB articles FILE --csv` (process start included), when installed
     (`pip install -e '.[bench]'`).
PostgreSQL: (b) into a fresh schema holding the demo dataset, when a server answers.

Targets: (b) at most 5 times (a); (b') less than half of (c); PostgreSQL under 10 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
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
TARGET_PG_SECONDS = 10.0


def write_csv(path: Path, rows: int) -> None:
    """Ten years of a district's articles: Vietnamese titles, most of them published."""
    start = date(2012, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(COLUMNS)
        for i in range(rows):
            submitted = start + timedelta(days=i * 3650 // rows)
            published = i % 9 != 0
            writer.writerow([
                f"{TOPICS[i % len(TOPICS)]} tại {UNITS[i % len(UNITS)]} (tin số {i + 1})",
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


def run_command(argv: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=common.ROOT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} ... exited {done.returncode}: "
                         f"{done.stderr.strip()[-400:]}")
    return elapsed


def sqlite_utils_argv() -> list[str] | None:
    script = Path(sys.executable).with_name("sqlite-utils")
    return [str(script)] if script.exists() else None


# --- PostgreSQL ---------------------------------------------------------------------------

def postgres(csv_path: Path) -> tuple[float, dict[str, object]] | str:
    """The import into a fresh schema holding the demo dataset, or why it did not run."""
    try:
        import psycopg

        plain = PG_URL.replace("+psycopg", "")
        with psycopg.connect(plain, connect_timeout=3, autocommit=True) as conn:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # no server here: report, do not fail the other figures
        return f"no PostgreSQL at {PG_URL} ({str(exc).splitlines()[0]})"
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        from domain import bootstrap
        from domain.db import dispose_all, get_engine, transaction

        with transaction(get_engine(url)) as session:
            bootstrap.initialise(session, common.ADMIN, common.ADMIN_PASSWORD, with_demo=True)
        dispose_all()
        return bbt_in_process(url, csv_path)
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


# --- the run ------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pg", action="store_true", help="Skip PostgreSQL.")
    args = parser.parse_args()

    demo = Path(common.demo_db().split("///", 1)[1])
    with tempfile.TemporaryDirectory(prefix="bbt-import-bench-") as folder:
        work = Path(folder)
        csv_path = work / "articles.csv"
        write_csv(csv_path, args.rows)
        print(f"{args.rows:,} article rows, {csv_path.stat().st_size / 1e6:.1f} MB of CSV; "
              f"{args.repeat} runs each, interleaved\n")
        ok = measure(args, work, demo, csv_path)
    return 0 if ok else 1


def measure(args: argparse.Namespace, work: Path, demo: Path, csv_path: Path) -> bool:
    plain = common.Timing("(a) sqlite3 csv+executemany")
    plain_insert = common.Timing("    executemany+commit only")
    bbt = common.Timing("(b) bbt import, in process")
    bbt_cli = common.Timing("(b') bbt import, command")
    utils = common.Timing("(c) sqlite-utils insert --csv")
    utils_argv = sqlite_utils_argv()
    result: dict[str, object] = {}
    for run in range(args.repeat):
        whole, insert_only = plain_sqlite(csv_path, work)
        plain.runs.append(whole)
        plain_insert.runs.append(insert_only)
        copy = fresh_copy(demo, work, "bbt.db")
        elapsed, result = bbt_in_process(common.sqlite_url(copy), csv_path)
        bbt.runs.append(elapsed)
        copy = fresh_copy(demo, work, "cli.db")
        bbt_cli.runs.append(run_command(
            common.bbt_argv("import", "articles", str(csv_path), "--json"),
            common.bbt_env(common.sqlite_url(copy))))
        if utils_argv:
            target = work / "utils.db"
            target.unlink(missing_ok=True)
            utils.runs.append(run_command(
                [*utils_argv, "insert", str(target), "articles", str(csv_path), "--csv"]))
        print(f"run {run + 1}: a {whole:.2f}s, b {elapsed:.2f}s, b' {bbt_cli.runs[-1]:.2f}s"
              + (f", c {utils.runs[-1]:.2f}s" if utils_argv else ""), file=sys.stderr)
    if result.get("inserted") != args.rows:
        raise SystemExit(f"bbt import did not insert every row: {result}")

    timings = [plain, plain_insert, bbt, bbt_cli] + ([utils] if utils_argv else [])
    print()
    common.print_timings(timings, plain)
    print()
    ok = common.check_ratio("(b) bbt import / (a) plain sqlite3", bbt.median, plain.median,
                            TARGET_SQLITE)
    common.check_ratio("(b) bbt import / executemany alone (for reference)", bbt.median,
                       plain_insert.median, TARGET_SQLITE)
    if utils_argv:
        ok &= common.check_ratio("(b') bbt import command / (c) sqlite-utils command",
                                 bbt_cli.median, utils.median, TARGET_SQLITE_UTILS)
        common.check_ratio("(b) in process / (c) sqlite-utils command", bbt.median,
                           utils.median, TARGET_SQLITE_UTILS)
    else:
        print("  SKIP  sqlite-utils is not installed: pip install -e '.[bench]'")
    if not args.no_pg:
        ok &= report_postgres(csv_path, args.rows)
    return ok


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
