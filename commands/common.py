"""What every command shares: the database, who is acting, and how results are printed.

Only typer and the standard library are imported at module level, so `bbt --help` stays
fast; the domain (and with it SQLAlchemy) is imported when a command runs.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from domain.i18n import _

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

    from domain.auth import Actor


class _State:
    db: str | None = None
    actor: Actor | None = None


state = _State()


def engine() -> Engine:
    from domain.db import get_engine

    return get_engine(state.db)


def _credentials() -> tuple[str, str]:
    from domain.errors import AuthError

    username = os.environ.get("BBT_USER")
    password = os.environ.get("BBT_PASSWORD")
    if username and password is not None:
        return username, password
    if not sys.stdin.isatty():
        raise AuthError(_("Not logged in: set BBT_USER and BBT_PASSWORD, or run in a terminal."))
    username = username or typer.prompt(_("Username"))
    return username, typer.prompt(_("Password"), hide_input=True)


def login(*, allow_must_change: bool = False) -> Actor:
    """Authenticate once per process from BBT_USER/BBT_PASSWORD or a prompt."""
    if state.actor is not None:
        return state.actor
    from domain import accounts
    from domain.db import transaction
    from domain.errors import AuthError

    username, password = _credentials()
    eng = engine()
    failure: AuthError | None = None
    with transaction(eng) as session:
        try:
            account = accounts.login(session, username, password)
        except AuthError as exc:
            failure = exc  # commit the failed-login counter, then refuse
        else:
            actor = accounts.actor_of(session, account)
            must_change = account.must_change_password
    if failure is not None:
        raise failure
    if must_change and not allow_must_change:
        raise AuthError(_("This one-time password must be changed first: run `bbt passwd`."))
    state.actor = actor
    return actor


def writes(permission: str) -> bool:
    """Whether a command run under this permission changes anything: "read" and "*.read"
    only look, and so begin a read transaction (no SQLite write lock)."""
    return not (permission == "read" or permission.endswith(".read"))


@contextmanager
def acting(permission: str = "read", *, write: bool | None = None
           ) -> Iterator[tuple[Session, Actor]]:
    """A transaction on behalf of the logged-in account, checked against a permission; it
    writes when the permission does, unless `write` says otherwise (a read that records)."""
    from domain.auth import require
    from domain.db import transaction
    from domain.scope import acting_as

    actor = login()
    require(actor, permission)
    with transaction(engine(), write=writes(permission) if write is None else write) as session, \
            acting_as(actor):  # every listing is limited to its scope (domain.scope)
        yield session, actor


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def print_json_stream(rows: Iterable[Any]) -> None:
    """A JSON list written item by item as the rows come (the same text as print_json), so a
    listing of any size never sits whole in memory."""
    from domain.output import json_list

    sys.stdout.writelines(json_list(rows, default=str))


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A table whose columns are given by their English codes (those of --json) and headed
    in the user's language (domain.columns)."""
    from rich.console import Console
    from rich.table import Table

    from domain.columns import labels

    table = Table(title=title, show_lines=False)
    for column in labels(columns):
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console().print(table)


def read_password_stdin() -> str:
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def done(message: str) -> None:
    typer.echo(message)


def read_text_file(path: Path, limit: int = 16 << 20) -> str:
    """A small UTF-8 file the user names (an anchor, a trust list), or one sentence why not."""
    from domain.errors import BBTError

    try:
        if not path.is_file() or path.stat().st_size > limit:
            raise OSError
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise BBTError(_("The file '{path}' cannot be read as a small UTF-8 text file.").format(
            path=path)) from None
