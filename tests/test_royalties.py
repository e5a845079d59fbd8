"""Royalties (nhuận bút): dated rates, the monthly sheet from the records, its files, the
approval and payment marks and the year summary, on both engines."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from domain.vnwords import amount_words
from tests.conftest import Bbt, make_user
from tests.test_articles import prepared

PUBLISH = ("review", "approve", "publish")


def setup_month(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "DV", "Đảng bộ xã Lộc An", "--kind", "grassroots")
    prepared(bbt, "Tin một", "news", "DV", "Ka Thảo", 3, PUBLISH, "2022-05-03")
    prepared(bbt, "Tin hai", "news", "DV", "Ka Thảo", 1, PUBLISH, "2022-05-20")
    prepared(bbt, "Bài", "feature", "DV", "Ka Thảo", 0, PUBLISH, "2022-05-31")
    prepared(bbt, "Tin BBT", "news", "BBT", "Ka Thảo", 2, PUBLISH, "2022-05-10")
    prepared(bbt, "Văn bản", "document", "BBT", "", 0, PUBLISH, "2022-05-11")
    prepared(bbt, "Tháng sau", "news", "DV", "Ka Thảo", 5, PUBLISH, "2022-06-01")
    prepared(bbt, "Chưa đăng", "news", "DV", "Ka Thảo", 5, ("review",))
    for kind, amount in (("news", "100000"), ("feature", "250000"), ("photo", "50000"),
                         ("slogan", "0"), ("document", "15000")):
        bbt.ok("royalty", "rate", "set", kind, amount, "--from", "2022-01")


def test_sheet_lines_per_author_and_unit_with_total_in_words(bbt: Bbt) -> None:
    setup_month(bbt)
    bbt.ok("royalty", "rate", "set", "news", "120000", "--from", "2022-06")  # later: not May
    data = bbt.json("royalty", "sheet", "--month", "2022-05")
    lines = {(line["author"], line["unit"]): line for line in data["lines"]}
    assert lines[("Ka Thảo", "DV")] == {
        "author": "Ka Thảo", "unit": "DV", "news": 2, "features": 1, "photos": 4,
        "slogans": 0, "documents": 0, "amount": 2 * 100000 + 250000 + 4 * 50000}
    assert lines[("Ka Thảo", "BBT")]["amount"] == 100000 + 2 * 50000
    assert lines[("", "BBT")]["amount"] == 15000
    assert data["total"] == sum(line["amount"] for line in data["lines"]) == 865000
    assert data["total_words"] == "Tám trăm sáu mươi lăm nghìn đồng"
    june = bbt.json("royalty", "sheet", "--month", "2022-06")
    assert june["total"] == 120000 + 5 * 50000  # the June rate of news


def test_a_kind_without_a_rate_is_refused_and_rates_are_checked(bbt: Bbt) -> None:
    bbt.ok("unit", "add", "DV", "Đơn vị", "--kind", "other")
    prepared(bbt, "Tin", "news", "DV", "A", 0, PUBLISH, "2022-05-03")
    refused = bbt("royalty", "sheet", "--month", "2022-05")
    assert refused.exit_code == 1 and "news" in refused.stderr
    assert bbt("royalty", "rate", "set", "poem", "1").exit_code == 1
    assert bbt("royalty", "rate", "set", "news", "-5").exit_code in (1, 2)
    assert bbt("royalty", "rate", "set", "news", "10", "--from", "2022-13").exit_code == 1
    bbt.ok("royalty", "rate", "set", "Tin", "10", "--from", "2022-05")  # Vietnamese name
    assert bbt.json("royalty", "rate", "list") == [{"kind": "news", "from": "2022-05",
                                                    "amount": 10}]
    viewer = make_user(bbt, "xem", "BBT", "viewer")
    assert viewer("royalty", "rate", "set", "news", "20").exit_code == 3


def test_xlsx_has_values_not_formulas_and_escapes_text(bbt: Bbt, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    setup_month(bbt)
    prepared(bbt, "Tin", "news", "DV", "=HYPERLINK(\"x\")", 0, PUBLISH, "2022-05-04")
    target = tmp_path / "sheet.xlsx"
    bbt.ok("royalty", "sheet", "--month", "2022-05", "-o", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    cells = [c for row in load_workbook(target).active.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    assert 965000 in values and "Chín trăm sáu mươi lăm nghìn đồng" in values
    assert "'=HYPERLINK(\"x\")" in values
    again = bbt("royalty", "sheet", "--month", "2022-05", "-o", str(target))
    assert again.exit_code == 1 and "--force" in again.stderr


@pytest.mark.parametrize("suffix", ["docx", "pdf"])
def test_docx_and_pdf_in_the_party_layout(bbt: Bbt, tmp_path: Path, suffix: str) -> None:
    setup_month(bbt)
    target = tmp_path / f"sheet.{suffix}"
    bbt.ok("royalty", "sheet", "--month", "2022-05", "-o", str(target), "--date", "2022-06-02")
    if suffix == "docx":
        from docx import Document

        doc = Document(io.BytesIO(target.read_bytes()))
        text = "\n".join(p.text for p in doc.paragraphs)
        text += "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    else:
        import pymupdf

        text = "".join(page.get_text() for page in pymupdf.open(target))
    for words in ("ĐẢNG CỘNG SẢN VIỆT NAM", "BẢNG THANH TOÁN NHUẬN BÚT", "tháng 5 năm 2022",
                  "ngày 02 tháng 6 năm 2022", "865.000", "Bằng chữ: Tám trăm sáu mươi lăm",
                  "Nơi nhận"):
        assert words in " ".join(text.split()), words
    assert bbt("royalty", "sheet", "--month", "2022-05", "-o",
               str(tmp_path / "x.odt")).exit_code == 1


def test_approve_pay_and_year_summary(bbt: Bbt, tmp_path: Path) -> None:
    setup_month(bbt)
    refused = bbt("royalty", "paid", "--month", "2022-05")
    assert refused.exit_code == 1 and "approved" in refused.stderr
    bbt.ok("royalty", "approve", "--month", "2022-05")
    prepared(bbt, "Muộn", "news", "DV", "Ka Thảo", 0, PUBLISH, "2022-05-30")  # records change
    changed = bbt("royalty", "paid", "--month", "2022-05")
    assert changed.exit_code == 1 and "865,000" in changed.stderr
    bbt.ok("royalty", "approve", "--month", "2022-05")
    clerk = make_user(bbt, "vanthu", "BBT", "operator")
    assert clerk("royalty", "paid", "--month", "2022-05").exit_code == 3
    bbt.ok("royalty", "paid", "--month", "2022-05")
    assert bbt("royalty", "approve", "--month", "2022-05").exit_code == 1  # paid: final
    sheet = bbt.json("royalty", "sheet", "--month", "2022-05")
    assert (sheet["approved_by"], sheet["paid_by"]) == ("admin", "admin")
    assert sheet["paid_at"]
    year = bbt.json("royalty", "year", "--year", "2022")
    months = {m["month"]: m for m in year["months"]}
    assert months["2022-05"]["total"] == months["2022-05"]["approved_total"] == 965000
    assert months["2022-06"]["total"] == 350000 and months["2022-06"]["paid_at"] is None
    assert year["total"] == sum(m["total"] for m in year["months"]) == 1315000
    assert year["paid"] == 965000
    assert year["total_words"] == amount_words(1315000)
    text = bbt.ok("royalty", "sheet", "--month", "2022-05", "-o", str(tmp_path / "s.pdf"))
    import pymupdf

    printed = " ".join("".join(p.get_text() for p in pymupdf.open(tmp_path / "s.pdf")).split())
    assert "Đã duyệt: admin" in printed and "Đã chi: admin" in printed and text
    actions = [e["action"] for e in bbt.json("audit", "list")]
    assert {"royalty.rate", "royalty.approve", "royalty.paid"} <= set(actions)
