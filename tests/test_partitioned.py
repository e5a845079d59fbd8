"""docs/scaling.md, stage 2: BBT on PostgreSQL with `delivery` declaratively partitioned by
year of `sent_at`. The migrations run, the table is swapped for a partitioned one, the demo
is loaded through the domain, and the main delivery queries (register, overdue list, inbox,
late units, the half-year report, the audit chain) answer exactly as on a plain table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from tests.conftest import ADMIN_PASSWORD, Bbt, _pg_schema_url

PARTITION = """
ALTER TABLE delivery RENAME TO delivery_plain;
CREATE TABLE delivery (LIKE delivery_plain INCLUDING DEFAULTS) PARTITION BY RANGE (sent_at);
ALTER SEQUENCE delivery_id_seq OWNED BY NONE;
DROP TABLE delivery_plain;
ALTER SEQUENCE delivery_id_seq OWNED BY delivery.id;
{partitions}
CREATE TABLE delivery_other PARTITION OF delivery DEFAULT;
-- A partitioned table's keys must hold the partition key (docs/scaling.md says what is lost).
ALTER TABLE delivery ADD PRIMARY KEY (id, sent_at);
ALTER TABLE delivery ADD UNIQUE (document_id, unit_id, sent_at);
ALTER TABLE delivery ADD FOREIGN KEY (document_id) REFERENCES document (id);
ALTER TABLE delivery ADD FOREIGN KEY (unit_id) REFERENCES unit (id);
CREATE INDEX ON delivery (unit_id, status);
CREATE INDEX ON delivery (status, due);
CREATE INDEX ON delivery (sent_at);
"""
# The main questions asked of deliveries, as a user asks them.
QUERIES = [
    ("doc", "list", "--limit", "0", "--json"),
    ("doc", "list", "--overdue", "--json"),
    ("doc", "late", "--json"),
    ("doc", "inbox", "--unit", "VPHU", "--all", "--json"),
    ("report", "half-year", "--year", "2022", "--half", "1", "--date", "2022-06-13"),
]


@pytest.fixture
def pg_urls() -> Iterator[tuple[str, str]]:
    plain = _pg_schema_url()
    partitioned = _pg_schema_url()
    yield next(plain), next(partitioned)
    for generator in (plain, partitioned):
        with pytest.raises(StopIteration):
            next(generator)


def _partition(url: str) -> None:
    from domain.db import get_engine

    partitions = "\n".join(
        f"CREATE TABLE delivery_{year} PARTITION OF delivery "
        f"FOR VALUES FROM ('{year}-01-01') TO ('{year + 1}-01-01');"
        for year in range(2015, 2031))
    with get_engine(url).begin() as conn:  # the migrations run first, in get_engine
        conn.exec_driver_sql(PARTITION.format(partitions=partitions))


def _demo(url: str) -> Bbt:
    runner = Bbt(url)
    runner.ok("init", "--demo", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    return runner.as_("admin", ADMIN_PASSWORD)


def test_main_queries_on_a_partitioned_delivery_table(pg_urls: tuple[str, str]) -> None:
    from domain.db import get_engine

    plain_url, partitioned_url = pg_urls
    _partition(partitioned_url)
    plain, partitioned = _demo(plain_url), _demo(partitioned_url)
    with get_engine(partitioned_url).connect() as conn:
        kind = conn.execute(text("SELECT relkind FROM pg_class WHERE relname = 'delivery' "
                                 "AND relnamespace = current_schema()::regnamespace")).scalar()
        spread = conn.execute(text("SELECT count(DISTINCT tableoid) FROM delivery")).scalar()
        unit = conn.execute(text("SELECT u.code FROM delivery d JOIN unit u ON u.id = d.unit_id "
                                 "WHERE d.status = 'sent' ORDER BY d.id LIMIT 1")).scalar()
    assert kind == "p" and spread and spread >= 1
    for query in QUERIES:
        assert partitioned.ok(*query).stdout == plain.ok(*query).stdout, query
    # Acting on deliveries (acknowledge, forward) works through the partitions too.
    assert unit, "the demo has deliveries not yet acknowledged"
    waiting = [r for r in partitioned.json("doc", "inbox", "--unit", unit)
               if r["status"] == "sent"]
    partitioned.ok("doc", "ack", waiting[0]["number"], "--unit", unit)
    assert partitioned.json("doc", "inbox", "--unit", unit) != \
        plain.json("doc", "inbox", "--unit", unit)
    partitioned.ok("audit", "verify")
