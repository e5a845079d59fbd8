"""Every database test runs on SQLite and on PostgreSQL.

PostgreSQL: the local server (127.0.0.1:5432, trust auth, database `test`, or
BBT_TEST_PG_URL), one schema per test so runs never see each other. Where no server
answers, those tests skip with the reason, except under CI, where they fail.

SQLite: the initialised databases (`bbt`, `demo`, and the UI tests' `fresh_sqlite` and
`demo_sqlite`) are copies of one made once per test process: a copy takes milliseconds,
`bbt init` a second and `bbt init --demo` several. PostgreSQL still runs `bbt init` in each
test's own schema, so the initialisation itself is tested on both engines.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from typer.testing import CliRunner

# Tests read English messages; tests of the Vietnamese UI set BBT_LANG=vi themselves.
os.environ["BBT_LANG"] = "en"
# Cheap Argon2id cost for the thousands of logins of the suite, switched on in-process (no
# environment variable can do it); test_password_hashing proves the production cost is the
# default elsewhere and that such hashes are upgraded at the next production login.
from domain.auth import use_cheap_hash_for_tests  # noqa: E402

use_cheap_hash_for_tests()
# Throwaway databases need no commit flushed to the disk (a few milliseconds each): SQLite's
# synchronous=NORMAL in WAL mode, PostgreSQL's synchronous_commit=off (_pg_schema_url) keep
# every commit visible and whole across a crash of the program, which is what tests check.
import domain.db  # noqa: E402

domain.db.SQLITE_SYNCHRONOUS = "NORMAL"

PG_URL = os.environ.get("BBT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ADMIN_PASSWORD = "Quan-tri-vien-2022"
T = TypeVar("T")

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
        yield f"{PG_URL}?options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
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


def copy_sqlite(source: Path, target: Path) -> str:
    """SQLite's own backup: a consistent copy even with a WAL beside the file."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{target}"


def _initialised(url: str, *options: str) -> Bbt:
    Bbt(url).ok("init", *options, "--password-stdin", input=ADMIN_PASSWORD + "\n")
    return Bbt(url).as_("admin", ADMIN_PASSWORD)


def _template(tmp_path_factory: pytest.TempPathFactory, name: str, *options: str) -> Path:
    from domain.db import dispose_all

    path = tmp_path_factory.mktemp(name) / f"{name}.db"
    _initialised(f"sqlite:///{path}", *options)
    dispose_all()
    return path


@pytest.fixture(scope="session")
def fresh_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`bbt init`, once per test process (SQLite)."""
    return _template(tmp_path_factory, "fresh")


@pytest.fixture(scope="session")
def plain_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`bbt init --demo`, once per test process (SQLite)."""
    return _template(tmp_path_factory, "demo", "--demo")


def _copy_or_init(request: pytest.FixtureRequest, db_url: str, template: str,
                  *options: str) -> Bbt:
    if db_url.startswith("sqlite:///"):
        copy_sqlite(request.getfixturevalue(template), Path(db_url.removeprefix("sqlite:///")))
        return Bbt(db_url).as_("admin", ADMIN_PASSWORD)
    return _initialised(db_url, *options)


# What prepared() built once per test process on SQLite: the file and build's answer.
_prepared: dict[str, tuple[Path, Any]] = {}


def prepared(request: pytest.FixtureRequest, db_url: str, name: str,
             build: Callable[[Bbt], T]) -> tuple[Bbt, T]:
    """A fixture's data set made by `build(bbt)` on an initialised database: on SQLite once
    per test process, each test getting its own copy; on PostgreSQL in the test's own schema.
    Returns `bbt` on `db_url` as the admin and what `build` returned (the same on each copy:
    numbers and ids are those of the copied rows)."""
    if not db_url.startswith("sqlite:///"):
        admin = request.getfixturevalue("bbt")
        return admin, build(admin)
    if name not in _prepared:
        from domain.db import dispose_all

        factory = request.getfixturevalue("tmp_path_factory")
        path = factory.mktemp(name) / f"{name}.db"
        copy_sqlite(request.getfixturevalue("fresh_template"), path)
        _prepared[name] = path, build(Bbt(f"sqlite:///{path}").as_("admin", ADMIN_PASSWORD))
        dispose_all()
    path, made = _prepared[name]
    copy_sqlite(path, Path(db_url.removeprefix("sqlite:///")))
    return Bbt(db_url).as_("admin", ADMIN_PASSWORD), made


@pytest.fixture
def bbt(db_url: str, request: pytest.FixtureRequest) -> Bbt:
    """An initialised database and `bbt` acting as its admin."""
    return _copy_or_init(request, db_url, "fresh_template")


@pytest.fixture
def demo(db_url: str, request: pytest.FixtureRequest) -> Bbt:
    """The demo dataset of SPEC section 3, with `bbt` acting as its admin."""
    return _copy_or_init(request, db_url, "plain_demo_template", "--demo")


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


# --- the prepared demo of the UI tests (SQLite only: UI behaviour no engine changes) ---------

# Demo accounts given known passwords in the prepared demo (username, password).
DEMO_USERS = {"vanthu": "Van-thu-Huyen-uy-2022", "bientap": "Bien-tap-vien-BBT-2022",
              "vt.du-locthanh": "Van-thu-Loc-Thanh-2022", "lanhdao": "Lanh-dao-xem-bao-cao"}
# The demo is Bảo Lâm as of the reference report's date; its clock is frozen there too, so
# that audit times (the dashboard shows the last one) are the same in every run.
DEMO_DAY = "2022-06-13"
DEMO_CLOCK = datetime(2022, 6, 13, 1, 30, tzinfo=UTC)  # as scripts/screenshots


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with the accounts of DEMO_USERS usable, prepared once per test process, its
    clock frozen at DEMO_CLOCK from `init` on (audit times are the same in every run)."""
    import domain.accounts  # noqa: F401 - imported before the clock is frozen
    import domain.audit  # noqa: F401
    import domain.keys  # noqa: F401
    from bbt_tui.pilot import frozen_clock
    from domain.db import dispose_all

    path = tmp_path_factory.mktemp("demo-users") / "demo.db"
    with frozen_clock(DEMO_CLOCK):
        admin = _initialised(f"sqlite:///{path}", "--demo")
        admin.ok("account", "add", "lanhdao", "--unit", "BBT", "--role", "viewer",
                 "--name", "Lãnh đạo Ban", "--password-stdin",
                 input=DEMO_USERS["lanhdao"] + "\n")
        for username in ("vanthu", "bientap", "vt.du-locthanh"):
            make_user(admin, username, "", "", DEMO_USERS[username])
    dispose_all()
    return path


@pytest.fixture
def fresh_sqlite(fresh_template: Path, tmp_path: Path) -> Iterator[Bbt]:
    """A new database with only the admin (SQLite only: for engine-independent UI)."""
    from domain.db import dispose_all

    yield Bbt(copy_sqlite(fresh_template, tmp_path / "ui.db")).as_("admin", ADMIN_PASSWORD)
    dispose_all()


@pytest.fixture
def demo_sqlite(demo_template: Path, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Bbt]:
    """The prepared demo, as of its day (BBT_TODAY), SQLite only."""
    from domain.db import dispose_all

    monkeypatch.setenv("BBT_TODAY", DEMO_DAY)
    yield Bbt(copy_sqlite(demo_template, tmp_path / "demo.db")).as_("admin", ADMIN_PASSWORD)
    dispose_all()
