"""Headless Chromium driven over the Chrome DevTools Protocol, for the tests of `bbt serve`.

textual-serve's page streams the app's terminal output over a WebSocket into xterm.js, which
draws on a canvas. So the tests read the text that reached the page: a script installed
before the page loads (Page.addScriptToEvaluateOnNewDocument) keeps what the WebSocket
delivered. Keys go in as a user's do: Input.insertText for text, Input.dispatchKeyEvent for
Enter, Tab, F2 and arrows, to whatever element has the focus (no click is ever made, so
the page must give the terminal the focus by itself).
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
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any

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
# DOM key names -> Windows virtual key codes, which xterm.js reads to make escape sequences.
KEY_CODES = {"Enter": 13, "Tab": 9, "Escape": 27, "ArrowDown": 40, "ArrowUp": 38,
             "F2": 113}
# Seconds between keys (see Page.press).
PAUSE = 0.8
# The element that receives xterm.js's keys.
TERMINAL_HAS_FOCUS = ("document.activeElement !== null && "
                      "document.activeElement.classList.contains('xterm-helper-textarea')")


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
    import ssl
    from urllib.request import urlopen

    unchecked = ssl.create_default_context()
    unchecked.check_hostname, unchecked.verify_mode = False, ssl.CERT_NONE
    try:
        with urlopen(url, timeout=2, context=unchecked) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def chromium(profile: Path, log: Path, *extra: str) -> Iterator[int]:
    """A headless Chromium with a page on about:blank; yields its DevTools port."""
    assert CHROMIUM is not None
    with started([CHROMIUM, *FLAGS, *extra, f"--user-data-dir={profile}", "about:blank"], log):
        active = profile / "DevToolsActivePort"
        yield int(wait_for(lambda: active.exists() and active.read_text().split(), 30,
                           "Chromium's DevTools port")[0])


class Page:
    """The browser's page, over one DevTools WebSocket."""

    def __init__(self, cdp: Any) -> None:
        self.cdp = cdp
        self.ids = iter(range(1, 1_000_000))

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        await self.cdp.send_json({"id": number, "method": method, "params": params})
        while True:
            message = json.loads((await self.cdp.receive()).data)
            if message.get("id") == number:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression)
        return result.get("result", {}).get("value")

    async def open(self, url: str) -> None:
        await self.call("Page.enable")
        await self.call("Page.addScriptToEvaluateOnNewDocument", source=CAPTURE)
        await self.call("Page.navigate", url=url)

    async def text(self) -> str:
        """Everything the app has written to the page so far."""
        return str(await self.evaluate("window.__bbtText || ''"))

    async def wait_text(self, wanted: list[str], *, since: int = 0, timeout: float = 40
                        ) -> str:
        """The app's output after position `since` once it holds every `wanted` string;
        fails, showing the end of what arrived, after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            text = (await self.text())[since:]
            if all(w in text for w in wanted):
                return text
            if time.monotonic() > deadline:
                missing = [w for w in wanted if w not in text]
                raise AssertionError(f"{missing} did not reach the page: {text[-800:]!r}")
            await asyncio.sleep(0.2)

    async def wait_true(self, expression: str, timeout: float = 20) -> bool:
        deadline = time.monotonic() + timeout
        while not await self.evaluate(expression):
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.1)
        return True

    async def type(self, text: str) -> None:
        await self.call("Input.insertText", text=text)

    async def press(self, *keys: str, pause: float = PAUSE) -> None:
        """Press keys at a person's pace: a key that moves the focus (Enter, Tab) takes
        effect when the app has handled it, and what is typed faster goes to the field that
        had the focus before, in a browser as in a terminal."""
        for key in keys:
            code = KEY_CODES[key]
            for kind in ("rawKeyDown", "keyUp"):
                await self.call("Input.dispatchKeyEvent", type=kind, key=key, code=key,
                                windowsVirtualKeyCode=code, nativeVirtualKeyCode=code)
            await asyncio.sleep(pause)

    async def log_in(self, address: str, username: str, password: str) -> tuple[str, str]:
        """Open the app's page and log in with the keys alone; returns what the login screen
        and then the home screen wrote to the page."""
        await self.open(address)
        login = await self.wait_text(["Username", "Password"])
        assert await self.wait_true(TERMINAL_HAS_FOCUS), \
            "the page did not give the terminal the focus when it loaded"
        mark = len(await self.text())
        await self.type(username)
        await self.press("Enter")
        await self.type(password)
        await self.press("Enter")
        return login, await self.wait_text(["Dashboard", "Documents"], since=mark)

    async def screenshot(self, path: Path) -> None:
        await asyncio.sleep(0.5)  # let xterm.js draw what arrived before the picture
        shot = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@asynccontextmanager
async def page(devtools_port: int) -> AsyncIterator[Page]:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{devtools_port}/json/list") as response:
            targets = await response.json()
        target = next(t for t in targets if t["type"] == "page")
        async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as cdp:
            yield Page(cdp)
