"""Vietnamese names are accepted wherever English codes are: options and import cells, for
unit kinds, roles, statuses, purposes, urgencies and article kinds (SPEC 7.4)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from domain import vocab
from tests.conftest import Bbt


@pytest.mark.parametrize(("category", "written", "code"), [
    ("unit_kind", "Tổ chức cơ sở đảng", "grassroots"),
    ("unit_kind", "TO CHUC CO SO DANG", "grassroots"),
    ("unit_kind", "Văn phòng", "office"),
    ("unit_kind", "to_chuc_co_so_dang", "grassroots"),  # as the import reader folds it
    ("role", "Văn thư", "operator"),
    ("role", "văn thư đơn vị", "clerk"),
    ("role", "Biên tập viên", "editor"),
    ("purpose", "Để biết", "inform"),
    ("delivery_status", "Đã xử lý", "done"),
    ("article_status", "Đã đăng", "published"),
    ("dataentry_status", "Đã đồng bộ", "synced"),
    ("urgency", "Hoả tốc", "flash"),  # the other placement of the tone mark
    ("article_kind", "Khẩu hiệu", "slogan"),
    ("royalty_kind", "Ảnh", "photo"),
    ("role", "operator", "operator"),
    ("role", "chief", "chief"),  # unknown: left for the caller's check to refuse
])
def test_names_fold_to_codes(category: str, written: str, code: str) -> None:
    assert vocab.code(category, written) == code
    assert vocab.code(category, unicodedata.normalize("NFD", written)) == code


def test_options_take_vietnamese_names(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "DV", "Đảng bộ xã Lộc An", "--kind", "Tổ chức cơ sở đảng")
    bbt.ok("unit", "add", "VP", "Văn phòng Huyện ủy", "--kind", "Văn phòng")
    kinds = {u["code"]: u["kind"] for u in bbt.json("unit", "list")}
    assert (kinds["DV"], kinds["VP"]) == ("grassroots", "office")
    bbt.ok("account", "add", "vanthu", "--unit", "VP", "--role", "Văn thư", "--password-stdin",
           input="Mat-khau-van-thu-2022\n")
    roles = {a["username"]: a["role"] for a in bbt.json("account", "list")}
    assert roles["vanthu"] == "operator"
    number = bbt.ok("doc", "issue", "--type", "CV", "--issuer", "VP", "--title", "Công văn",
                    "--date", "2022-06-01", "--urgency", "Hỏa tốc").stdout.strip()
    bbt.ok("doc", "send", number, "--to", "DV", "--purpose", "Để thực hiện", "--due",
           "2022-06-10")
    shown = bbt.json("doc", "show", number)
    assert shown["urgency"] == "flash" and shown["deliveries"][0]["purpose"] == "act"
    bbt.ok("article", "add", "--title", "Tin", "--kind", "Tin", "--unit", "DV")
    assert [a["kind"] for a in bbt.json("article", "list", "--status", "Đã gửi")] == ["news"]
    refused = bbt("unit", "add", "X", "X", "--kind", "Hành tinh")
    assert refused.exit_code == 1 and "grassroots" in refused.stderr


def test_import_cells_take_vietnamese_names(bbt: Bbt, tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text("Mã đơn vị,Tên đơn vị,Loại\nDV,Đảng bộ xã Lộc An,Tổ chức cơ sở đảng\n"
                     "BTG,Ban Tuyên giáo,Ban xây dựng Đảng\n", encoding="utf-8")
    bbt.ok("import", "units", str(units))
    kinds = {u["code"]: u["kind"] for u in bbt.json("unit", "list")}
    assert (kinds["DV"], kinds["BTG"]) == ("grassroots", "board")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("username,full_name,unit,role\nhoa,Hoa,DV,Văn thư đơn vị\n",
                        encoding="utf-8")
    bbt.ok("import", "accounts", str(accounts), "--credentials", str(tmp_path / "cred.csv"))
    assert {a["username"]: a["role"] for a in bbt.json("account", "list")}["hoa"] == "clerk"
    entries = tmp_path / "dataentry.csv"
    entries.write_text("unit,subsystem,period,status,date\nDV,Khối Đảng,2021,Đã nhập,2022-01-05\n",
                       encoding="utf-8")
    bbt.ok("import", "dataentry", str(entries))
    matrix = bbt.json("dataentry", "matrix")
    assert matrix["subsystems"][0]["units"][0]["statuses"] == {"2021": "entered"}
