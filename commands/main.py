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
for name in ("doc_cmd", "file_cmd", "trust_cmd", "key_cmd", "article_cmd", "visits_cmd",
             "dataentry_cmd", "stats_cmd", "report_cmd", "import_cmd", "tui_cmd", "register_cmd",
             # after the groups they add to (doc, unit, account, article, stats, dataentry)
             "royalty_cmd", "board_cmd"):
    try:
        module = __import__(f"commands.{name}", fromlist=["register"])
    except ModuleNotFoundError as exc:
        if exc.name != f"commands.{name}":
            raise
        continue
    module.register(app)


def _plain_help(group: typer.Typer) -> None:
    """Click's plain help and usage errors instead of Typer's Rich panels, in every group:
    Rich's renderer (Rich, markdown-it, Pygments) costs more to import than Typer itself,
    on every `--help` and every mistyped option (issue 13: `bbt --help` within 2× of
    `import typer`)."""
    group.rich_markup_mode = None
    for info in group.registered_groups:
        if info.typer_instance is not None:
            _plain_help(info.typer_instance)


_plain_help(app)


def run() -> None:
    """Console entry point: domain errors become one line on stderr, never a traceback."""
    _file_size_limit_is_an_error()
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


def _file_size_limit_is_an_error() -> None:
    """Under a file-size limit (ulimit -f) the kernel kills a writer with SIGXFSZ, without a
    word; ignored, the write fails with EFBIG and ends as one sentence like a full disk."""
    import signal

    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _describe(exc: Exception) -> tuple[int, str]:
    """Exit code and one sentence (domain.errors.describe: no SQL, parameters or classes)."""
    from domain.errors import describe

    return describe(exc)


if __name__ == "__main__":
    run()
