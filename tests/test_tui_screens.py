"""The data-entry matrix, statistics, reports, imports, signing keys and seals, driven
through the terminal UI and checked against the command line (which the domain tests pin).

The operator's day runs on both engines (the screens' database work goes through the same
workers and transactions on PostgreSQL); imports and keys, whose UI no engine changes, run
on a copy of a prepared SQLite database.
"""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Markdown, Static, TextArea

from bbt_tui.app import BBTApp
from bbt_tui.pilot import (
    choose,
    fill,
    focus,
    go,
    log_in,
    plain,
    press_and_settle,
    settle,
    text_of,
    type_text,
)
from bbt_tui.screens.document_detail import DocumentScreen
from bbt_tui.widgets.dialogs import ConfirmScreen, TableScreen
from bbt_tui.widgets.files import FilePicker
from bbt_tui.widgets.form import FormScreen
from bbt_tui.widgets.nav import NavBar
from bbt_tui.widgets.paged_table import PagedTable
from tests.conftest import ADMIN_PASSWORD, DEMO_USERS, Bbt, make_user
from tests.test_tui import drive

OPERATOR = ("vanthu", "Van-thu-Huyen-uy-2022")


def form_errors(pilot: Pilot) -> str:
    """Every message a form shows, for an assertion's explanation."""
    return " / ".join(str(w.render()) for w in pilot.app.screen.query(".field-error, .form-error")
                      if str(w.render()))


# --- the operator's day: data entry, reports, statistics ------------------------------------


def test_operator_data_entry_and_report(
        demo: Bbt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The screens that write, on both engines: a data-entry status, a report's section
    and a registered report."""
    monkeypatch.setenv("BBT_TODAY", "2022-06-13")  # the screens open on June 2022
    make_user(demo, *OPERATOR[:1], "", "", OPERATOR[1])
    seen: dict[str, Any] = {}

    async def data_entry(app: BBTApp, pilot: Pilot) -> None:
        await go(pilot, "dataentry")
        table = app.screen.query_one(PagedTable)
        behind = {r.data["unit"]: plain(r.cells[1]) for r in table.records if r.data["behind"]}
        seen["behind"] = behind
        seen["red"] = {r.data["unit"] for r in table.records
                       if getattr(r.cells[1], "style", "") == "bold red"}
        table.apply_search_now("vpub")
        await settle(pilot)
        await press_and_settle(pilot, "e")  # the cursor is on the row, not a period: its first gap
        assert isinstance(app.screen, FormScreen)
        seen["form"] = {name: app.screen.values()[name]
                        for name in ("unit", "subsystem", "period", "status")}
        await press_and_settle(pilot, "f2")
        row = app.screen.query_one(PagedTable).records[0]
        seen["cells"] = [plain(c) for c in row.cells]
        await press_and_settle(pilot, "y")
        assert isinstance(app.screen, TableScreen)
        seen["ready"] = [r.key for r in app.screen.query_one(PagedTable).records]
        await fill(pilot, "#save-path", str(tmp_path / "ready.json"))
        await press_and_settle(pilot, "f2")
        assert not isinstance(app.screen, TableScreen)

    async def report(app: BBTApp, pilot: Pilot) -> None:
        await go(pilot, "reports")  # the half-year report of the day's half: 2022 H1
        seen["notes"] = text_of(pilot, "#report-notes")
        await press_and_settle(pilot, "e")
        assert isinstance(app.screen, FormScreen)
        assert isinstance(app.focused, TextArea)
        await type_text(pilot, "Ưu điểm:\nCác đơn vị đã nhận văn bản trên phần mềm.")
        await press_and_settle(pilot, "f2")
        seen["preview"] = app.screen.query_one(Markdown).source
        await press_and_settle(pilot, "p")  # before registering: a draft, no number
        await fill(pilot, "#field-path", str(tmp_path / "draft.pdf"))
        await fill(pilot, "#field-day", "13/06/2022")
        await press_and_settle(pilot, "f2")
        assert not isinstance(app.screen, FormScreen), form_errors(pilot)
        await press_and_settle(pilot, "r")  # register once
        await fill(pilot, "#field-day", "13/06/2022")
        await press_and_settle(pilot, "f2")
        assert isinstance(app.screen, ConfirmScreen)  # a number is taken: asked first
        await press_and_settle(pilot, "y")
        assert not isinstance(app.screen, FormScreen), form_errors(pilot)
        seen["registered"] = text_of(pilot, "#report-notes")
        await press_and_settle(pilot, "r")  # a second time: refused, nothing opens
        assert not isinstance(app.screen, FormScreen)
        for key, name in (("d", "bc.docx"), ("p", "bc.pdf")):  # the registered one, twice
            await press_and_settle(pilot, key)
            await fill(pilot, "#field-path", str(tmp_path / name))
            await press_and_settle(pilot, "f2")
            assert not isinstance(app.screen, FormScreen), form_errors(pilot)

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, *OPERATOR)
        for step in (data_entry, report):
            await step(app, pilot)

    drive(demo.url, script)

    # Data entry: the units behind are red, and the form proposed the gap of the row.
    matrix = demo.json("dataentry", "matrix")
    lines = {line["unit"]: line for block in matrix["subsystems"] for line in block["units"]}
    assert set(seen["behind"]) == seen["red"] == {"VPUB", "BDVHU"}
    assert seen["form"] == {"unit": "VPUB", "subsystem": "UBND huyện", "period": "2021",
                            "status": "entered"}
    assert lines["VPUB"]["statuses"]["2021"] == "entered"
    assert seen["cells"][-2:] == ["✘", "2022-Q1"]  # 2022-Q1 still missing
    ready = demo.json("dataentry", "export-ready")  # VPUB 2021 among them now
    assert ("VPUB", "2021") in [(r["unit"], r["period"]) for r in ready]
    assert seen["ready"] == [f"{r['unit']}/{r['subsystem']}/{r['period']}" for r in ready]
    saved = json.loads((tmp_path / "ready.json").read_text(encoding="utf-8"))
    assert [(r["unit"], r["period"]) for r in saved] == [(r["unit"], r["period"]) for r in ready]

    # Reports: the section written in the UI is stored and printed; DOCX registered with
    # the next BC number (the demo's last is 116-BC/BBT), the PDF draft takes none.
    assert "has no text yet" in seen["notes"]
    stored = demo.ok("report", "text", "--kind", "half-year", "--period", "2022-H1",
                     "--section", "assessment").stdout
    assert stored.strip() == "Ưu điểm:\nCác đơn vị đã nhận văn bản trên phần mềm."
    assert "Các đơn vị đã nhận văn bản trên phần mềm." in seen["preview"]
    assert (tmp_path / "bc.docx").read_bytes()[:2] == b"PK"
    assert (tmp_path / "draft.pdf").read_bytes()[:5] == b"%PDF-"
    assert "117-BC/BBT" in seen["registered"]
    numbers = [d["number"] for d in demo.json("doc", "list") if d["type"] == "BC"]
    assert "117-BC/BBT" in numbers and "118-BC/BBT" not in numbers
    import pymupdf
    from docx import Document as Docx

    with pymupdf.open(str(tmp_path / "bc.pdf")) as pdf:
        first_page = " ".join(pdf[0].get_text().split())
    with pymupdf.open(str(tmp_path / "draft.pdf")) as pdf:
        draft_page = " ".join(pdf[0].get_text().split())
    header = Docx(str(tmp_path / "bc.docx")).tables[0].rows[0].cells[0].text
    assert "117-BC/BBT" in first_page and "117-BC/BBT" in header  # one report, one number
    assert "-BC/BBT" in draft_page and "117-BC/BBT" not in draft_page
    shown = demo.json("doc", "show", "117-BC/BBT")
    shown = shown[0] if isinstance(shown, list) else shown
    assert shown["date"] == "2022-06-13"


def test_statistics_table_chart_and_files(
        demo_sqlite: Bbt, tmp_path: Path) -> None:
    """The table is `bbt stats monthly`, the chart its news per month, the files the same
    table as the command line writes."""
    demo = demo_sqlite
    year_2022 = demo.json("stats", "monthly", "--year", "2022")
    demo.ok("stats", "monthly", "--year", "2022", "--csv", str(tmp_path / "cli.csv"))
    seen: dict[str, Any] = {}

    async def statistics(app: BBTApp, pilot: Pilot) -> None:
        await go(pilot, "stats")
        await fill(pilot, "#year", "2021")
        await press_and_settle(pilot, "enter")
        seen["2021"] = plain(app.screen.query_one("#stats-table").get_row_at(12)[1])  # type: ignore[attr-defined]
        await press_and_settle(pilot, "right_square_bracket")  # the year after
        table = app.screen.query_one("#stats-table")
        seen["stats"] = [[plain(c) for c in table.get_row_at(i)]  # type: ignore[attr-defined]
                         for i in range(13)]
        chart = app.screen.query_one("#chart-news", Static).content
        seen["chart"] = "\n".join(line.plain for line in chart.lines())  # type: ignore[union-attr]
        for key, name in (("c", "tui.csv"), ("x", "tui.xlsx")):
            await press_and_settle(pilot, key)
            await fill(pilot, "#field-path", str(tmp_path / name))
            await press_and_settle(pilot, "f2")
            assert not isinstance(app.screen, FormScreen), form_errors(pilot)

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "lanhdao", DEMO_USERS["lanhdao"])  # a viewer may save them too
        await statistics(app, pilot)

    drive(demo.url, script)

    expected = [[str(m["month"]), *(f"{m[k]:,}" for k in m if k != "month")]
                for m in year_2022["months"]]
    assert seen["2021"] == "0"
    assert seen["stats"][:12] == expected
    assert seen["stats"][12][1] == str(year_2022["totals"]["news"])
    chart = seen["chart"].splitlines()
    assert chart[0] == "News per month, 2022"
    assert chart[-2].split() == [str(m["news"]) for m in year_2022["months"]]
    assert chart[-1].split() == [f"M{m}" for m in range(1, 13)]
    assert chart[1][4 * 4:4 * 5].strip() == "██"  # May's bar, the highest, reaches the top
    with (tmp_path / "cli.csv").open(encoding="utf-8") as cli, \
            (tmp_path / "tui.csv").open(encoding="utf-8") as tui:
        assert list(csv.reader(tui)) == list(csv.reader(cli))
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "tui.xlsx").active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Month" and rows[5][1] == year_2022["months"][4]["news"]


# --- imports -----------------------------------------------------------------------------------


UNITS_CSV = """code,name,kind,parent
DU-LOCAN,Đảng ủy xã Lộc An,grassroots,
DU-LOCBAO,Đảng ủy xã Lộc Bảo,commune,
DU-LOCAN,Đảng ủy xã Lộc An (lần hai),grassroots,
BBT,Ban Biên tập,board,
"""


def test_import_shows_every_row_then_imports(
        fresh_sqlite: Bbt, tmp_path: Path) -> None:
    bbt = fresh_sqlite
    folder = tmp_path / "files"
    folder.mkdir()
    units_file = folder / "don-vi.csv"
    units_file.write_text(UNITS_CSV, encoding="utf-8")
    accounts_file = tmp_path / "tai-khoan.csv"
    accounts_file.write_text("username,full_name,unit,role\nvt.locan,Văn thư Lộc An,DU-LOCAN,"
                             "clerk\nvt.bbt,Văn thư BBT,BBT,operator\n", encoding="utf-8")
    passwords = tmp_path / "mat-khau.csv"
    dry = json.loads(bbt("import", "units", str(units_file), "--dry-run", "--on-error", "skip",
                         "--json").stdout)
    seen: dict[str, Any] = {}

    def fates(app: BBTApp) -> list[tuple[str, str, str]]:
        return [(r.key, plain(r.cells[1]), plain(r.cells[3]))
                for r in app.screen.query_one("#fates", PagedTable).records]

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "admin", ADMIN_PASSWORD, area="imports")
        choose(pilot, "#kind", "units")
        await fill(pilot, "#path", str(folder / "nothing.csv"))
        await press_and_settle(pilot, "enter")
        seen["missing"] = text_of(pilot, "#import-status")
        await focus(pilot, "#kind")
        await press_and_settle(pilot, "b")  # pick the file in the folder tree
        assert isinstance(app.screen, FilePicker)
        await press_and_settle(pilot, "down", "enter")
        seen["picked"] = app.screen.query_one("#path", Input).value
        seen["fates"] = fates(app)
        seen["summary"] = text_of(pilot, "#import-status")
        await press_and_settle(pilot, "i")  # "write nothing while a row has errors" is the default
        await press_and_settle(pilot, "f2")
        seen["aborted"] = text_of(pilot, "#import-status")
        await press_and_settle(pilot, "i")
        choose(pilot, "#field-on_error", "skip")
        await press_and_settle(pilot, "f2")
        seen["again"] = fates(app)

        choose(pilot, "#kind", "accounts")
        await fill(pilot, "#path", str(accounts_file))
        await press_and_settle(pilot, "enter")
        await press_and_settle(pilot, "i")
        await fill(pilot, "#field-credentials", str(passwords))
        await press_and_settle(pilot, "f2")
        seen["accounts"] = fates(app)

    drive(bbt.url, script)
    assert "There is no file" in seen["missing"]
    assert seen["picked"] == str(units_file)
    by_row = {row: (fate, reasons) for row, fate, reasons in seen["fates"]}
    assert [row for row, _f, _r in seen["fates"]] == ["1", "2", "3", "4"]
    assert by_row["1"] == ("new", "")
    assert by_row["2"][0] == "rejected" and "commune" in by_row["2"][1]
    assert by_row["3"][0] == "rejected" and "row 1" in by_row["3"][1]
    assert by_row["4"][0] == "updated"
    # The same counts and reasons as `bbt import --dry-run`.
    assert seen["summary"].startswith(
        f"units, 4 rows: {dry['would_insert']} new, {dry['would_update']} updated, "
        f"{dry['would_unchanged']} unchanged, {len(dry['rejected'])} rejected.")
    assert [str(r["row"]) for r in dry["rejected"]] == ["2", "3"]
    assert "Nothing was written" in seen["aborted"]
    assert [fate for _row, fate, _r in seen["again"]] == [
        "unchanged", "rejected", "rejected", "unchanged"]
    units = {u["code"]: u for u in bbt.json("unit", "list")}
    assert units["DU-LOCAN"]["name"] == "Đảng ủy xã Lộc An"
    assert units["BBT"]["name"] == "Ban Biên tập"
    assert [fate for _row, fate, _r in seen["accounts"]] == ["unchanged", "unchanged"]
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
    issued = list(csv.DictReader(io.StringIO(passwords.read_text(encoding="utf-8"))))
    assert [r["username"] for r in issued] == ["vt.locan", "vt.bbt"]
    bbt.as_("vt.bbt", issued[1]["one_time_password"]).ok(
        "passwd", "--password-stdin", input="Van-thu-BBT-moi-2022\n")


# --- signing keys, signatures, the navigation bar ------------------------------------------------


def test_keys_sign_verify_and_revoke(demo_sqlite: Bbt) -> None:
    bbt = demo_sqlite
    seen: dict[str, Any] = {}

    async def create_key(app: BBTApp, pilot: Pilot) -> None:
        await go(pilot, "keys")  # after the tenth area: through the command palette
        await press_and_settle(pilot, "n")
        await type_text(pilot, "BBT")
        await fill(pilot, "#field-passphrase", "ngan")
        await fill(pilot, "#field-again", "ngan")
        await press_and_settle(pilot, "f2")
        seen["short"] = text_of(pilot, "#error-passphrase")
        await fill(pilot, "#field-passphrase", "Khoa-ky-Ban-Bien-tap")
        await fill(pilot, "#field-again", "Khoa-ky-Ban-Bien-tap!")
        await press_and_settle(pilot, "f2")
        seen["differ"] = text_of(pilot, "#error-again")
        await fill(pilot, "#field-again", "Khoa-ky-Ban-Bien-tap")
        await press_and_settle(pilot, "f2")
        seen["keys"] = [(r.data["unit"], r.data["active"])
                        for r in app.screen.query_one(PagedTable).records]

    async def sign(app: BBTApp, pilot: Pilot) -> None:
        bar = app.screen.query_one(NavBar)
        x = str(bar.render()).index("Documents")
        await pilot.click(NavBar, offset=(x + 2, 0))  # a click on the bar opens the area
        await settle(pilot)
        seen["clicked"] = type(app.screen).__name__
        app.screen.query_one(PagedTable).apply_search_now("116-BC/BBT")
        await settle(pilot)
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, DocumentScreen)
        await press_and_settle(pilot, "v")
        seen["before"] = text_of(pilot, "#verdict")
        await press_and_settle(pilot, "k")
        await type_text(pilot, "Sai-mat-khau-khoa")
        await press_and_settle(pilot, "enter")
        seen["wrong"] = form_errors(pilot)
        await fill(pilot, "#field-passphrase", "Khoa-ky-Ban-Bien-tap")
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, DocumentScreen)
        seen["after"] = text_of(pilot, "#verdict")
        seen["signed"] = "Sealed: yes" in text_of(pilot, "#document-body")
        await press_and_settle(pilot, "escape")

    async def revoke(app: BBTApp, pilot: Pilot) -> None:
        await go(pilot, "keys")
        await press_and_settle(pilot, "r")
        assert isinstance(app.screen, ConfirmScreen)
        await press_and_settle(pilot, "y")
        seen["revoked"] = [r.data["active"] for r in app.screen.query_one(PagedTable).records]

    async def script(app: BBTApp, pilot: Pilot) -> None:
        await log_in(pilot, "admin", ADMIN_PASSWORD)
        for step in (create_key, sign, revoke):
            await step(app, pilot)

    drive(bbt.url, script)
    assert seen["short"].startswith("A key passphrase needs at least")
    assert seen["differ"] == "The two passphrases differ."
    assert seen["keys"] == [("BBT", True)]
    assert seen["clicked"] == "DocumentsScreen"
    assert "116-BC/BBT is not sealed" in seen["before"]
    assert seen["wrong"] == "Wrong passphrase for this signing key."
    assert seen["after"].startswith("Seal valid: valid seal of BBT") and seen["signed"]
    assert seen["revoked"] == [False]
    verdict = bbt.ok("doc", "verify", "116-BC/BBT").stdout
    assert "revoked later" in verdict
    assert [k["revoked_at"] is not None for k in bbt.json("key", "list")] == [True]

