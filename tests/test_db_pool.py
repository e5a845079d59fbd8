"""The PostgreSQL connection pool of each process is sized from the environment
(BBT_DB_POOL_SIZE, BBT_DB_MAX_OVERFLOW; deploy/README.md), small by default so that a
province's sessions fit under the server's max_connections. Engines are made here without
connecting, so no server is needed."""

from __future__ import annotations

import pytest

from domain.db import make_engine
from tests.conftest import Bbt

PG = "postgresql+psycopg://bbt@127.0.0.1:5432/bbt"


def pool_of(monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[int, int]:
    for name in ("BBT_DB_POOL_SIZE", "BBT_DB_MAX_OVERFLOW"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pool = make_engine(PG).pool
    return pool.size(), pool._max_overflow  # type: ignore[attr-defined]


def test_small_by_default_and_sized_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pool_of(monkeypatch) == (2, 2)
    assert pool_of(monkeypatch, BBT_DB_POOL_SIZE="8", BBT_DB_MAX_OVERFLOW="0") == (8, 0)


@pytest.mark.parametrize("value", ["0", "abc", "-1", "101"])
def test_a_bad_size_is_one_sentence_and_exit_1(value: str) -> None:
    result = Bbt(PG).as_("admin", "-")("doc", "list", env={"BBT_DB_POOL_SIZE": value})
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (f"BBT_DB_POOL_SIZE must be a whole number from 1 to 100, "
                                     f"not {value}.")
