"""`bbt db copy --to URL`: SQLite to PostgreSQL and back, proved; refusals (SPEC 7.5)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.conftest import ADMIN_PASSWORD, Bbt, _pg_schema_url, make_user


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _pg_schema_url()


def _demo_sqlite(tmp_path: Path, name: str = "source.db") -> Bbt:
    runner = Bbt(f"sqlite:///{tmp_path / name}")
    runner.ok("init", "--demo", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    return runner.as_("admin", ADMIN_PASSWORD)


def _counts(url: str) -> dict[str, int]:
    from domain import dbcopy
    from domain.db import get_engine

    with get_engine(url).connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in dbcopy.tables()}


def test_demo_to_postgresql_and_back(tmp_path: Path, pg_url: str) -> None:
    source = _demo_sqlite(tmp_path)
    source.ok("doc", "list", "--json")
    before = _counts(source.url)
    result = source.ok("db", "copy", "--to", pg_url)
    assert "proved" in result.stdout and f"delivery: {before['delivery']} rows" in result.stdout
    on_pg = Bbt(pg_url).as_("admin", ADMIN_PASSWORD)
    after = _counts(pg_url)
    # The copy records where it came from: one audit entry more, everything else equal.
    assert after == {**before, "audit_entry": before["audit_entry"] + 1}
    on_pg.ok("audit", "verify")
    assert on_pg.json("doc", "list") == source.json("doc", "list")
    # The search index is the engines' own (FTS5, tsvector), rebuilt by its triggers.
    found = on_pg.json("doc", "list", "--search", "bao cao")
    assert found and found == source.json("doc", "list", "--search", "bao cao")
    # The sequences moved past the copied ids: new rows on PostgreSQL get new ids.
    on_pg.ok("unit", "add", "MOI", "Đơn vị mới sau khi chuyển", "--kind", "other")

    back = Bbt(f"sqlite:///{tmp_path / 'back.db'}").as_("admin", ADMIN_PASSWORD)
    on_pg.ok("db", "copy", "--to", back.url)
    back.ok("audit", "verify")
    assert {u["code"] for u in back.json("unit", "list")} == \
        {u["code"] for u in on_pg.json("unit", "list")}
    assert _counts(back.url)["audit_entry"] == _counts(pg_url)["audit_entry"] + 1


def test_register_counters_travel(tmp_path: Path, pg_url: str) -> None:
    from domain.db import get_engine

    source = _demo_sqlite(tmp_path)
    query = text("SELECT unit_id, book, series, period, value FROM register_counter "
                 "ORDER BY unit_id, book, series, period")
    with get_engine(source.url).connect() as conn:
        counters = [tuple(r) for r in conn.execute(query)]
    assert counters  # the demo has issued numbers
    source.ok("db", "copy", "--to", pg_url)
    with get_engine(pg_url).connect() as conn:
        assert [tuple(r) for r in conn.execute(query)] == counters


def test_non_empty_target_refused(tmp_path: Path, pg_url: str) -> None:
    source = _demo_sqlite(tmp_path)
    other = Bbt(pg_url)
    other.ok("init", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    before = _counts(pg_url)
    result = source("db", "copy", "--to", pg_url)
    assert result.exit_code == 1
    assert "already holds data" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert _counts(pg_url) == before
    # Onto itself: the source is never empty.
    assert source("db", "copy", "--to", source.url).exit_code == 1


def test_tampered_source_fails_the_proof(tmp_path: Path, pg_url: str) -> None:
    from domain.db import get_engine

    source = _demo_sqlite(tmp_path)
    with get_engine(source.url).begin() as conn:
        conn.execute(text("UPDATE audit_entry SET detail = 'forged' WHERE id = 3"))
    result = source("db", "copy", "--to", pg_url)
    assert result.exit_code == 1
    assert "failed its proof" in result.stderr and "entry 3" in result.stderr
    # Rolled back whole: the target holds no row.
    assert not any(_counts(pg_url).values())


def test_only_admins_copy(tmp_path: Path) -> None:
    source = _demo_sqlite(tmp_path)
    operator = make_user(source, "op", "BBT", "operator")
    target = tmp_path / "target.db"
    assert operator("db", "copy", "--to", f"sqlite:///{target}").exit_code == 3


def test_forward_links_within_a_table(tmp_path: Path) -> None:
    """A unit whose parent was created after it (moved under a newer unit) still copies."""
    from domain.db import get_engine

    source = _demo_sqlite(tmp_path)
    source.ok("unit", "add", "CU", "Đơn vị cũ", "--kind", "other")
    source.ok("unit", "add", "MOI", "Đơn vị mới", "--kind", "other")
    with get_engine(source.url).begin() as conn:
        conn.execute(text("UPDATE unit SET parent_id = (SELECT id FROM unit WHERE code = 'MOI') "
                          "WHERE code = 'CU'"))
    target = Bbt(f"sqlite:///{tmp_path / 'target.db'}").as_("admin", ADMIN_PASSWORD)
    source.ok("db", "copy", "--to", target.url)
    with get_engine(target.url).connect() as conn:
        parent = conn.execute(text("SELECT p.code FROM unit u JOIN unit p ON p.id = u.parent_id "
                                   "WHERE u.code = 'CU'")).scalar_one()
    assert parent == "MOI"


def test_generated_province_copies_and_stays_consistent(tmp_path: Path, pg_url: str) -> None:
    """The bench generator's province (tiny scale), SQLite to PostgreSQL, in-process: the
    copy passes the generator's own checks (gapless registers whose counters continue them,
    records consistent) and its audit chain is intact."""
    from sqlmodel import Session

    from bench import generate
    from domain import audit, db, dbcopy
    from domain.auth import Actor
    from tests.test_bench_generator import (
        check_records_are_consistent,
        check_registers_are_gapless_and_counters_continue_them,
    )

    source_url = f"sqlite:///{tmp_path / 'province.db'}"
    generate.generate(source_url, scale=0.002, seed=7, quiet=True)
    report = dbcopy.copy(db.get_engine(source_url), pg_url, Actor("admin", "admin"))
    assert dict(report.tables) == _counts(source_url) and report.counters > 0
    copy = db.get_engine(pg_url)
    check_records_are_consistent(copy)
    check_registers_are_gapless_and_counters_continue_them(copy)
    with Session(copy) as session:
        assert audit.verify(session).ok


def test_source_missing_a_table_refused(tmp_path: Path) -> None:
    from domain.db import get_engine

    source = _demo_sqlite(tmp_path)
    with get_engine(source.url).begin() as conn:
        conn.execute(text("DROP TABLE report_snapshot"))
    target = tmp_path / "target.db"
    result = source("db", "copy", "--to", f"sqlite:///{target}")
    assert result.exit_code == 1 and "report_snapshot" in result.stderr
    assert not target.exists()
