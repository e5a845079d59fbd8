"""Two writers create the same row at once (a month's visitor count, a unit's data-entry
period): on PostgreSQL the second one used to fail on the unique key ("would duplicate"),
seen in the 32-operator soak (bench/soak.py). Now it waits for the first one's transaction
and updates the row it finds. Deterministic: the first writer holds its transaction open
until the second one is known to be waiting."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text

from domain import articles, dataentry
from domain.auth import Actor
from domain.db import get_engine, transaction
from tests.conftest import ADMIN_PASSWORD, Bbt, _pg_schema_url

ADMIN = Actor("admin", "admin")


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _pg_schema_url()


def waiting_on_a_lock(url: str) -> bool:
    with get_engine(url).connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND (query LIKE '%pg_advisory_xact_lock%' "
            "OR query LIKE 'INSERT INTO visit %' OR query LIKE 'INSERT INTO data_entry %')"
            )).scalar())


def race(url: str, write: Callable[[Any], object]) -> list[str]:
    """The first writer's change is made and held; the second starts meanwhile; the first
    commits once the second waits. Returns the second writer's error, if any."""
    engine = get_engine(url)
    errors: list[str] = []

    def second() -> None:
        try:
            with transaction(engine) as session:
                write(session)
        except Exception as exc:  # what the second writer was told
            errors.append(str(exc))

    with transaction(engine) as session:
        write(session)
        session.flush()
        thread = threading.Thread(target=second)
        thread.start()
        deadline = time.monotonic() + 20
        while not waiting_on_a_lock(url) and time.monotonic() < deadline:
            time.sleep(0.05)
    thread.join(30)
    return errors


def test_two_writers_of_a_new_month_both_succeed(pg_url: str) -> None:
    Bbt(pg_url).ok("init", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    errors = race(pg_url, lambda s: articles.set_visits(s, ADMIN, "2022-06", 1200))
    assert errors == []
    with transaction(get_engine(pg_url), write=False) as session:
        assert articles.visits(session)[-1]["visitors"] == 1200


def test_two_writers_of_a_new_data_entry_period_both_succeed(pg_url: str) -> None:
    Bbt(pg_url).ok("init", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    errors = race(pg_url, lambda s: dataentry.set_status(s, ADMIN, "BBT", "Khối Đảng", "2021",
                                                         "entered"))
    assert errors == []
