"""Snapshot tests: the look of the login screen, the dashboard, the documents register and a
clerk's inbox on the demo, in Vietnamese, pinned as SVG files in tests/__snapshots__/.

Repeatable by construction: a fixed terminal size, the demo as of its day (BBT_TODAY) with
its audit clock frozen (see tests/test_tui.py), cursors that do not blink, no notifications.
One app session takes the four pictures. After an intended change of the look, review the
new pictures and accept them with `pytest tests/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_textual_snapshot import SVGImageExtension
from syrupy import SnapshotAssertion
from textual.pilot import Pilot

from bbt_tui.app import BBTApp
from bbt_tui.pilot import go, log_in, steady
from tests.conftest import ADMIN_PASSWORD, Bbt
from tests.test_tui import (  # noqa: F401 - fixtures
    DEMO_USERS,
    demo_sqlite,
    demo_template,
    drive,
    log_out,
)


def test_main_screens_look_as_pinned(
        demo_sqlite: Bbt,  # noqa: F811 - the imported fixture
        snapshot: SnapshotAssertion, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BBT_LANG", "vi")

    async def picture(pilot: Pilot) -> str:
        await steady(pilot)
        return pilot.app.export_screenshot(title="BBT")

    async def script(app: BBTApp, pilot: Pilot) -> dict[str, Any]:
        pictures = {"login": await picture(pilot)}
        await log_in(pilot, "admin", ADMIN_PASSWORD)
        pictures["dashboard"] = await picture(pilot)
        await go(pilot, "documents")
        pictures["documents"] = await picture(pilot)
        await log_out(pilot)
        await log_in(pilot, "vt.du-locthanh", DEMO_USERS["vt.du-locthanh"])
        pictures["inbox"] = await picture(pilot)
        return pictures

    pictures = drive(demo_sqlite.url, script)
    svg = snapshot.use_extension(SVGImageExtension)
    for name, picture_svg in pictures.items():
        assert svg(name=name) == picture_svg, name
