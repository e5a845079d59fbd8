"""`bbt serve`: the same app in a web browser. Headless Chromium opens the page and the
login screen must arrive in it.

textual-serve's page starts the app by itself (a Start button appears only with ?delay in
the address), then streams the app's terminal output over a WebSocket into xterm.js, which
draws on a canvas. So the test reads the text that reached the page: a script installed
before the page loads (Chrome DevTools Protocol, Page.addScriptToEvaluateOnNewDocument)
keeps what the WebSocket delivered; a PNG screenshot of the page is saved beside the test's
files for a human to look at.

Skipped, with the reason, only where Chromium is not installed (Debian: apt-get install
chromium); this machine kind does not have it until a project installs it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from tests.test_tui import copy_sqlite, fresh_template  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--window-size=1280,800", "--remote-debugging-port=0"]
# Keeps the text of every binary WebSocket message (the app's terminal output).
CAPTURE = """
(() => {
  const Native = window.WebSocket;
  const decoder = new TextDecoder("utf-8");
  window.__bbtText = "";
  window.WebSocket = function (url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") {
        window.__bbtText += decoder.decode(event.data, {stream: true});
      }
    });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
})();
"""

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium): the "
                             "browser test of `bbt serve` needs it")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def started(command: list[str], log: Path, env: dict[str, str] | None = None
            ) -> Iterator[subprocess.Popen[bytes]]:
    """A process in a session of its own, ended with everything it started (`bbt serve`
    starts one app process per browser session)."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                   cwd=ROOT, start_new_session=True)
        try:
            yield process
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def answers(url: str) -> bool:
    from urllib.request import urlopen

    try:
        with urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


async def page_text(devtools_port: int, url: str, screenshot: Path, wanted: list[str]) -> str:
    """Open `url` in the browser's page and return the app text it received once every
    `wanted` string arrived (or whatever arrived after 60 seconds)."""
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{devtools_port}/json/list") as response:
            targets = await response.json()
        page = next(t for t in targets if t["type"] == "page")
        async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as cdp:
            ids = iter(range(1, 1_000_000))

            async def call(method: str, **params: Any) -> dict[str, Any]:
                number = next(ids)
                await cdp.send_json({"id": number, "method": method, "params": params})
                while True:
                    message = json.loads((await cdp.receive()).data)
                    if message.get("id") == number:
                        return dict(message.get("result", {}))

            await call("Page.enable")
            await call("Page.addScriptToEvaluateOnNewDocument", source=CAPTURE)
            await call("Page.navigate", url=url)
            text = ""
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                result = await call("Runtime.evaluate", expression="window.__bbtText || ''")
                text = str(result.get("result", {}).get("value", ""))
                if all(w in text for w in wanted):
                    break
                await asyncio.sleep(0.25)
            await asyncio.sleep(0.5)  # let xterm.js draw what arrived before the picture
            shot = await call("Page.captureScreenshot", format="png")
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            return text


def test_bbt_serve_shows_the_login_screen_in_chromium(
        fresh_template: Path, tmp_path: Path) -> None:  # noqa: F811 - the imported fixture
    url = copy_sqlite(fresh_template, tmp_path / "serve.db")
    port = free_port()
    env = {**os.environ, "BBT_LANG": "vi", "PYTHONPATH": str(ROOT)}
    server_command = [sys.executable, "-m", "commands.main", "--db", url, "serve",
                      "--port", str(port)]
    profile = tmp_path / "chromium-profile"
    assert CHROMIUM is not None
    with started(server_command, tmp_path / "serve.log", env):
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/"), 30, "bbt serve to answer")
        with started([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                     tmp_path / "chromium.log"):
            active = profile / "DevToolsActivePort"
            devtools = int(wait_for(lambda: active.exists() and active.read_text().split(),
                                    30, "Chromium's DevTools port")[0])
            text = asyncio.run(page_text(devtools, f"http://127.0.0.1:{port}/",
                                         tmp_path / "serve.png", ["Đăng nhập",
                                                                  "Tên đăng nhập"]))
    log = (tmp_path / "serve.log").read_text(errors="replace")
    assert "Tên đăng nhập" in text and "Mật khẩu" in text, (text[-500:], log[-2000:])
    assert "BBT — Ban Biên tập" in text
    assert (tmp_path / "serve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
