"""`bbt register print|close|verify` on both engines: the Phụ lục IV book in DOCX, PDF and
XLSX (landscape, cover, header row on every page, page numbers), closing a year (khóa sổ)
and checking a printed book against the audit chain and the register."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from domain.registers import INCOMING_COLUMNS, OUTGOING_COLUMNS
from tests.conftest import Bbt, make_user

LONG = "về việc triển khai thực hiện nhiệm vụ chuyển đổi số trong các cơ quan Đảng " * 3


def issue_many(bbt: Bbt, count: int) -> None:
    for day in range(1, count + 1):
        bbt.ok("doc", "issue", "--type", "KH", "--issuer", "HU", "--title", f"{day}: {LONG}",
               "--date", f"2022-07-{day:02d}", "--signer", "Phó Bí thư")


def pdf_pages(path: Path) -> list[str]:
    import pymupdf

    with pymupdf.open(path) as document:
        return [page.get_text() for page in document]


def test_outgoing_book_in_pdf_repeats_its_header_and_numbers_pages(demo: Bbt,
                                                                   tmp_path: Path) -> None:
    issue_many(demo, 25)
    target = tmp_path / "so-di.pdf"
    out = demo.ok("register", "print", "--book", "outgoing", "--year", "2022", "--unit", "HU",
                  "-o", str(target))
    assert "29" in out.stdout  # the demo's four and the 25 above
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    pages = pdf_pages(target)
    cover, table = pages[0], pages[1:]
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in cover and "HUYỆN ỦY BẢO LÂM" in cover
    assert "Năm 2022" in cover and "Kế hoạch (KH): từ số 01 đến số 25" in cover
    assert len(table) >= 3
    for number, text in enumerate(table, start=1):
        assert "Tên loại và trích yếu nội dung văn bản" in text  # the header on every page
        assert f"Trang {number}" in text
    assert "750-QĐ/HU" in table[0] and "Quyết định Thành lập Ban Biên tập" in table[0]
    assert "25-KH/HU" in "".join(table)


def test_docx_and_xlsx_books_are_landscape_with_repeated_headers(demo: Bbt,
                                                                  tmp_path: Path) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from openpyxl import load_workbook

    docx_path, xlsx_path = tmp_path / "so-den.docx", tmp_path / "so-den.xlsx"
    for path in (docx_path, xlsx_path):
        demo.ok("register", "print", "--book", "incoming", "--year", "2022", "--unit", "VPHU",
                "-o", str(path))
    document = Document(str(docx_path))
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height
    text = "\n".join(p.text for p in document.paragraphs)
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text and "Từ số 1 đến số 3" in text
    table = document.tables[0]
    assert tuple(c.text for c in table.rows[0].cells) == INCOMING_COLUMNS
    assert [c.text for c in table.rows[2].cells][:4] == ["27/04/2022", "1", "Tỉnh ủy Lâm Đồng",
                                                         "42-KH/TU"]
    assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader")  # repeated on every page
    footer = zipfile.ZipFile(docx_path).read("word/footer1.xml").decode()
    assert "PAGE" in footer

    book = load_workbook(xlsx_path)
    sheet = book["Sổ"]
    assert tuple(c.value for c in sheet[1]) == INCOMING_COLUMNS
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.page_setup.orientation == "landscape" and "&P" in sheet.oddFooter.center.text
    assert [c.value for c in sheet[3]][1:4] == ["1", "Tỉnh ủy Lâm Đồng", "42-KH/TU"]
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in [c.value for c in book["Bìa"]["A"]]


def test_print_refuses_existing_files_bad_formats_and_other_units_books(demo: Bbt,
                                                                        tmp_path: Path) -> None:
    target = tmp_path / "so.xlsx"
    target.write_text("giữ nguyên")
    args = ("register", "print", "--book", "outgoing", "--year", "2022", "--unit", "HU")
    assert demo(*args, "-o", str(target)).exit_code == 1
    assert target.read_text() == "giữ nguyên"
    demo.ok("doc", "withdraw", "796-QĐ/HU", "--reason", "sai thể thức")
    demo.ok(*args, "-o", str(target), "--force")
    from openpyxl import load_workbook

    lines = {row[0]: row for row in load_workbook(target)["Sổ"].iter_rows(values_only=True)}
    assert lines["796-QĐ/HU"][7] == "Đã thu hồi: sai thể thức"  # never silently missing
    assert lines["750-QĐ/HU"][7] is None
    assert demo(*args, "-o", str(tmp_path / "so.md")).exit_code == 1
    assert demo("register", "print", "--book", "sideways", "--year", "2022",
                "-o", str(tmp_path / "x.pdf")).exit_code == 1
    clerk = make_user(demo, "vanthu_locan", "DU-LOCAN", "clerk")
    assert clerk(*args, "-o", str(tmp_path / "other.pdf")).exit_code == 3
    assert not (tmp_path / "other.pdf").exists()
    viewer = make_user(demo, "lanhdao", "HU", "viewer")
    viewer.ok(*args, "-o", str(tmp_path / "viewer.docx"))
    assert viewer("register", "close", "--year", "2022", "--unit", "HU").exit_code == 3


def test_closing_a_year_and_verifying_the_bound_book(demo: Bbt, tmp_path: Path) -> None:
    book = tmp_path / "2022.pdf"
    demo.ok("register", "close", "--year", "2022", "--unit", "HU", "-o", str(book))
    assert demo("register", "close", "--year", "2022", "--unit", "HU").exit_code == 1
    verified = demo.ok("register", "verify", "--year", "2022", str(book))
    assert "4" in verified.stdout
    actions = [e["action"] for e in demo.json("audit", "list")]
    assert "register.close" in actions and "register.print" in actions

    issue = ("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title", "Muộn",
             "--date", "2022-12-30")
    assert demo(*issue).exit_code == 1  # nothing new in a closed year
    assert demo(*issue, "--number", "900").exit_code == 1  # historical: needs --reopen
    operator = make_user(demo, "vanthu", "VPHU", "operator")
    assert operator(*issue, "--number", "900", "--reopen").exit_code == 3  # admins only
    demo.ok("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title", "Năm sau",
            "--date", "2023-01-03")  # another year is open
    # The admin enters a forgotten document: audited, and the bound book no longer matches.
    demo.ok(*issue, "--number", "900", "--reopen")
    assert "register.reopen" in [e["action"] for e in demo.json("audit", "list")]
    changed = demo("register", "verify", "--year", "2022", str(book))
    assert changed.exit_code == 1 and "5" in changed.stderr

    reprinted = tmp_path / "2022-b.pdf"
    demo.ok("register", "print", "--book", "outgoing", "--year", "2022", "--unit", "HU",
            "-o", str(reprinted))
    demo.ok("register", "verify", "--year", "2022", str(reprinted))
    tampered = tmp_path / "tampered.pdf"
    data = bytearray(reprinted.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    assert demo("register", "verify", "--year", "2022", str(tampered)).exit_code == 1
    assert demo("register", "verify", "--year", "2021", str(reprinted)).exit_code == 1

    # Someone with the database rewrites the record of the print: the record no longer holds.
    from sqlalchemy import create_engine, text

    engine = create_engine(demo.url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET detail = replace(detail, '\"entries\": 5', "
                                "'\"entries\": 6') WHERE action = 'register.print'"))
    engine.dispose()
    altered = demo("register", "verify", "--year", "2022", str(reprinted))
    assert altered.exit_code == 1 and "audit" in altered.stderr


def test_incoming_register_closes_too(demo: Bbt) -> None:
    demo.ok("register", "close", "--year", "2022", "--unit", "VPHU")
    receive = ("doc", "receive", "--number", "99-CV/TU", "--from", "TU", "--date",
               "2022-06-01", "--title", "Công văn", "--to", "VPHU", "--received", "2022-06-02")
    assert demo(*receive).exit_code == 1
    assert demo.ok(*receive, "--reopen").stdout.strip() == "4"


@pytest.mark.parametrize("book", ["outgoing", "incoming"])
def test_book_columns_are_those_of_the_decree(book: str) -> None:
    columns = OUTGOING_COLUMNS if book == "outgoing" else INCOMING_COLUMNS
    assert len(columns) == (8 if book == "outgoing" else 10)
    assert "Tên loại và trích yếu nội dung văn bản" in columns


# ------------------------------------------------------------------ TUI


def test_tui_prints_the_book_of_the_highlighted_document(demo_sqlite: Bbt, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.widgets import Input, Select

    from bbt_tui.pilot import go, log_in, settle
    from bbt_tui.widgets.form import FormScreen
    from tests.conftest import ADMIN_PASSWORD
    from tests.test_tui import drive

    monkeypatch.chdir(tmp_path)
    target = tmp_path / "so-den-2022.docx"

    async def script(app, pilot) -> dict:  # type: ignore[no-untyped-def]
        await log_in(pilot, "admin", ADMIN_PASSWORD)
        await go(pilot, "documents")
        first = app.screen.selected.data
        for _step in range(30):  # down the register to an incoming document
            if app.screen.selected.data == "42-KH/TU":
                break
            await pilot.press("down")
            await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        form = {name: app.screen.query_one(f"#field-{name}").value
                for name in ("book", "year", "unit", "path")}
        app.screen.query_one("#field-path", Input).value = str(target)
        assert isinstance(app.screen.query_one("#field-book"), Select)
        await pilot.press("f2")
        await settle(pilot)
        form["closed"] = not isinstance(app.screen, FormScreen)
        form["first"] = first
        return form

    seen = drive(demo_sqlite.url, script)
    assert seen["first"] != "42-KH/TU"  # the key acted on the highlighted row, not the first
    assert (seen["book"], seen["year"], seen["unit"]) == ("incoming", "2022", "VPHU")
    assert seen["path"] == str(tmp_path / "so-den-VPHU-2022.pdf")
    assert seen["closed"] and target.exists()
    demo_sqlite.ok("register", "verify", "--year", "2022", str(target))
