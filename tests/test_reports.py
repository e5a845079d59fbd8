"""Status reports: the reference document reproduced from the demo, in Markdown, DOCX and
PDF; texts per period; registration in the outgoing register; the consistency check."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import Bbt, make_user

H1 = ("report", "half-year", "--year", "2022", "--half", "1", "--date", "2022-06-13")
ASSESSMENT = ("1. Ưu điểm:\n- Các tin, bài đăng tải lên Website của Đảng bộ huyện kịp thời, "
              "chính xác.\n2. Hạn chế, tồn tại:\n- Một số đơn vị còn lúng túng.")
TASKS = "1. Tiếp tục tham mưu triển khai Kế hoạch số 42-KH/TU.\n2. Đẩy nhanh chữ ký số."


def in_order(text: str, *parts: str) -> None:
    """Each part occurs in text, after the one before it."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing after position {position}"
        position = found + len(part)


def test_demo_half_year_reproduces_the_reference(demo: Bbt, tmp_path: Path) -> None:
    before = demo.json("doc", "list", "--direction", "outgoing")
    preview = demo.ok(*H1)
    md = preview.stdout
    # the layout of a Party document, in the reference's order
    in_order(md, "HUYỆN ỦY BẢO LÂM", "ĐẢNG CỘNG SẢN VIỆT NAM",
             "**BAN BIÊN TẬP CÁC HỆ THỐNG PHẦN MỀM**", "Bảo Lâm, ngày 13 tháng 6 năm 2022",
             "\\*", "Số      -BC/BBT", "# BÁO CÁO", "6 tháng đầu năm 2022",
             "## I. Kết quả thực hiện 6 tháng đầu năm 2022", "### 1. Công tác chỉ đạo, điều hành",
             "750-QĐ/HU", "### 2. Hoạt động trang thông tin điện tử",
             "### 3. Vận hành các phần mềm khối Đảng", "## II. Đánh giá chung",
             "## III. Nhiệm vụ trọng tâm thời gian tới", "**Nơi nhận:**",
             "- Văn phòng Tỉnh ủy (b/c),", "- Lưu BBT.", "**PHÓ BÍ THƯ THƯỜNG TRỰC**",
             "**kiêm**", "**Nguyễn Thị Mỹ Linh**")
    # the reference's figures, computed from the records (photos: the sum of the months)
    in_order(md, "33 nghìn lượt (33.000)", "trung bình mỗi tháng khoảng 1.000 lượt",
             "là 74 tin và 291 ảnh. Trong đó: tháng 2 là 4 tin và 16 ảnh; tháng 3 là 14 tin và "
             "56 ảnh; tháng 4 là 27 tin và 108 ảnh; tháng 5 là 29 tin và 111 ảnh.",
             "đã đưa lên 200 văn bản các loại", "| Tổng cộng | 74 | 0 | 291 | 8 | 200 | 6.000 |",
             "Đã tổ chức 1 lớp tập huấn cho 68 tổ chức cơ sở Đảng trực thuộc",
             "Đã tạo 70 tài khoản", "Đến nay 100% (68/68) các tổ chức cơ sở Đảng",
             "quá hạn xử lý tính đến ngày 13/06/2022", "Việc sử dụng chữ ký số: 0/6")
    assert ("Văn phòng HĐND và UBND huyện (phân hệ UBND huyện): đã nhập liệu từ năm 2015 "
            "đến năm 2020; năm 2021, quý I/2022 chưa cập nhật.") in md
    assert "Văn phòng Huyện ủy (phân hệ Khối Đảng): đã nhập liệu từ năm 2015 đến" in md
    assert "Ban Dân vận Huyện ủy (phân hệ Khối Đảng): đã nhập liệu từ năm 2015 đến năm 2021" in md
    assert "191" not in md
    assert "has no text yet" in preview.stderr
    # a preview registers nothing
    assert demo.json("doc", "list", "--direction", "outgoing") == before
    assert demo.ok("report", "check", "--year", "2022", "--half", "1").exit_code == 0

    demo.ok("report", "text", "--kind", "half-year", "--period", "2022-H1", "--section",
            "assessment", "--set", ASSESSMENT)
    demo.ok("report", "text", "--kind", "half-year", "--period", "2022-H1", "--section",
            "tasks", "--set", TASKS)
    md = demo.ok(*H1).stdout
    in_order(md, "## II. Đánh giá chung", "### 1. Ưu điểm:", "- Các tin, bài đăng tải",
             "### 2. Hạn chế, tồn tại:", "## III. Nhiệm vụ trọng tâm thời gian tới",
             "1. Tiếp tục tham mưu triển khai Kế hoạch số 42-KH/TU.", "**Nơi nhận:**")

    docx_file, pdf_file = tmp_path / "bc-6-thang.docx", tmp_path / "bc-6-thang.pdf"
    out = demo.ok(*H1, "--register", "-o", str(docx_file)).stdout
    assert out.startswith("117-BC/BBT")
    _check_docx(docx_file, "Số 117-BC/BBT")
    shown = demo.json("doc", "show", "117-BC/BBT")
    assert shown["type"] == "BC" and shown["issuer"] == "BBT" and shown["date"] == "2022-06-13"
    again = demo(*H1, "--register", "-o", str(pdf_file))  # the period is registered already
    assert again.exit_code == 1 and "117-BC/BBT" in again.stderr and not pdf_file.exists()
    demo.ok("report", "print", "117-BC/BBT", "-o", str(pdf_file))
    _check_pdf(pdf_file, "Số 117-BC/BBT")


def _check_docx(path: Path, number: str) -> None:
    from docx import Document

    document = Document(str(path))
    header = [cell.text for cell in document.tables[0].rows[0].cells]
    assert header[0].splitlines() == ["HUYỆN ỦY BẢO LÂM", "BAN BIÊN TẬP CÁC HỆ THỐNG PHẦN MỀM",
                                      "*", number]
    assert header[1].splitlines()[0] == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert header[1].splitlines()[-1] == "Bảo Lâm, ngày 13 tháng 6 năm 2022"
    text = "\n".join(p.text for p in document.paragraphs)
    in_order(text, "BÁO CÁO", "I. Kết quả thực hiện", "74 tin và 291 ảnh", "II. Đánh giá chung",
             "1. Ưu điểm:", "III. Nhiệm vụ trọng tâm", "Đẩy nhanh chữ ký số")
    closing = [cell.text for cell in document.tables[-1].rows[0].cells]
    assert closing[0].startswith("Nơi nhận:") and "Lưu BBT." in closing[0]
    assert closing[1].splitlines()[0] == "PHÓ BÍ THƯ THƯỜNG TRỰC" and "Linh" in closing[1]
    assert document.styles["Normal"].font.name == "Times New Roman"
    totals = [c.text for c in document.tables[1].rows[-1].cells]
    assert totals[:4] == ["Tổng cộng", "74", "0", "291"]


def _check_pdf(path: Path, number: str) -> None:
    import pymupdf

    with pymupdf.open(str(path)) as pdf:
        page = pdf[0]
        pixmap = page.get_pixmap(dpi=60, colorspace=pymupdf.csGRAY)
        dark = sum(1 for value in pixmap.samples if value < 128)
        assert dark > 0.005 * pixmap.width * pixmap.height  # ink on the page, not blank
        first = unicodedata.normalize("NFC", page.get_text())
        text = unicodedata.normalize("NFC", "".join(p.get_text() for p in pdf))
        fonts = {font[3] for p in pdf for font in p.get_fonts()}
    for expected in ("ĐẢNG CỘNG SẢN VIỆT NAM", "Bảo Lâm, ngày 13 tháng 6 năm 2022",
                     number, "HUYỆN ỦY BẢO LÂM", "BÁO CÁO"):
        assert expected in first
    for expected in ("Nơi nhận", "74 tin và 291 ảnh", "Nhiệm vụ trọng tâm", "Đẩy nhanh chữ ký số",
                     "Việc sử dụng chữ ký số", "PHÓ BÍ THƯ THƯỜNG TRỰC"):
        assert expected in " ".join(text.split())
    assert any("LiberationSerif" in name for name in fonts)


def test_every_vietnamese_letter_survives_the_pdf() -> None:
    """Every diacritic the language uses renders with the embedded font and reads back."""
    import pymupdf

    from domain.report_render import pdf
    from domain.reports_layout import Paragraph, ReportDocument

    lower = ("aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ")
    letters = lower + lower.upper()
    doc = ReportDocument(["HUYỆN ỦY"], ["BAN"], "Số 1-BC/BBT", "Lộc Thắng, ngày 01 tháng 01 "
                         "năm 2022", "BÁO CÁO", "Thử", [Paragraph(letters)], ["Lưu."], ["X"], "Y")
    with pymupdf.open(stream=pdf(doc), filetype="pdf") as document:
        text = unicodedata.normalize("NFC", document[0].get_text())
    assert letters in "".join(text.split())


def test_texts_are_kept_per_period_with_the_previous_as_a_start(bbt: Bbt) -> None:
    args = ("report", "text", "--kind", "half-year", "--section", "assessment")
    assert bbt.ok(*args, "--period", "2022-H1").stdout.strip() == ""
    bbt.ok(*args, "--period", "2021-H2", "--set", "Ưu điểm:\\n- Kịp thời.")
    inherited = bbt.ok(*args, "--period", "2022-H1", "--show")
    assert inherited.stdout.strip() == "Ưu điểm:\n- Kịp thời." and "2021-H2" in inherited.stderr
    bbt.ok(*args, "--period", "2022-H1", "--set", "Riêng 2022.")
    assert bbt.ok(*args, "--period", "2022-H1").stdout.strip() == "Riêng 2022."
    assert bbt.ok(*args, "--period", "2021-H2").stdout.strip() == "Ưu điểm:\n- Kịp thời."
    assert bbt.ok(*args, "--period", "2023-H1").stdout.strip() == "Riêng 2022."
    bbt.ok(*args, "--period", "2022-H1", "--set", "")  # empty: the previous text again
    assert "2021-H2" in bbt.ok(*args, "--period", "2022-H1").stderr
    other_kind = ("report", "text", "--kind", "annual", "--period", "2022", "--section", "tasks")
    assert bbt.ok(*other_kind).stdout.strip() == ""
    actions = [e["action"] for e in bbt.json("audit", "list")]
    assert actions.count("report.text") == 3
    assert bbt(*args, "--period", "2022-Q1").exit_code == 1
    assert bbt("report", "text", "--kind", "weekly", "--period", "2022", "--section",
               "tasks").exit_code == 1
    assert bbt(*args[:-1], "summary", "--period", "2022-H1").exit_code == 1
    viewer = make_user(bbt, "lanhdao", "BBT", "viewer")
    assert viewer(*args, "--period", "2022-H1", "--set", "x").exit_code == 3
    editor = make_user(bbt, "bientap2", "BBT", "editor")
    editor.ok(*args, "--period", "2022-H2", "--set", "Của biên tập viên.")
    assert editor.ok(*args, "--period", "2022-H2").stdout.strip() == "Của biên tập viên."


def _publish(bbt: Bbt, kind: str, photos: int, on: str) -> None:
    article = bbt.ok("article", "add", "--title", f"{kind} {on}", "--kind", kind, "--unit", "BBT",
                     "--photos", str(photos), "--submitted", on).stdout.strip().split()[-1]
    for step in ("review", "approve"):
        bbt.ok("article", step, article)
    bbt.ok("article", "publish", article, "--on", on)


def test_monthly_annual_drafts_numbers_and_permissions(bbt: Bbt, tmp_path: Path) -> None:
    _publish(bbt, "news", 3, "2022-03-05")
    _publish(bbt, "feature", 2, "2022-03-20")
    _publish(bbt, "news", 1, "2022-07-01")
    march = bbt.ok("report", "monthly", "--year", "2022", "--month", "3", "--date",
                   "2022-04-02").stdout
    in_order(march, "Bảo Lâm, ngày 02 tháng 4 năm 2022", "tháng 3 năm 2022",
             "1 tin, 1 bài và 5 ảnh.", "| 3/2022 | 1 | 1 | 5 |", "| Tổng cộng | 1 | 1 | 5 |")
    assert "Trong đó" not in march and "| 4/2022" not in march
    annual = bbt.ok("report", "annual", "--year", "2022", "--date", "2023-01-05").stdout
    in_order(annual, "## I. Kết quả thực hiện năm 2022", "2 tin, 1 bài và 6 ảnh. Trong đó: "
             "tháng 3 là 1 tin, 1 bài và 5 ảnh; tháng 7 là 1 tin và 1 ảnh.",
             "| 12/2022 |", "| Tổng cộng | 2 | 1 | 6 |")
    assert bbt("report", "half-year", "--year", "2022", "--half", "3").exit_code == 2
    assert bbt("report", "annual", "--year", "2022", "--format", "pdf").exit_code == 2
    assert bbt("report", "annual", "--year", "2022", "--format", "odt", "-o",
               str(tmp_path / "r.odt")).exit_code == 1
    assert bbt("report", "annual", "--year", "2022", "-o",
               str(tmp_path / "nowhere" / "r.md")).exit_code == 1

    draft = tmp_path / "draft.docx"
    assert bbt.ok("report", "annual", "--year", "2022", "--format", "docx", "-o",
                  str(draft)).stdout.strip() == str(draft)
    assert draft.stat().st_size > 0 and bbt.json("doc", "list") == []
    chosen = tmp_path / "bc.md"
    out = bbt.ok("report", "annual", "--year", "2022", "--date", "2023-01-05", "--number", "5",
                 "--register", "-o", str(chosen)).stdout
    assert out.startswith("05-BC/BBT") and "Số 05-BC/BBT" in chosen.read_text(encoding="utf-8")
    assert bbt("report", "annual", "--year", "2022", "--date", "2023-02-01", "--number", "5",
               "--register", "-o", str(tmp_path / "again.md")).exit_code == 1  # registered
    assert not (tmp_path / "again.md").exists()
    audit = [e["action"] for e in bbt.json("audit", "list")]
    assert "report.register" in audit and "document.issue" in audit

    editor = make_user(bbt, "bientap", "BBT", "editor")
    assert "BÁO CÁO" in editor.ok("report", "monthly", "--year", "2022", "--month", "3").stdout
    assert editor("report", "monthly", "--year", "2022", "--month", "3", "--register", "-o",
                  str(tmp_path / "e.md")).exit_code == 3


def test_consistency_check_finds_every_mismatch(bbt: Bbt, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    from domain import articles, reports, stats
    from domain.auth import SYSTEM
    from domain.db import get_engine, transaction

    _publish(bbt, "news", 4, "2022-02-10")
    bbt.ok("visits", "set", "2022-02", "700")
    check = ("report", "check", "--year", "2022", "--half", "1", "--date", "2022-06-13")
    assert "consistent" in bbt.ok(*check).stdout
    with transaction(get_engine(bbt.url)) as session:
        p = reports.period("half-year", 2022, half=1)
        data = reports.build(session, SYSTEM, p, date(2022, 6, 13))
        fresh = stats.monthly(session, 2022, today=data.as_of)
    assert reports.consistency(data, fresh) == []
    assert data.totals["photos"] == 4 and data.visitors_cumulative - data.visitors_before == 700
    data.totals["photos"] = 191
    data.months[1]["news"] += 1
    data.visitors_before -= 5
    problems = "\n".join(reports.consistency(data, fresh))
    assert "total photos: the report shows 191, the sum of its months gives 4" in problems
    assert "news 2022-02: the report shows 2, stats monthly gives 1" in problems
    assert "visitors in the period" in problems

    real = articles.contributors

    def one_photo_short(*args, **kwargs):  # type: ignore[no-untyped-def]
        rows = real(*args, **kwargs)
        return [{**r, "photos": r["photos"] - 1} for r in rows]

    monkeypatch.setattr(articles, "contributors", one_photo_short)
    result = bbt(*check)
    assert result.exit_code == 1 and "photos 2022-02 by contributor" in result.stderr
    assert bbt("report", "check", "--year", "2022", "--half", "1", "--month", "2").exit_code == 2


def test_periods_and_vietnamese_wording() -> None:
    from domain.errors import BBTError
    from domain.reports import Period, parse_period, period
    from domain.reports_layout import entry_period, long_date, thousands, vn_int, vn_percent

    h1 = period("half-year", 2022, half=1)
    assert (h1.key, h1.start, h1.end, h1.last_day) == ("2022-H1", date(2022, 1, 1),
                                                      date(2022, 7, 1), date(2022, 6, 30))
    assert h1.previous() == Period("half-year", 2021, 2) and h1.previous().end == date(2022, 1, 1)
    december = period("monthly", 2022, month=12)
    assert december.end == date(2023, 1, 1) and december.previous().key == "2022-11"
    assert period("monthly", 2022, month=1).previous().key == "2021-12"
    assert period("annual", 2022).months == list(range(1, 13))
    assert parse_period("half-year", "2022-h2") == Period("half-year", 2022, 2)
    assert parse_period("monthly", "2022-06").months == [6]
    for kind, key in (("monthly", "2022-13"), ("annual", "22"), ("half-year", "2022-H3")):
        with pytest.raises(BBTError):
            parse_period(kind, key)
    assert long_date(date(2022, 2, 8)) == "ngày 08 tháng 02 năm 2022"
    assert long_date(date(2022, 6, 13)) == "ngày 13 tháng 6 năm 2022"
    assert (vn_int(33000), thousands(33000), thousands(33450)) == ("33.000", "33 nghìn",
                                                                  "khoảng 33 nghìn")
    assert (vn_percent(68, 68), vn_percent(66, 68), vn_percent(0, 0)) == ("100%", "97,1%", "0%")
    assert [entry_period(x) for x in ("2021", "2022-Q1", "2022-Q4")] == [
        "năm 2021", "quý I/2022", "quý IV/2022"]
