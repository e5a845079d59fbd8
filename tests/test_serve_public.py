"""`bbt serve --public-url`: the page hands the browser only addresses under the public URL
and loads nothing from the internet (SPEC 7.5). HTTP-level: runs without a browser."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from urllib.request import urlopen

import pytest

from tests.browser import ROOT, answers, free_port, started, wait_for
from tests.conftest import Bbt

PUBLIC = "https://bbt.huyen-bao-lam.example:8443/bbt"
URL = re.compile(r"""(?:https?|wss?)://[^\s"'()<>]+""")
# Where a page could pull something in: attributes, CSS url() and @import.
LOADS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)|url\(\s*["']?([^"')]+)|@import\s+["']([^"']+)""")


def fetch(url: str) -> str:
    with urlopen(url, timeout=10) as response:
        assert response.status == 200, url
        return str(response.read().decode("utf-8", errors="replace"))


@pytest.fixture
def served(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    env = {**os.environ, "BBT_LANG": "vi", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "commands.main", "--db", f"sqlite:///{tmp_path / 'x.db'}",
               "serve", "--host", "127.0.0.1", "--port", str(port), "--public-url", PUBLIC + "/"]
    with started(command, tmp_path / "serve.log", env):
        local = f"http://127.0.0.1:{port}"
        wait_for(lambda: answers(local + "/"), 30, "bbt serve to answer")
        yield local


def test_page_addresses_come_from_the_public_url(served: str) -> None:
    page = fetch(served + "/")
    addresses = URL.findall(page)
    assert addresses, "the page names no address at all"
    for address in addresses:
        assert address.startswith((PUBLIC + "/", "wss://bbt.huyen-bao-lam.example:8443/bbt/")), \
            address
    assert 'data-session-websocket-url="wss://bbt.huyen-bao-lam.example:8443/bbt/ws"' in page
    assert "127.0.0.1" not in page and "0.0.0.0" not in page
    assert "fonts.googleapis" not in page and '<html lang="vi">' in page
    assert "Phiên làm việc đã kết thúc." in page  # the page's own words are translated


def test_everything_the_page_loads_is_served_locally(served: str) -> None:
    """Each style, script, font and picture the page (and its stylesheet) loads is under
    the public URL and answered by `bbt serve` itself; none comes from elsewhere."""
    page = fetch(served + "/")
    loads = [next(filter(None, groups)) for groups in LOADS.findall(page)]
    assert any(u.endswith(".ttf") for u in loads) and any(u.endswith(".js") for u in loads)
    for address in loads:
        assert address.startswith(PUBLIC + "/"), address
        body = fetch(served + address[len(PUBLIC):])
        if address.endswith(".css"):
            for inner in LOADS.findall(body):
                assert not URL.match(next(filter(None, inner))), (address, inner)
        if address.endswith(".js"):
            for cdn in ("googleapis", "gstatic", "jsdelivr", "unpkg", "cdnjs"):
                assert cdn not in body, (address, cdn)


def test_wildcard_address_needs_a_public_url(tmp_path: Path) -> None:
    bbt = Bbt(f"sqlite:///{tmp_path / 'x.db'}")
    result = bbt("serve", "--host", "0.0.0.0")
    assert result.exit_code == 1 and "--public-url" in result.stderr
    assert bbt("serve", "--host", "127.0.0.1", "--public-url", "ftp://x").exit_code == 1
