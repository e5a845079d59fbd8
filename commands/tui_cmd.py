"""`bbt tui` (also plain `bbt`) and `bbt serve`: the terminal UI, in a terminal or a browser."""

from __future__ import annotations

import typer

from commands.common import state


def open_tui() -> None:
    """The terminal UI on the database chosen by --db / BBT_DATABASE_URL."""
    from bbt_tui.app import BBTApp

    BBTApp(state.db).run()


def serve_command(db: str | None) -> str:
    """The command textual-serve starts for each browser session (same Python, same db)."""
    import shlex
    import sys

    parts = [sys.executable, "-m", "commands.main"]
    if db:
        parts += ["--db", db]
    parts.append("tui")
    return shlex.join(parts)


def register(app: typer.Typer) -> None:
    @app.command("tui")
    def tui() -> None:
        """Open the terminal UI (same as `bbt` alone)."""
        open_tui()

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8000, "--port", help="Port to listen on."),
        public_url: str | None = typer.Option(
            None, "--public-url",
            help="Address browsers use, e.g. https://bbt.example.org behind a TLS proxy."),
    ) -> None:
        """Serve the terminal UI in a web browser (for units without a terminal)."""
        from bbt_tui import serve as web

        public = web.public_url(host, port, public_url)
        web.make_server(serve_command(state.db), host=host, port=port, public=public).serve()
