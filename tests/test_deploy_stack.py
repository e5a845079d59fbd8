"""deploy/ started for real, without containers (none run here): PostgreSQL, `bbt serve
--public-url https://...` on the loopback address as the systemd unit runs it, and
`caddy run` with deploy/Caddyfile in front of it for TLS. Headless Chromium logs in through
HTTPS, the app's WebSocket going through Caddy too (SPEC 7.5).

The Caddyfile is deploy/Caddyfile itself, its site and upstream given through the variables
it reads (BBT_SITE, BBT_UPSTREAM), behind a block of global options that fit a test: Caddy's
own certificate authority (`local_certs`, never installed in the system's trust store),
free ports, no admin endpoint, its data and configuration under the test's folder.
Chromium accepts that authority's certificate with --ignore-certificate-errors.

Skipped with the reason where Chromium or Caddy is missing (scripts/system-deps installs
both), except under CI, where that fails, as missing PostgreSQL does (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

import pytest

from tests.browser import (
    CHROMIUM,
    ROOT,
    answers,
    chromium,
    free_port,
    page,
    started,
    wait_for,
)
from tests.conftest import ADMIN_PASSWORD, Bbt, _pg_schema_url, make_user

CADDY = shutil.which("caddy")
PASSWORD = "Van-thu-qua-HTTPS-2022"
# Global options for a test; the site block below them is deploy/Caddyfile as shipped.
GLOBAL_OPTIONS = """{{
	admin off
	local_certs
	skip_install_trust
	http_port {http_port}
	https_port {https_port}
}}
"""


@pytest.fixture
def tools() -> None:
    missing = [name for name, path in (("chromium", CHROMIUM), ("caddy", CADDY)) if not path]
    if missing:
        reason = (f"{' and '.join(missing)} not installed (scripts/system-deps installs them): "
                  "the HTTPS test of deploy/ needs them")
        if os.environ.get("CI"):
            pytest.fail(f"CI must not skip the deploy stack test: {reason}")
        pytest.skip(reason)


@pytest.fixture
def pg_url(tools: None) -> Iterator[str]:
    yield from _pg_schema_url()


def caddy_config(folder: Path, https_port: int) -> Path:
    caddyfile = folder / "Caddyfile"
    caddyfile.write_text(GLOBAL_OPTIONS.format(http_port=free_port(), https_port=https_port)
                         + (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8"),
                         encoding="utf-8")
    return caddyfile


def caddy_env(folder: Path, site: str, upstream: str) -> dict[str, str]:
    """Caddy's certificates, keys and autosaved configuration under `folder`."""
    return {**os.environ, "HOME": str(folder), "XDG_DATA_HOME": str(folder / "data"),
            "XDG_CONFIG_HOME": str(folder / "config"), "BBT_SITE": site,
            "BBT_UPSTREAM": upstream}


def headers(url: str) -> dict[str, str]:
    unchecked = ssl.create_default_context()
    unchecked.check_hostname, unchecked.verify_mode = False, ssl.CERT_NONE
    with urlopen(url, timeout=10, context=unchecked) as response:
        return dict(response.headers)


async def log_in(devtools: int, address: str, shot: Path) -> None:
    async with page(devtools) as tab:
        try:
            await tab.log_in(address, "vanthu", PASSWORD)
        finally:
            await tab.screenshot(shot)


def test_chromium_logs_in_through_caddy_over_https_to_bbt_serve_on_postgresql(
        pg_url: str, tmp_path: Path) -> None:
    admin = Bbt(pg_url)
    admin.ok("init", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    admin = admin.as_("admin", ADMIN_PASSWORD)
    make_user(admin, "vanthu", "BBT", "operator", PASSWORD)
    assert last_login(admin) is None
    serve_port, https_port = free_port(), free_port()
    public = f"https://127.0.0.1:{https_port}"
    serve_env = {**os.environ, "BBT_DATABASE_URL": pg_url, "BBT_LANG": "en",
                 "PYTHONPATH": str(ROOT)}
    # As deploy/systemd/bbt-serve.service runs it: loopback only, the public URL Caddy's.
    serve = [sys.executable, "-m", "commands.main", "serve", "--host", "127.0.0.1",
             "--port", str(serve_port), "--public-url", public]
    caddy = [str(CADDY), "run", "--config", str(caddy_config(tmp_path, https_port)),
             "--adapter", "caddyfile"]
    with started(serve, tmp_path / "serve.log", serve_env), \
            started(caddy, tmp_path / "caddy.log",
                    caddy_env(tmp_path, public, f"127.0.0.1:{serve_port}")):
        wait_for(lambda: answers(f"http://127.0.0.1:{serve_port}/"), 30, "bbt serve to answer")
        wait_for(lambda: answers(public + "/"), 30, "Caddy to answer over HTTPS")
        answer = headers(public + "/")
        with chromium(tmp_path / "profile", tmp_path / "chromium.log",
                      "--ignore-certificate-errors") as devtools:
            asyncio.run(log_in(devtools, public + "/", tmp_path / "https.png"))
    assert answer["Strict-Transport-Security"] == "max-age=31536000"  # deploy/Caddyfile's
    assert "Server" not in answer
    assert last_login(admin) is not None  # the browser's login reached PostgreSQL


def last_login(admin: Bbt) -> str | None:
    return {a["username"]: a for a in admin.json("account", "list")}["vanthu"]["last_login"]
