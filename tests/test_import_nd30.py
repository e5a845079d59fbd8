"""Registers in the layout of Nghị định 30/2020, Phụ lục IV, into `bbt import documents`
(CSV, XLSX, ODS) and out of `bbt export documents --layout nd30`, on both engines; and the
ODS reader on its own (repeated rows, hostile packages)."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from pathlib import Path

import pytest

from domain import ods
from domain.errors import BBTError
from domain.imports_io import unescape
from domain.imports_nd30 import recipient_names, split_withdrawal
from domain.registers import heading, type_name_at_start
from tests.conftest import ADMIN_PASSWORD, Bbt

OUT_HEADERS = ["Số, ký hiệu văn bản", "Ngày tháng văn bản",
               "Tên loại và trích yếu nội dung văn bản", "Người ký", "Nơi nhận văn bản",
               "Đơn vị, người nhận bản lưu", "Số lượng bản", "Ghi chú"]
IN_HEADERS = ["Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu văn bản", "Ngày tháng văn bản",
              "Tên loại và trích yếu nội dung văn bản", "Đơn vị hoặc người nhận", "Ngày chuyển",
              "Ký nhận", "Ghi chú"]
OUTGOING = [
    ["750-QĐ/HU", "08/02/2022", "Quyết định thành lập Ban Biên tập", "Nguyễn Văn An",
     "- Đảng bộ xã Lộc An (b/c);\n- Ban Tuyen giao Huyen uy;\n- Sở Nội vụ;\n- Lưu VP.",
     "Văn phòng, 01 bản", "5", "Bản chính lưu hồ sơ"],
    ["156/QĐ-UBND", "15/03/2022", "Quyết định kiện toàn Tổ giúp việc", "Chủ tịch", "", "", "",
     ""],
    ["45/UBND-VP", "20/03/2022", "V/v triển khai phần mềm IDOC", "Phó Chủ tịch", "", "", "2",
     ""],
    ["12/UBND-VX", "21/03/2022", "Tờ trình về kinh phí vận hành", "Chủ tịch", "", "", "", ""],
]


def setup_units(bbt: Bbt) -> None:
    for code, name, kind, *parent in (
            ("HU", "Huyện ủy Bảo Lâm", "committee"), ("TU", "Tỉnh ủy Lâm Đồng", "committee"),
            ("UBND", "UBND huyện Bảo Lâm", "government"),
            ("BTGHU", "Ban Tuyên giáo Huyện ủy", "board", "HU"),
            ("DU-LOCAN", "Đảng bộ xã Lộc An", "grassroots", "HU")):
        bbt.ok("unit", "add", code, name, "--kind", kind,
               *(("--parent", parent[0]) if parent else ()))


def write_csv(path: Path, headers: list[str], rows: list[list[str]], numbers: bool = True) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    if numbers:  # printed registers number their columns under the header
        writer.writerow([f"({i})" for i in range(1, len(headers) + 1)])
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def imported(bbt: Bbt, path: Path, *extra: str, code: int = 0) -> dict:
    result = bbt("import", "documents", str(path), "--json", *extra)
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def exported(bbt: Bbt, path: Path, *args: str) -> list[list[str]]:
    bbt.ok("export", "documents", "--layout", "nd30", "-o", str(path), *args)
    return list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))


def test_outgoing_register_continues_numbering(bbt: Bbt, tmp_path: Path) -> None:
    setup_units(bbt)
    source = write_csv(tmp_path / "so-di.csv", OUT_HEADERS, OUTGOING)
    dry = imported(bbt, source, "--dry-run")
    assert (dry["inserted"], dry["would_insert"], dry["rejected"]) == (0, 4, [])
    assert bbt.json("doc", "list") == []  # a dry run writes nothing
    first = imported(bbt, source)
    assert (first["inserted"], first["unchanged"]) == (4, 0)
    assert first["unmatched_recipients"] == ["Sở Nội vụ"]  # "Lưu", "(b/c)" are not names
    again = imported(bbt, source)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 4)

    shown = bbt.json("doc", "show", "750-QĐ/HU")
    assert (shown["type"], shown["title"]) == ("QĐ", "thành lập Ban Biên tập")
    assert sorted((d["unit"], d["status"]) for d in shown["deliveries"]) == [
        ("BTGHU", "done"), ("DU-LOCAN", "done")]  # matched by name, accents ignored
    assert not any(d["overdue"] for d in shown["deliveries"])
    # A state công văn keeps its number as written (NĐ 30: no type, the drafting office last).
    cv, ttr = bbt.json("doc", "show", "45/UBND-VP"), bbt.json("doc", "show", "12/UBND-VX")
    assert (cv["number"], cv["type"], cv["title"]) == (
        "45/UBND-VP", "CV", "V/v triển khai phần mềm IDOC")
    assert (ttr["number"], ttr["type"], ttr["title"]) == (
        "12/UBND-VX", "TTr", "về kinh phí vận hành")

    # The counters moved past the imported numbers: no gap, no clash.
    assert bbt.ok("doc", "issue", "--type", "QĐ", "--issuer", "HU", "--title", "Tiếp theo",
                  "--date", "2022-03-01").stdout.strip() == "751-QĐ/HU"
    assert bbt.ok("doc", "issue", "--type", "CV", "--issuer", "UBND", "--title", "Tiếp theo",
                  "--date", "2022-04-01").stdout.strip() == "157/CV-UBND"

    rows = exported(bbt, tmp_path / "out.csv", "--unit", "HU", "--year", "2022")
    assert rows[0] == OUT_HEADERS
    # The register leaves BBT as it came in (text that a spreadsheet would run as a formula,
    # "- Đảng bộ...", carries export's apostrophe, which import takes off again).
    assert [unescape(cell) for cell in rows[1]] == OUTGOING[0]
    assert rows[1][4].startswith("'-")


def test_round_trip_from_the_demo_into_a_fresh_database(demo: Bbt, tmp_path: Path) -> None:
    demo.ok("doc", "withdraw", "796-QĐ/HU", "--reason", "Ban hành lại; thay thế")
    book = exported(demo, tmp_path / "hu.csv", "--unit", "HU")
    assert book[2][0] == "796-QĐ/HU" and book[2][7] == "Đã thu hồi: Ban hành lại; thay thế"
    incoming = exported(demo, tmp_path / "in.csv", "--unit", "VPHU", "--book", "incoming")
    assert len(book) == 5 and len(incoming) == 4
    assert imported(demo, tmp_path / "hu.csv")["unchanged"] == 4  # in place: nothing changes
    demo.ok("export", "documents", "--layout", "nd30", "--unit", "HU", "-o",
            str(tmp_path / "hu.xlsx"))
    assert imported(demo, tmp_path / "hu.xlsx")["unchanged"] == 4
    assert demo("export", "documents", "-o", str(tmp_path / "hu.ods")).exit_code == 1
    demo.ok("export", "units", "-o", str(tmp_path / "units.csv"))

    fresh = Bbt(f"sqlite:///{tmp_path / 'fresh.db'}")
    fresh.ok("init", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    fresh = fresh.as_("admin", ADMIN_PASSWORD)
    fresh.ok("import", "units", str(tmp_path / "units.csv"))
    assert imported(fresh, tmp_path / "hu.csv")["inserted"] == 4
    assert exported(fresh, tmp_path / "hu2.csv", "--unit", "HU") == book
    withdrawn = fresh.json("doc", "show", "796-QĐ/HU")
    assert withdrawn["status"] == "withdrawn"
    # Incoming registers go to the importing account's unit: BBT's admin belongs to BBT.
    assert imported(fresh, tmp_path / "in.csv")["inserted"] == 3
    again = exported(fresh, tmp_path / "in2.csv", "--unit", "BBT", "--book", "incoming")
    assert again[1:] == incoming[1:]
    from domain.db import dispose_all

    dispose_all()


def test_incoming_register_from_ods(bbt: Bbt, tmp_path: Path) -> None:
    setup_units(bbt)
    rows = [["26/04/2022", 7, "Tỉnh ủy Lâm Đồng", "42-KH/TU", "25/04/2022",
             "Kế hoạch ứng dụng công nghệ thông tin", "Ban Tuyên giáo", "27/04/2022", "", ""],
            ["27/05/2022", 9, "Tỉnh ủy Lâm Đồng", "14-NQ/TU", "25/05/2022",
             "Nghị quyết về cải cách hành chính", "", "", "", "khẩn"]]
    path = tmp_path / "so-den.ods"
    path.write_bytes(make_ods([IN_HEADERS, [f"({i})" for i in range(1, 11)], *rows]))
    result = imported(bbt, path)
    assert (result["inserted"], result["rejected"]) == (2, [])
    shown = bbt.json("doc", "show", "42-KH/TU")
    assert (shown["direction"], shown["incoming_number"], shown["received_on"]) == (
        "incoming", 7, "2022-04-26")
    assert shown["title"] == "ứng dụng công nghệ thông tin"
    # The incoming register of 2022 continues after 9.
    assert bbt.ok("doc", "receive", "--number", "15-NQ/TU", "--from", "TU", "--date",
                  "2022-06-01", "--title", "Nghị quyết", "--received", "2022-06-02",
                  "--to", "BBT").stdout.strip() == "10"
    assert imported(bbt, path)["unchanged"] == 2


def test_bad_rows_are_listed_and_nothing_is_written(bbt: Bbt, tmp_path: Path) -> None:
    setup_units(bbt)
    rows = [["lung tung", "08/02/2022", "Quyết định X", "", "", "", "", ""],
            ["751-QĐ/XYZ", "08/02/2022", "Quyết định Y", "", "", "", "", ""],
            ["752-QĐ/HU", "08/02/2022", "Quyết định Z", "", "", "", "-3", ""],
            ["753-QĐ/HU", "", "Quyết định Z", "", "", "", "", ""],
            ["754-QĐ/HU", "09/02/2022", "Quyết định đúng", "", "", "", "", ""]]
    result = imported(bbt, write_csv(tmp_path / "bad.csv", OUT_HEADERS, rows), code=1)
    # Row 1 is the "(1) (2) ..." line under the header: the data rows count from 2.
    assert [r["row"] for r in result["rejected"]] == [2, 3, 4, 5]
    assert "number" in result["rejected"][0]["errors"][0]
    assert "XYZ" in result["rejected"][1]["errors"][0]
    assert result["rejected"][2]["errors"][0].startswith("copies")
    assert bbt.json("doc", "list") == []


def test_a_closed_year_refuses_imported_entries(bbt: Bbt, tmp_path: Path) -> None:
    setup_units(bbt)
    bbt.ok("register", "close", "--year", "2022", "--unit", "HU")
    result = imported(bbt, write_csv(tmp_path / "r.csv", OUT_HEADERS, OUTGOING[:2]), code=1)
    assert [r["row"] for r in result["rejected"]] == [2]  # UBND's register is open
    assert "2022" in result["rejected"][0]["errors"][0]
    plain = tmp_path / "plain.csv"  # BBT's own layout is held to the closure too
    plain.write_text("number,date,title\n751-QĐ/HU,2022-03-01,Muộn\n752-QĐ/HU,2023-01-05,Mới\n")
    result = imported(bbt, plain, code=1)
    assert [r["row"] for r in result["rejected"]] == [1]


# ------------------------------------------------------------------ splitting


@pytest.mark.parametrize(("text", "code", "rest"), [
    ("Quyết định thành lập Ban", "QĐ", "thành lập Ban"),
    ("Quy định cung cấp thông tin", "QĐi", "cung cấp thông tin"),
    ("QUYET DINH: ve viec", "QĐ", "ve viec"),
    ("Chương trình công tác", "CTr", "công tác"),
    ("V/v triển khai", None, "V/v triển khai"),
    ("Quyết định", "QĐ", ""),
])
def test_type_name_and_summary(text: str, code: str | None, rest: str) -> None:
    assert type_name_at_start(text) == (code, rest)


def test_heading_prints_what_the_import_splits() -> None:
    assert heading("QĐ", "thành lập Ban") == "Quyết định thành lập Ban"
    assert heading("BC", "Báo cáo tình hình") == "Báo cáo tình hình"
    assert heading("CV", "V/v triển khai") == "V/v triển khai"
    assert type_name_at_start(heading("KH", "ứng dụng CNTT")) == ("KH", "ứng dụng CNTT")


@pytest.mark.parametrize(("notes", "expected"), [
    ("Đã thu hồi: sai thể thức", ("", "withdrawn", "sai thể thức")),
    ("Đã thu hồi: sai; bản gốc lưu", ("bản gốc lưu", "withdrawn", "sai")),
    ("đã thu hồi", ("", "withdrawn", "")),
    ("Bản chính lưu hồ sơ", ("Bản chính lưu hồ sơ", "issued", "")),
])
def test_withdrawal_notes_read_back(notes: str, expected: tuple[str, str, str]) -> None:
    assert split_withdrawal(notes) == expected


def test_recipient_names() -> None:
    text = "Nơi nhận:\n- Như trên;\n- Thường trực Huyện ủy (b/c);\n- Đảng bộ xã Lộc An;\n- Lưu VT."
    assert recipient_names(text) == ["Thường trực Huyện ủy", "Đảng bộ xã Lộc An"]


# ------------------------------------------------------------------ the ODS reader

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def _cell(value: object) -> str:
    if isinstance(value, int):
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    if not value:
        return "<table:table-cell/>"
    paragraphs = "".join(f"<text:p>{line}</text:p>" for line in str(value).split("\n"))
    return f'<table:table-cell office:value-type="string">{paragraphs}</table:table-cell>'


def make_ods(rows: list[list[object]], body: str | None = None, prolog: str = "") -> bytes:
    """An .ods as LibreOffice writes it: trailing empty columns and a million empty rows
    said once each with a repeat count."""
    if body is None:
        body = "".join(f"<table:table-row>{''.join(_cell(v) for v in row)}"
                       '<table:table-cell table:number-columns-repeated="1000"/>'
                       "</table:table-row>" for row in rows)
        body += ('<table:table-row table:number-rows-repeated="1048000">'
                 '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {NS}>'
               f'<office:body><office:spreadsheet><table:table table:name="Sổ">{body}'
               "</table:table></office:spreadsheet></office:body></office:document-content>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def read_ods(data: bytes, sheet: str | None = None) -> tuple[list[str], list]:
    ods.check_package(io.BytesIO(data), "x.ods", 1 << 30, 200)
    rows: list = []
    headers = ods.read(io.BytesIO(data), "x.ods", sheet, max_rows=1_000_000, max_columns=200,
                       add=lambda number, cells: rows.append((number, cells)),
                       tick=lambda: None, clean=str.strip)
    return headers, rows


def test_ods_cells_types_and_repeats() -> None:
    body = (
        "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>Số</text:p>"
        "</table:table-cell><table:table-cell office:value-type=\"string\"><text:p>Ngày"
        "</text:p></table:table-cell><table:table-cell office:value-type=\"string\"><text:p>"
        "Ghi<text:s text:c=\"2\"/>chú</text:p></table:table-cell></table:table-row>"
        '<table:table-row table:number-rows-repeated="3"><table:table-cell/></table:table-row>'
        '<table:table-row table:number-rows-repeated="2"><table:table-cell '
        'office:value-type="float" office:value="12"/><table:table-cell office:value-type='
        '"date" office:date-value="2022-02-08"/><table:table-cell office:value-type="string">'
        "<office:annotation><text:p>a comment</text:p></office:annotation><text:p>dòng 1"
        "</text:p><text:p>dòng 2</text:p></table:table-cell></table:table-row>"
        '<table:table-row><table:covered-table-cell table:number-columns-repeated="2"/>'
        '<table:table-cell office:value-type="float" office:value="1.5"/></table:table-row>')
    headers, rows = read_ods(make_ods([], body=body))
    assert headers == ["Số", "Ngày", "Ghi  chú"]
    from datetime import date

    assert rows == [(4, [12, date(2022, 2, 8), "dòng 1\ndòng 2"]),
                    (5, [12, date(2022, 2, 8), "dòng 1\ndòng 2"]), (6, [None, None, 1.5])]


def test_ods_million_empty_rows_are_cheap_and_sheets_are_named() -> None:
    data = make_ods([["a", "b"], ["x", 1]])
    started = time.perf_counter()
    assert read_ods(data) == (["a", "b"], [(1, ["x", 1])])
    assert time.perf_counter() - started < 1.0
    assert read_ods(data, "Sổ")[0] == ["a", "b"]
    with pytest.raises(BBTError, match="no sheet 'Khác'"):
        read_ods(data, "Khác")


@pytest.mark.parametrize("data", [
    b"not a zip at all",
    make_ods([["a"]], prolog='<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'),
    make_ods([["a"]], body="<table:table-row><table:table-cell>"),
], ids=["not-zip", "dtd", "broken-xml"])
def test_ods_hostile_or_broken_files_are_refused(data: bytes) -> None:
    with pytest.raises(BBTError):
        read_ods(data)


def test_ods_zip_bomb_and_other_packages_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", MIMETYPE)
        archive.writestr("content.xml", b" " * (50 * 1024 * 1024))
    with pytest.raises(BBTError, match="zip bomb"):
        ods.check_package(io.BytesIO(buffer.getvalue()), "bomb.ods", 1 << 30, 200)
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(BBTError, match="not an OpenDocument spreadsheet"):
        ods.check_package(io.BytesIO(other.getvalue()), "letter.odt.ods", 1 << 30, 200)
