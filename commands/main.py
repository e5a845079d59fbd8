"""The `bbt` command line. Errors end as one sentence on stderr and the exit codes of
SPEC section 4: 1 refused, 2 usage, 3 not authenticated or not allowed."""

from __future__ import annotations

import sys

import typer

from commands import (
    account_cmd,
    audit_cmd,
    db_cmd,
    init_cmd,
    settings_cmd,
    training_cmd,
    unit_cmd,
)
from commands.common import state

app = typer.Typer(
    name="bbt",
    help="BBT: văn bản, tin bài, nhập liệu và báo cáo của Ban Biên tập.",
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", help="Database URL (sqlite:///PATH, postgresql+psycopg://...)."),
) -> None:
    state.db = db
    if ctx.invoked_subcommand is None:
        from commands.tui_cmd import open_tui

        open_tui()


for module in (init_cmd, db_cmd, unit_cmd, account_cmd, training_cmd, audit_cmd, settings_cmd):
    module.register(app)

# Later areas register themselves here when their module exists.
for name in ("doc_cmd", "file_cmd", "trust_cmd", "key_cmd", "article_cmd", "visits_cmd", "dataentry_cmd", "stats_cmd",
             "report_cmd", "import_cmd", "tui_cmd"):
    try:
        module = __import__(f"commands.{name}", fromlist=["register"])
    except ModuleNotFoundError as exc:
        if exc.name != f"commands.{name}":
            raise
        continue
    module.register(app)


def run() -> None:
    """Console entry point: domain errors become one line on stderr, never a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        from domain.i18n import _

        sys.stderr.write(_("Interrupted.") + "\n")
        sys.exit(130)
    except Exception as exc:  # typer.Exit is handled inside app(); everything else ends here
        code, message = _describe(exc)
        sys.stderr.write(message + "\n")
        sys.exit(code)


def _describe(exc: Exception) -> tuple[int, str]:
    from domain.errors import BBTError
    from domain.i18n import _

    if isinstance(exc, BBTError):
        return exc.exit_code, str(exc)
    try:
        from sqlalchemy.exc import IntegrityError, OperationalError
    except ImportError:  # pragma: no cover
        IntegrityError = OperationalError = ()  # type: ignore[misc,assignment]
    if isinstance(exc, IntegrityError):
        return 1, _("Refused: this would duplicate or break a link to an existing record.")
    if isinstance(exc, OperationalError):
        detail = str(getattr(exc, "orig", exc)).splitlines()[0]
        return 1, _("The database could not be used: {detail}.").format(detail=detail)
    if isinstance(exc, OSError):
        return 1, _("File error: {reason} ({path}).").format(
            reason=exc.strerror or exc, path=getattr(exc, "filename", "") or "")
    return 1, _("Unexpected error ({kind}): {detail}").format(kind=type(exc).__name__, detail=exc)


if __name__ == "__main__":
    run()
