"""Every database test runs on SQLite and on PostgreSQL.

PostgreSQL: the local server (127.0.0.1:5432, trust auth, database `test`, or
BBT_TEST_PG_URL), one schema per test so runs never see each other. Where no server
answers, those tests skip with the reason, except under CI, where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

# Tests read English messages; tests of the Vietnamese UI set BBT_LANG=vi themselves.
os.environ["BBT_LANG"] = "en"
# Cheap Argon2id cost for the thousands of logins of the suite, switched on in-process (no
# environment variable can do it); test_password_hashing proves the production cost is the
# default elsewhere and that such hashes are upgraded at the next production login.
from domain.auth import use_cheap_hash_for_tests  # noqa: E402

use_cheap_hash_for_tests()

PG_URL = os.environ.get("BBT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ADMIN_PASSWORD = "Quan-tri-vien-2022"

_pg_problem: str | None = None
_pg_checked = False


def pg_unavailable() -> str | None:
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_checked = True
        try:
            import psycopg

            with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
                pass
        except Exception as exc:  # any failure means: no usable server here
            _pg_problem = f"no PostgreSQL at {PG_URL}: {str(exc).splitlines()[0]}"
    return _pg_problem


def _pg_schema_url() -> Iterator[str]:
    import psycopg

    problem = pg_unavailable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must not skip PostgreSQL tests: {problem}")
        pytest.skip(problem)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = PG_URL.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        from domain.db import dispose_all

        dispose_all()
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bbt.db'}"
        from domain.db import dispose_all

        dispose_all()
    else:
        yield from _pg_schema_url()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Bbt:
    """Runs `bbt` in-process with the same error handling as the console script."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.user: str | None = None
        self.password: str | None = None

    def as_(self, user: str, password: str) -> Bbt:
        clone = Bbt(self.url)
        clone.user, clone.password = user, password
        return clone

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None) -> Result:
        from commands.common import state
        from commands.main import _describe, app

        state.actor = None
        full_env = {"BBT_DATABASE_URL": self.url, "BBT_USER": self.user,
                    "BBT_PASSWORD": self.password, **(env or {})}
        result = CliRunner().invoke(app, list(args), input=input, env=full_env)
        stderr = result.stderr
        code = result.exit_code
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            code, message = _describe(result.exception)  # type: ignore[arg-type]
            stderr += message + "\n"
        return Result(code, result.stdout, stderr)

    def ok(self, *args: str, **kwargs) -> Result:
        result = self(*args, **kwargs)
        assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str, **kwargs):
        import json

        return json.loads(self.ok(*args, "--json", **kwargs).stdout)


@pytest.fixture
def bbt(db_url: str) -> Bbt:
    """An initialised database and `bbt` acting as its admin."""
    runner = Bbt(db_url)
    runner.ok("init", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    return runner.as_("admin", ADMIN_PASSWORD)


@pytest.fixture
def demo(db_url: str) -> Bbt:
    """The demo dataset of SPEC section 3, with `bbt` acting as its admin."""
    runner = Bbt(db_url)
    runner.ok("init", "--demo", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    return runner.as_("admin", ADMIN_PASSWORD)


def make_user(bbt: Bbt, username: str, unit: str, role: str, password: str | None = None) -> Bbt:
    """Create (or reuse a demo) account with a known password and return `bbt` acting as it."""
    password = password or f"Mat-khau-{username}-2022"
    if bbt("account", "list", "--json").stdout.find(f'"username": "{username}"') < 0:
        bbt.ok("account", "add", username, "--unit", unit, "--role", role, "--password-stdin",
               input=password + "\n")
        return bbt.as_(username, password)
    one_time = bbt.ok("account", "reset-password", username).stdout.rsplit(":", 1)[1].strip()
    user = bbt.as_(username, one_time)
    user.ok("passwd", "--password-stdin", input=password + "\n")
    return bbt.as_(username, password)
