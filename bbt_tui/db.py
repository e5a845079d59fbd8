"""Database work off the UI thread: every domain call runs in a worker thread, in one
transaction on behalf of the signed-in account, and its result comes back to the UI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.dom import DOMNode

from bbt_tui.text import translate_error

if TYPE_CHECKING:
    from sqlmodel import Session

    from domain.auth import Actor

T = TypeVar("T")


def describe(exc: BaseException) -> str:
    """One sentence for the user, never a traceback, SQL or parameters."""
    from domain.errors import BBTError, describe

    if isinstance(exc, BBTError):
        return translate_error(exc)
    return describe(exc)[1]


def run_db(
    node: DOMNode,
    work: Callable[[Session, Actor], T],
    on_done: Callable[[T], Any] | None = None,
    on_error: Callable[[str], Any] | None = None,
) -> None:
    """Run `work(session, actor)` in a worker thread owned by `node`; then, on the UI thread,
    `on_done(result)` or `on_error(message)` (default: a notification)."""
    app = node.app

    def job() -> None:
        from domain.accounts import SessionEnded
        from domain.db import transaction

        try:
            with transaction(app.engine) as session:  # type: ignore[attr-defined]
                result = _on_behalf(session, app, work)
        except SessionEnded as exc:
            _end_session(app, describe(exc))
            return
        except Exception as exc:  # every failure becomes one sentence on screen
            message = describe(exc)
            app.call_from_thread(on_error or _notify_error(app), message)
            return
        if on_done is not None:
            app.call_from_thread(on_done, result)

    node.run_worker(job, thread=True, group="db", exit_on_error=False)


def _notify_error(app: Any) -> Callable[[str], None]:
    return lambda message: app.notify(message, severity="error", timeout=8)


def read(app: Any, work: Callable[[Session, Actor], T]) -> T:
    """Run `work` in its own transaction, in the calling (worker) thread: for row sources."""
    from domain.accounts import SessionEnded
    from domain.db import reading

    try:
        with reading(app.engine) as session:
            return _on_behalf(session, app, work)
    except SessionEnded as exc:
        _end_session(app, describe(exc))
        raise


def _on_behalf(session: Session, app: Any, work: Callable[[Session, Actor], T]) -> T:
    """`work` for the signed-in account, every listing limited to its scope (domain.scope)."""
    from domain.scope import acting_as

    actor = _still_allowed(session, app)
    with acting_as(actor):
        return work(session, actor)


def _still_allowed(session: Session, app: Any) -> Any:
    """Every action re-reads the signed-in account (domain.accounts.recheck)."""
    from domain import accounts

    actor = app.actor
    return accounts.recheck(session, actor) if actor is not None else actor


def _end_session(app: Any, message: str) -> None:
    """Back to the login screen with the reason, from whichever thread noticed."""
    if threading.get_ident() == getattr(app, "_thread_id", None):
        app.session_ended(message)
    else:
        app.call_from_thread(app.session_ended, message)
