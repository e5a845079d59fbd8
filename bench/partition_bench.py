"""The measured step of docs/scaling.md: BBT's delivery queries on the plain `delivery` table
and on a copy declaratively partitioned by year of `sent_at`, on one PostgreSQL database.

    .venv/bin/python -m bench.partition_bench --db 'postgresql+psycopg://...' [--runs 5]

The database must hold a generated province (bench/generate.py, or `bbt db copy` of one).
The partitioned copy (`delivery_by_year`, one partition per year) is built beside the real
table, measured, and dropped at the end; BBT's own tables are not changed. Times are the
server's execution times (EXPLAIN ANALYZE), medians of --runs runs after one warm-up.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from sqlalchemy import Connection, create_engine, text

PARTITIONED = "delivery_by_year"
# (name, SQL with {table}): what the register, the inbox, the overdue list and the
# half-year report ask of the deliveries.
QUERIES = [
    ("half-year report: sent per unit, H1 2022",
     "SELECT unit_id, count(*) FROM {table} WHERE sent_at >= '2022-01-01' "
     "AND sent_at < '2022-07-01' GROUP BY unit_id"),
    ("one year's deliveries of a status",
     "SELECT count(*) FROM {table} WHERE sent_at >= '2021-01-01' AND sent_at < '2022-01-01' "
     "AND status = 'done'"),
    ("inbox: a unit's newest unacknowledged, 50",
     "SELECT id FROM {table} WHERE unit_id = (SELECT min(unit_id) FROM delivery) "
     "AND status = 'sent' ORDER BY sent_at DESC LIMIT 50"),
    ("overdue across the province (no year in the question)",
     "SELECT count(*) FROM {table} WHERE status IN ('sent', 'received') "
     "AND due < '2022-06-30'"),
    ("one document's deliveries",
     "SELECT id, unit_id, status FROM {table} WHERE document_id = "
     "(SELECT max(document_id) FROM delivery)"),
]


def build(conn: Connection) -> float:
    start = time.perf_counter()
    first, last = conn.execute(text(
        "SELECT extract(year FROM min(sent_at))::int, extract(year FROM max(sent_at))::int "
        "FROM delivery")).one()
    conn.execute(text(f"DROP TABLE IF EXISTS {PARTITIONED}"))
    conn.execute(text(f"CREATE TABLE {PARTITIONED} (LIKE delivery INCLUDING DEFAULTS) "
                      "PARTITION BY RANGE (sent_at)"))
    for year in range(first, last + 1):
        conn.execute(text(
            f"CREATE TABLE {PARTITIONED}_{year} PARTITION OF {PARTITIONED} "
            f"FOR VALUES FROM ('{year}-01-01') TO ('{year + 1}-01-01')"))
    conn.execute(text(f"INSERT INTO {PARTITIONED} SELECT * FROM delivery"))
    # The key must include the partition key: (id, sent_at), and so must any unique index.
    conn.execute(text(f"ALTER TABLE {PARTITIONED} ADD PRIMARY KEY (id, sent_at)"))
    for columns in ("document_id", "unit_id, status", "status, due", "sent_at"):
        conn.execute(text(f"CREATE INDEX ON {PARTITIONED} ({columns})"))
    conn.execute(text(f"ANALYZE {PARTITIONED}"))
    conn.execute(text("ANALYZE delivery"))
    return time.perf_counter() - start


def execution_ms(conn: Connection, sql: str) -> float:
    plan = "\n".join(r[0] for r in conn.execute(text("EXPLAIN (ANALYZE, TIMING OFF) " + sql)))
    found = re.search(r"Execution Time: ([\d.]+) ms", plan)
    assert found, plan
    return float(found.group(1))


def measure(conn: Connection, runs: int) -> list[tuple[str, float, float]]:
    rows = []
    for name, sql in QUERIES:
        times = {}
        for table in ("delivery", PARTITIONED):
            query = sql.format(table=table)
            execution_ms(conn, query)  # warm-up: both read from the cache alike
            times[table] = statistics.median(execution_ms(conn, query) for _ in range(runs))
        rows.append((name, times["delivery"], times[PARTITIONED]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    engine = create_engine(args.db)
    with engine.begin() as conn:
        count = conn.execute(text("SELECT count(*) FROM delivery")).scalar_one()
        seconds = build(conn)
    print(f"{count} deliveries; partitioned copy built in {seconds:.1f} s")
    try:
        with engine.begin() as conn:
            print("| query | plain (ms) | by year (ms) |\n| --- | --- | --- |")
            for name, plain, partitioned in measure(conn, args.runs):
                print(f"| {name} | {plain:.1f} | {partitioned:.1f} |")
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {PARTITIONED}"))


if __name__ == "__main__":
    main()
