"""`bbt serve`: the terminal UI in a web browser, reachable from other machines.

textual-serve builds every address it hands the browser (scripts, styles, the WebSocket)
from its public URL; behind a reverse proxy that is the proxy's https address, never the
address the server listens on (0.0.0.0 means nothing to a browser). Its stock page fetches
the Roboto Mono font from the internet: ours (templates/app_index.html) declares the copy
that textual-serve ships in its static folder instead, so a district without internet access
still gets the font, and no visitor's address reaches a third party.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from domain.errors import BBTError
from domain.i18n import _, language

TEMPLATES = Path(__file__).parent / "templates"
TITLE = "BBT — Ban Biên tập"
# Addresses that listen everywhere: no browser can be sent there.
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", "[::]", ""})


def public_url(host: str, port: int, given: str | None) -> str:
    """The address browsers use, without a trailing slash: --public-url, or the listening
    address where that is a concrete one."""
    if given is None:
        if host in WILDCARD_HOSTS:
            raise BBTError(_("Listening on every address ({host}) needs --public-url, the "
                             "address browsers use (for example https://bbt.example.org).")
                           .format(host=host or "*"))
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"
    parts = urlsplit(given)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise BBTError(_("--public-url must be an http or https address such as "
                         "https://bbt.example.org, without query or user name."))
    return given.rstrip("/")


def page_texts() -> dict[str, str]:
    return {"lang": language(), "start": _("Start"), "ended": _("Session ended."),
            "restart": _("Restart")}


def make_server(command: str, *, host: str, port: int, public: str):  # type: ignore[no-untyped-def]
    """The textual-serve server with BBT's page (no internet fonts, translated words)."""
    import aiohttp_jinja2
    from textual_serve.server import Server

    class BBTServer(Server):
        async def _make_app(self):  # type: ignore[no-untyped-def]
            app = await super()._make_app()
            aiohttp_jinja2.get_env(app).globals["texts"] = page_texts()
            return app

    return BBTServer(command, host=host, port=port, title=TITLE, public_url=public,
                     templates_path=TEMPLATES)
