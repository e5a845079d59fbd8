"""`bbt serve`: the same app in a web browser. Headless Chromium opens the page, the login
screen must arrive in it, and a demo operator logs in and issues a document with the keys
alone: the page gives the terminal the focus when it loads, no click needed.

The text that reached the page and the keys sent to it go through the Chrome DevTools
Protocol (tests/browser.py); a PNG screenshot of the page is saved beside the test's files
for a human to look at. Skipped, with the reason, only where Chromium is not installed
(Debian: apt-get install chromium; scripts/system-deps installs it).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from tests.browser import (
    CHROMIUM,
    ROOT,
    Page,
    answers,
    chromium,
    free_port,
    page,
    started,
    wait_for,
)
from tests.conftest import ADMIN_PASSWORD, DEMO_USERS, Bbt, copy_sqlite

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium): the "
                             "browser test of `bbt serve` needs it")


def serve(url: str, port: int, tmp_path: Path, language: str):  # type: ignore[no-untyped-def]
    env = {**os.environ, "BBT_LANG": language, "PYTHONPATH": str(ROOT)}
    env.pop("BBT_TODAY", None)  # the issue form dates documents today, the real one
    command = [sys.executable, "-m", "commands.main", "--db", url, "serve", "--port", str(port)]
    return started(command, tmp_path / "serve.log", env)


def test_bbt_serve_shows_the_login_screen_in_chromium(
        fresh_template: Path, tmp_path: Path) -> None:
    port = free_port()

    async def look(devtools: int) -> str:
        async with page(devtools) as tab:
            await tab.open(f"http://127.0.0.1:{port}/")
            text = await tab.wait_text(["Đăng nhập", "Tên đăng nhập"])
            await tab.screenshot(tmp_path / "serve.png")
            return text

    with serve(copy_sqlite(fresh_template, tmp_path / "serve.db"), port, tmp_path, "vi"):
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/"), 30, "bbt serve to answer")
        with chromium(tmp_path / "profile", tmp_path / "chromium.log") as devtools:
            text = asyncio.run(look(devtools))
    assert "Tên đăng nhập" in text and "Mật khẩu" in text
    assert "BBT — Ban Biên tập" in text
    assert (tmp_path / "serve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def log_in_and_issue(devtools: int, address: str, title: str, shot: Path) -> dict:
    """Open the page, log in as the demo operator and issue a document, keys only. Returns
    what was seen on the way (for the assertions, and their messages when they fail)."""
    seen: dict = {}
    async with page(devtools) as tab:
        try:
            await steps(tab, address, title, seen)
        finally:  # the page as it was at the end, or where it got stuck
            await tab.screenshot(shot)
    return seen


async def steps(tab: Page, address: str, title: str, seen: dict) -> None:
    seen["login"], seen["home"] = await tab.log_in(address, "vanthu", DEMO_USERS["vanthu"])
    mark = len(await tab.text())
    await tab.type("2")  # the operator's second area: the document registers
    seen["documents"] = await tab.wait_text(["Issue"], since=mark)
    mark = len(await tab.text())
    await tab.type("n")
    seen["form"] = await tab.wait_text(["Issue a document"], since=mark)
    # The type: open the list, the first type under the prompt (NQ), take it; then the
    # issuing unit (the operator's own, filled in) and the title.
    await tab.press("Enter", "ArrowDown", "Enter", "Tab", "Tab")
    await tab.type(title)
    mark = len(await tab.text())
    await tab.press("F2")
    # An official act confirms naming the record first (issue 15): answer yes.
    seen["confirm"] = await tab.wait_text(["taken for good"], since=mark)
    mark = len(await tab.text())
    await tab.type("y")
    seen["issued"] = await tab.wait_text(["Issued"], since=mark)


def test_a_demo_operator_logs_in_and_issues_a_document_in_chromium(
        demo_template: Path, tmp_path: Path) -> None:
    url = copy_sqlite(demo_template, tmp_path / "serve.db")
    port = free_port()
    title = "Nghị quyết về công tác tuyên truyền qua trình duyệt"
    with serve(url, port, tmp_path, "en"):
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/"), 30, "bbt serve to answer")
        with chromium(tmp_path / "profile", tmp_path / "chromium.log") as devtools:
            seen = asyncio.run(log_in_and_issue(devtools, f"http://127.0.0.1:{port}/", title,
                                                tmp_path / "issued.png"))
    admin = Bbt(url).as_("admin", ADMIN_PASSWORD)
    found = [d for d in admin.json("doc", "list", "--search", "trình duyệt")
             if d["title"] == title]
    assert len(found) == 1, found
    assert re.fullmatch(r"\d+-NQ/VPHU", found[0]["number"]), found  # the operator's office
    assert found[0]["number"] in seen["issued"]
