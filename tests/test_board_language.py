"""Issue 15, the command line's part, and the Vietnamese values of SPEC 7.4: table headers
and CSV/XLSX export headers in the user's language (Vietnamese by default), `--json` keys in
English, exports read back in either language, Vietnamese values wherever codes are taken;
and issue 16's `bbt unit list` with the active flag."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from domain.columns import LABELS, every_label, label
from tests.conftest import Bbt

VI = {"BBT_LANG": "vi", "COLUMNS": "250"}
EN = {"BBT_LANG": "en", "COLUMNS": "250"}
KINDS = ("units", "accounts", "trainings", "documents", "deliveries", "articles", "visits",
         "dataentry")


def header_line(output: str) -> str:
    """The table's header row (the line after the top border)."""
    lines = output.splitlines()
    top = next(i for i, line in enumerate(lines) if line.startswith("┏"))
    return lines[top + 1]


def test_every_label_has_both_languages_and_no_kind_mixes_two_columns() -> None:
    from domain import imports
    from domain.imports_base import header_key

    for code in LABELS:
        vietnamese, *english = every_label(code)
        assert english and vietnamese != english[0], code  # translated, not the msgid
    for kind in KINDS:
        seen: dict[str, str] = {}
        for column in imports.columns(kind):
            for header in column.headers():
                assert seen.setdefault(header_key(header), column.name) == column.name, \
                    (kind, header)
    assert label("2022-Q1") == "2022-Q1"  # a code of its own: a period heading a column


def test_tables_are_headed_in_vietnamese_by_default_and_in_english(demo: Bbt) -> None:
    expected = {
        ("doc", "late"): (
            "Đơn vị", "Tên", "Đang xử lý có hạn", "Chưa xác nhận", "Quá hạn"),
        ("doc", "list", "--limit", "3"): (
            "Số ký hiệu", "Ngày", "Chiều", "Trích yếu", "Đã gửi", "Đã xử lý", "Chậm"),
        ("stats", "monthly", "--year", "2022"): (
            "Tháng", "Tin", "Bài", "Số ảnh", "Khẩu hiệu", "Văn bản đăng tải", "Lượt truy cập",
            "Văn bản đi", "Văn bản đến", "Lượt gửi quá hạn"),
        ("stats", "units", "--month", "2022-05"): (
            "Đơn vị", "Đã gửi", "Tin bài đã đăng", "Chỉ tiêu", "Không gửi tin bài"),
        ("unit", "list", "--kind", "board"): ("Mã", "Tên", "Loại", "Cấp trên", "Hoạt động"),
        ("account", "list"): ("Tên đăng nhập", "Họ và tên", "Đơn vị", "Vai trò",
                              "Trạng thái"),
    }
    for command, headers in expected.items():
        line = header_line(demo.ok(*command, env=VI).stdout)
        assert [h for h in headers if h not in line] == [], (command, line)
        assert "unit" not in line and "number" not in line, line
    english = header_line(demo.ok("doc", "late", env=EN).stdout)
    assert "Not acknowledged" in english and "unacknowledged" not in english
    # --json keeps the English codes
    row = demo.json("doc", "late", env=VI)[0]
    assert {"unit", "name", "open_due", "unacknowledged", "overdue"} <= set(row)


def test_unit_list_shows_the_active_flag(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "DV", "Chi bộ Trường", "--kind", "grassroots")
    bbt.ok("unit", "set", "DV", "--active", "không")
    rows = {u["code"]: u["active"] for u in bbt.json("unit", "list")}
    assert rows == {"BBT": True, "DV": False}
    table = bbt.ok("unit", "list", env=VI).stdout
    assert "Hoạt động" in header_line(table)
    lines = {line.split("│")[1].strip(): line for line in table.splitlines() if "│" in line}
    assert lines["DV"].rstrip(" │").endswith("không") and lines["BBT"].rstrip(" │").endswith("có")
    assert "no" in bbt.ok("unit", "list", env=EN).stdout.split("DV", 1)[1].splitlines()[0]


def test_stats_files_are_headed_in_vietnamese(bbt: Bbt, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "thong-ke.csv"
    bbt.ok("stats", "monthly", "--year", "2022", "--csv", str(path), env=VI)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["Tháng", "Tin", "Bài", "Số ảnh"] and rows[-1][0] == "Cộng"
    book = tmp_path / "thong-ke.xlsx"
    bbt.ok("stats", "monthly", "--year", "2022", "--xlsx", str(book), env=VI)
    sheet = load_workbook(book).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][-1] == "Lượt gửi quá hạn"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_are_headed_in_vietnamese_and_read_back(demo: Bbt, tmp_path: Path,
                                                         fmt: str) -> None:
    from openpyxl import load_workbook

    from domain import imports

    for kind in KINDS:
        path = tmp_path / f"{kind}.{fmt}"
        demo.ok("export", kind, "-o", str(path), env=VI)
        if fmt == "csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                header = next(csv.reader(handle))
        else:
            sheet = load_workbook(path).active
            assert sheet is not None
            header = [c.value for c in sheet[1]]
        codes = [c.name for c in imports.columns(kind)]
        assert header == [every_label(code)[0] for code in codes], kind
        result = demo("import", kind, str(path), "--json", "--credentials",
                      str(tmp_path / f"otp-{kind}.csv"), env=VI)
        assert result.exit_code == 0, result.output
        counts = json.loads(result.stdout)
        assert counts["rejected"] == [] and counts["inserted"] == counts["updated"] == 0, kind
        assert counts["unchanged"] > 0, kind
    if fmt == "csv":
        first = (tmp_path / "units.csv").read_text(encoding="utf-8-sig").splitlines()[0]
        assert first == "Mã,Tên,Loại,Cấp trên,Đầu nhiệm kỳ"
    # JSON keeps the English codes.
    exported = json.loads(demo.ok("export", "visits", "--format", "json", env=VI).stdout)
    assert set(exported[0]) == {"month", "visitors"}


def test_vietnamese_values_in_every_remaining_option(bbt: Bbt, tmp_path: Path) -> None:
    bbt.ok("unit", "add", "DV", "Đảng bộ xã Lộc An", "--kind", "Tổ chức cơ sở đảng")
    bbt.ok("unit", "add", "VP", "Văn phòng", "--kind", "Khác")
    bbt.ok("unit", "set", "VP", "--kind", "Văn phòng")
    assert {u["code"]: u["kind"] for u in bbt.json("unit", "list", "--kind", "Văn phòng")} == {
        "VP": "office"}
    number = bbt.ok("doc", "issue", "--type", "CV", "--issuer", "BBT", "--title", "Công văn",
                    "--date", "2022-06-01").stdout.strip()
    bbt.ok("doc", "send", number, "--to-kind", "Tổ chức cơ sở đảng", "--purpose", "Báo cáo",
           "--due", "2022-06-05")
    delivery = bbt.json("doc", "show", number)["deliveries"]
    assert [(d["unit"], d["purpose"]) for d in delivery] == [("DV", "report")]
    late = bbt.json("doc", "late", "--kind", "Tổ chức cơ sở đảng")
    assert [r["unit"] for r in late] == ["DV"]
    assert [d["number"] for d in bbt.json("doc", "list", "--direction", "Văn bản đi")] == [
        number]
    assert bbt.json("doc", "list", "--direction", "Đến") == []
    refused = bbt("doc", "list", "--direction", "ngang")
    assert refused.exit_code == 1 and "outgoing or incoming" in refused.stderr
    bbt.ok("dataentry", "set", "--unit", "DV", "--subsystem", "Khối Đảng", "--period", "2021",
           "--status", "Đã đồng bộ", "--on", "2022-01-05")
    statuses = bbt.json("dataentry", "matrix")["subsystems"][0]["units"]
    assert {r["unit"]: r["statuses"] for r in statuses}["DV"] == {"2021": "synced"}
    bbt.ok("royalty", "rate", "set", "Ảnh", "50000", "--from", "2022-01")
    assert bbt.json("royalty", "rate", "list") == [
        {"kind": "photo", "from": "2022-01", "amount": 50000}]
    bbt.ok("report", "text", "--kind", "6 tháng", "--period", "2022-H1", "--section",
           "Đánh giá", "--set", "Làm tốt.")
    shown = bbt.ok("report", "text", "--kind", "half-year", "--period", "2022-H1", "--section",
                   "assessment")
    assert shown.stdout.strip() == "Làm tốt."
    bbt.ok("register", "print", "--book", "Sổ văn bản đi", "--year", "2022", "-o",
           str(tmp_path / "so-di.xlsx"))
    assert bbt("register", "print", "--book", "ngang", "--year", "2022", "-o",
               str(tmp_path / "x.xlsx")).exit_code == 1


def test_vietnamese_values_in_every_remaining_import_cell(bbt: Bbt, tmp_path: Path) -> None:
    bbt.ok("unit", "add", "DV", "Đảng bộ xã Lộc An", "--kind", "grassroots")

    def load(kind: str, text: str) -> dict:
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        result = bbt("import", kind, str(path), "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    load("documents", "Số ký hiệu,Ngày,Trích yếu,Chiều,Độ khẩn,Cơ quan ban hành\n"
                      "12-CV/BBT,2022-03-01,Công văn,Văn bản đi,Thượng khẩn,BBT\n")
    shown = bbt.json("doc", "show", "12-CV/BBT")
    assert (shown["direction"], shown["urgency"]) == ("outgoing", "very_urgent")
    load("deliveries", "Số ký hiệu,Đơn vị,Mục đích,Hạn xử lý,Trạng thái\n"
                       "12-CV/BBT,DV,Để phối hợp,2022-03-10,Đã tiếp nhận\n")
    delivery = bbt.json("doc", "show", "12-CV/BBT")["deliveries"][0]
    assert (delivery["purpose"], delivery["status"]) == ("coordinate", "received")
    load("articles", "Tiêu đề,Thể loại,Đơn vị,Trạng thái,Ngày gửi,Ngày đăng\n"
                     "Bài về Lộc An,Bài viết,DV,Đã đăng,2022-03-01,2022-03-02\n")
    article = bbt.json("article", "list")[0]
    assert (article["kind"], article["status"]) == ("feature", "published")
