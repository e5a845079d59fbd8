"""The report as it reads and as it prints: Vietnamese wording rules, and the layout of the PDF
and the DOCX measured on rendered pages (pymupdf positions; the DOCX through LibreOffice),
not only their strings."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import subprocess
import unicodedata
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from domain import numbering
from domain.report_render import docx, pdf
from domain.reports import Period, visits_counted
from domain.reports_layout import (
    DOC_LABELS,
    PARTY_DOC_TYPES,
    Heading,
    Paragraph,
    Ranking,
    ReportDocument,
    Table,
    _contributors_line,
    _deliveries_line,
    _direction,
    _visits_line,
    doc_label,
    lower_first,
    visits,
)

MM = 72 / 25.4  # PDF points per millimetre
PAGE_W, PAGE_H = 210 * MM, 297 * MM
LEFT, RIGHT = 30 * MM, PAGE_W - 15 * MM
DAY = date(2022, 6, 13)
SENTENCE = ("Ban Biên tập đã tham mưu Ban Thường vụ Huyện ủy ban hành quy chế hoạt động, phân "
            "công nhiệm vụ các thành viên và mời cộng tác viên cung cấp tin, bài cho trang "
            "thông tin điện tử của Đảng bộ huyện.")
LAST = "Đây là đoạn cuối cùng của báo cáo, ngay trước phần nơi nhận và chữ ký."
SIGNER = "Nguyễn Thị Mỹ Linh"
CAPTION = "Số liệu theo tháng:"


# ---------------------------------------------------------------- wording


def test_every_party_document_type_has_a_label_for_sentences() -> None:
    for code in (*PARTY_DOC_TYPES, *numbering.DOC_TYPES):
        label = doc_label(code)
        assert label != "Văn bản" and "(" not in label, code
    assert (doc_label("QĐi"), doc_label("QĐ"), doc_label("QyĐ")) == (
        "Quy định", "Quyết định", "Quy định")
    assert set(PARTY_DOC_TYPES) <= set(DOC_LABELS) and doc_label("XYZ") == "Văn bản"


def test_directives_are_named_by_their_type_not_their_title() -> None:
    docs = [SimpleNamespace(doc_type=t, number=f"03-{t}/HU", date=date(2022, 2, 24), issuer_id=1,
                            title="Quy định cung cấp thông tin") for t in ("QĐ", "QĐi")]
    data: Any = SimpleNamespace(directives=docs, issuer_names={1: "Huyện ủy Bảo Lâm"})
    texts = [block.text for block in _direction(data)[1:]]
    assert texts == [
        "Quyết định số 03-QĐ/HU, ngày 24 tháng 02 năm 2022 của Huyện ủy Bảo Lâm về “quy định "
        "cung cấp thông tin”.",
        "Quy định số 03-QĐi/HU, ngày 24 tháng 02 năm 2022 của Huyện ủy Bảo Lâm về “quy định "
        "cung cấp thông tin”."]
    assert lower_first("Ban Thường vụ Huyện ủy") == "Ban Thường vụ Huyện ủy"
    assert lower_first("IDOC gửi nhận") == "IDOC gửi nhận"
    assert lower_first("Đảng bộ huyện") == "Đảng bộ huyện"


def _months(visitors: list[int]) -> list[dict[str, int]]:
    return [{"month": i + 1, "visitors": v} for i, v in enumerate(visitors)]


def _visit_data(visitors: list[int], cumulative: int) -> Any:
    months = _months(visitors)
    counted = visits_counted(months, 2022, DAY)
    return SimpleNamespace(period=Period("half-year", 2022, 1), as_of=DAY, months=months,
                           visitors_cumulative=cumulative, visitor_months=len(counted),
                           visitors_average=round(sum(counted) / len(counted)) if counted else 0)


def test_visits_are_visits_and_averaged_over_the_months_counted() -> None:
    assert visits_counted(_months([0, 0, 900, 1_100, 1_000, 1_200]), 2022, DAY) == [
        900, 1_100, 1_000, 1_200]
    assert visits_counted(_months([5] * 12), 2022, DAY) == [5] * 6  # July has not begun
    line = _visits_line(_visit_data([0, 0, 900, 1_100, 1_000, 1_200], 33_000))
    assert "người" not in line
    assert line == ("Số lượt truy cập trang thông tin điện tử tính đến ngày 13/06/2022 là 33 "
                    "nghìn lượt (33.000); trung bình mỗi tháng khoảng 1.050 lượt truy cập (tính "
                    "trên 4 tháng có số liệu).")
    assert _visits_line(_visit_data([900] * 6, 950)).endswith(
        "là 950 lượt; trung bình mỗi tháng khoảng 900 lượt truy cập.")
    assert "trung bình" not in _visits_line(_visit_data([0] * 6, 0))
    assert (visits(33_450), visits(999)) == ("khoảng 33 nghìn lượt (33.450)", "999 lượt")


def _contributions(counts: dict[str, int]) -> list[dict[str, Any]]:
    # two months of each unit: the ranking adds them up
    return [{"unit": f"U{i}", "unit_name": name, "items": part} for i, (name, n) in
            enumerate(counts.items()) for part in (n // 2, n - n // 2)]


def test_most_only_for_a_unique_leader() -> None:
    tied = _contributors_line(_contributions({"Xã Lộc An": 6, "Văn phòng": 6, "Ban Tuyên giáo": 5}))
    assert "nhất" not in tied
    assert tied == ("Các đơn vị cung cấp tin, bài: Văn phòng (6 tin, bài); Xã Lộc An (6 tin, "
                    "bài); Ban Tuyên giáo (5 tin, bài).")
    leader = _contributors_line(_contributions({"Xã Lộc An": 6, "Văn phòng": 9, "Ban": 2}))
    assert leader == ("Đơn vị cung cấp nhiều tin, bài nhất: Văn phòng (9 tin, bài); tiếp theo: "
                      "Xã Lộc An (6 tin, bài); Ban (2 tin, bài).")
    alone = _contributors_line(_contributions({"Văn phòng": 9}))
    assert "nhất" not in alone  # one contributor is no ranking
    many = Ranking.of([(f"Đơn vị {i:02d}", 1) for i in range(8)], "lượt")
    assert not many.leader and many.rest().endswith("Đơn vị 04 (1 lượt) và 3 đơn vị khác")

    deliveries = SimpleNamespace(sent=10, units=3, done=5, unacknowledged=1, overdue=3,
                                 late_units=[{"name": "A", "overdue": 1}, {"name": "B",
                                                                          "overdue": 2}])
    data: Any = SimpleNamespace(deliveries=deliveries, as_of=DAY)
    assert _deliveries_line(data).endswith("nhiều nhất ở B (2 lượt); tiếp theo: A (1 lượt).")
    deliveries.late_units[1]["overdue"] = 1
    assert _deliveries_line(data).endswith("tại: A (1 lượt); B (1 lượt).")


# ---------------------------------------------------------------- documents to lay out


def report(before_table: int = 2, after_table: int = 2, last: str = LAST) -> ReportDocument:
    """A report shaped like the half-year one; the filler paragraphs move the table and the
    closing to where a page ends."""
    months = [[f"{m}/2022", *[str(m * k) for k in range(1, 10)]] for m in range(1, 7)]
    body: list[Heading | Paragraph | Table] = [Heading("I. Kết quả thực hiện 6 tháng đầu năm "
                                                       "2022", 1)]
    body += [Paragraph(SENTENCE, "-") for _ in range(before_table)]
    body.append(Table(["Tháng", "Tin", "Bài", "Ảnh", "Khẩu hiệu", "Văn bản đăng",
                       "Lượt truy cập", "VB phát hành", "VB đến", "Quá hạn xử lý"],
                      months, ["Tổng cộng", *["99"] * 9], caption=CAPTION))
    body += [Heading("II. Đánh giá chung", 1)]
    body += [Paragraph(SENTENCE, "-") for _ in range(after_table)]
    body.append(Paragraph(last))
    return ReportDocument(
        issuer_parent=["HUYỆN ỦY BẢO LÂM"], issuer_name=["BAN BIÊN TẬP CÁC HỆ", "THỐNG PHẦN MỀM"],
        number="Số 117-BC/BBT", place_date="Bảo Lâm, ngày 13 tháng 6 năm 2022", title="BÁO CÁO",
        subtitle="Hoạt động của Ban Biên tập 6 tháng đầu năm 2022", body=body,
        recipients=["Văn phòng Tỉnh ủy (b/c),", "Lưu BBT."],
        signer_title=["PHÓ BÍ THƯ THƯỜNG TRỰC", "kiêm", "TRƯỞNG BAN BIÊN TẬP"],
        signer_name=SIGNER, author="BAN BIÊN TẬP CÁC HỆ THỐNG PHẦN MỀM",
        report_date=DAY.isoformat())


def _open(content: bytes):  # type: ignore[no-untyped-def]
    import pymupdf

    return pymupdf.open(stream=content, filetype="pdf")


def _find(document, text: str) -> list[tuple[int, Any]]:  # type: ignore[no-untyped-def]
    """(page index, rectangle) of every occurrence of text."""
    return [(i, rect) for i, page in enumerate(document) for rect in page.search_for(text)]


def _spans(page) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [span for block in page.get_text("dict")["blocks"] for line in block.get("lines", [])
            for span in line["spans"]]


def _span(page, text: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    found = [s for s in _spans(page) if text in unicodedata.normalize("NFC", s["text"])]
    assert found, f"{text!r} not on the page"
    return found[0]


def _page_of(document, text: str) -> int:  # type: ignore[no-untyped-def]
    hits = _find(document, text)
    assert hits, f"{text!r} not in the document"
    return hits[0][0]


def _page_numbers(document) -> list[str]:  # type: ignore[no-untyped-def]
    """The text printed in each page's top margin."""
    return [" ".join(s["text"].strip() for s in _spans(page) if s["bbox"][3] < 20 * MM).strip()
            for page in document]


def _inside_margins(rect, slack: float = 0.5) -> bool:  # type: ignore[no-untyped-def]
    return bool(rect.x0 >= LEFT - slack and rect.x1 <= RIGHT + slack)


def _ink_span(page) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The leftmost and rightmost inked x of the page rendered as an image, in points."""
    import pymupdf

    dpi = 72
    pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    width, samples = pixmap.width, pixmap.samples
    columns = [x for x in range(width)
               if any(samples[y * width + x] < 160 for y in range(pixmap.height))]
    return columns[0] * 72 / dpi, (columns[-1] + 1) * 72 / dpi


def _table_words(document) -> list[tuple[int, Any]]:  # type: ignore[no-untyped-def]
    return [hit for word in ("1/2022", "6/2022", "Tổng cộng", "Khẩu", "VB phát", "Quá hạn")
            for hit in _find(document, word)]


# ---------------------------------------------------------------- PDF


def test_pdf_header_fonts_and_sizes() -> None:
    with _open(pdf(report())) as document:
        page = document[0]
        place = _span(page, "ngày 13 tháng 6 năm 2022")
        assert "Italic" in place["font"] and place["size"] == 14
        assert abs(place["bbox"][2] - (RIGHT - 1.9 * MM)) < 2  # flush right in its column
        assert place["bbox"][0] > PAGE_W / 2
        party = _span(page, "ĐẢNG CỘNG SẢN VIỆT NAM")
        assert "Bold" in party["font"] and party["size"] == 15
        assert "Bold" in _span(page, "BÁO CÁO")["font"]
        body = _span(page, "Ban Biên tập đã tham mưu")
        assert body["size"] == 14 and body["font"] == "LiberationSerif"
        assert abs(body["bbox"][0] - (LEFT + 10 * MM)) < 1  # first-line indent from the margin
        assert _page_numbers(document)[0] == ""
        assert document.metadata["creationDate"].startswith("D:20220613")


def test_pdf_numbers_pages_from_the_second_centred_at_the_top() -> None:
    with _open(pdf(report(before_table=12, after_table=14))) as document:
        assert len(document) >= 3
        numbers = _page_numbers(document)
        assert numbers == ["", *[str(n) for n in range(2, len(document) + 1)]]
        top = [rect for rect in document[1].search_for("2") if rect.y1 < 20 * MM]
        assert len(top) == 1 and abs((top[0].x0 + top[0].x1) / 2 - (LEFT + RIGHT) / 2) < 2


@pytest.mark.parametrize("before", range(7, 12))
def test_pdf_table_stays_with_its_caption_inside_the_margins(before: int) -> None:
    with _open(pdf(report(before_table=before))) as document:
        caption = _page_of(document, CAPTION)
        words = _table_words(document)
        assert {page for page, _rect in words} == {caption}
        assert all(_inside_margins(rect) for _p, rect in words)
        lines = [d["rect"] for d in document[caption].get_drawings()]
        assert lines and all(_inside_margins(rect, slack=1) for rect in lines)
        for page in document:  # nothing at all prints into the margins
            left, right = _ink_span(page)
            assert left >= LEFT - 1.5 and right <= RIGHT + 1.5


@pytest.mark.parametrize("after", range(13, 18))
def test_pdf_signer_stays_with_the_last_paragraph(after: int) -> None:
    with _open(pdf(report(after_table=after))) as document:
        last = _page_of(document, "Đây là đoạn cuối cùng")
        assert _page_of(document, "Nơi nhận") == last == _page_of(document, SIGNER)
        assert _page_of(document, "Lưu BBT.") == last


def test_pdf_and_docx_are_byte_stable_with_real_metadata() -> None:
    doc = report()
    assert pdf(doc) == pdf(report()) and docx(doc) == docx(report())
    content = pdf(doc)
    assert b"/Lang (vi-VN)" in content
    with _open(content) as document:
        meta = document.metadata
    assert meta["title"] == "Báo cáo hoạt động của Ban Biên tập 6 tháng đầu năm 2022"
    assert meta["author"] == "BAN BIÊN TẬP CÁC HỆ THỐNG PHẦN MỀM"
    later = report()
    later.report_date = "2022-06-14"
    assert pdf(later) != content  # the date is the report's, not the clock's
    # a registered report's snapshot stores the document as plain JSON
    stored = json.loads(json.dumps(dataclasses.asdict(doc)))
    assert stored["report_date"] == "2022-06-13"
    assert [b["caption"] for b in stored["body"] if "caption" in b] == [CAPTION]


# ---------------------------------------------------------------- DOCX structure


def test_docx_page_setup_language_and_metadata() -> None:
    from docx import Document
    from docx.oxml.ns import qn

    content = docx(report())
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert {info.date_time for info in archive.infolist()} == {(2022, 6, 13, 0, 0, 0)}
    document = Document(io.BytesIO(content))
    props = document.core_properties
    assert (props.title, props.author, props.language) == (
        "Báo cáo hoạt động của Ban Biên tập 6 tháng đầu năm 2022",
        "BAN BIÊN TẬP CÁC HỆ THỐNG PHẦN MỀM", "vi-VN")
    assert props.created.date() == DAY and props.modified.date() == DAY
    langs = {e.get(qn("w:val")) for e in document.styles.element.iter(qn("w:lang"))}
    assert langs == {"vi-VN"}
    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert "PAGE" in "".join(t.text for t in section.header._element.iter(qn("w:instrText")))
    assert not section.first_page_header.paragraphs[0].text
    assert (section.left_margin.mm, section.right_margin.mm) == pytest.approx((30, 15), abs=0.01)


def test_docx_table_and_closing_are_kept_together() -> None:
    from docx import Document
    from docx.oxml.ns import qn

    document = Document(io.BytesIO(docx(report())))
    body = [p for p in document.paragraphs if p.text]
    caption = next(p for p in body if CAPTION in p.text)
    assert caption.paragraph_format.keep_with_next
    table = document.tables[1]
    text_width = document.sections[0].page_width - document.sections[0].left_margin \
        - document.sections[0].right_margin
    assert sum(column.width for column in table.columns) <= text_width
    rows = table.rows
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in rows)
    assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(p.paragraph_format.keep_with_next for row in rows[:-1] for cell in row.cells
               for p in cell.paragraphs)
    last = next(p for p in body if p.text.startswith("Đây là đoạn cuối"))
    assert last.paragraph_format.keep_with_next
    closing = document.tables[-1].rows[0]
    assert closing._tr.trPr.find(qn("w:cantSplit")) is not None
    assert all(p.paragraph_format.keep_with_next for p in closing.cells[0].paragraphs)
    headings = [p for p in body if p.text.startswith("II.")]
    assert headings and headings[0].paragraph_format.keep_with_next


# ---------------------------------------------------------------- DOCX as printed


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    reason = "LibreOffice (soffice) is not installed: run scripts/system-deps"
    if os.environ.get("CI"):
        pytest.fail(f"CI must not skip the DOCX rendering test: {reason}")
    pytest.skip(reason)


def _through_libreoffice(content: bytes, folder: Path) -> bytes:
    source = folder / "report.docx"
    source.write_bytes(content)
    subprocess.run([_soffice(), "--headless", "--norestore",
                    f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=180)
    return (folder / "report.pdf").read_bytes()


ANCHORS = ("HUYỆN ỦY BẢO LÂM", "ĐẢNG CỘNG SẢN VIỆT NAM", "ngày 13 tháng 6 năm 2022", "BÁO CÁO",
           CAPTION, "Tổng cộng", "II. Đánh giá chung", "Đây là đoạn cuối cùng", "Nơi nhận",
           "TRƯỞNG BAN BIÊN TẬP", SIGNER)


def test_docx_prints_like_the_pdf(tmp_path: Path) -> None:
    """LibreOffice lays the DOCX out as Word would: same pages, same places as our PDF, the
    table with its caption and the signer with the last paragraph."""
    doc = report(before_table=9, after_table=8)  # both would straddle a page break
    ours = _open(pdf(doc))
    printed = _open(_through_libreoffice(docx(doc), tmp_path))
    with ours, printed:
        assert len(printed) == len(ours) >= 2
        assert _page_numbers(printed) == _page_numbers(ours)
        for anchor in ANCHORS:
            (page_a, a), (page_b, b) = _find(ours, anchor)[0], _find(printed, anchor)[0]
            assert page_a == page_b, anchor
            assert abs(a.x0 - b.x0) < 4 and abs(a.y0 - b.y0) < 12, (anchor, a, b)
        words = _table_words(printed)
        assert {page for page, _r in words} == {_page_of(printed, CAPTION)}
        assert all(_inside_margins(rect) for _p, rect in words)
        last = _page_of(printed, "Đây là đoạn cuối cùng")
        assert _page_of(printed, "Nơi nhận") == _page_of(printed, SIGNER) == last
        for page in printed:
            left, right = _ink_span(page)
            assert left >= LEFT - 1.5 and right <= RIGHT + 1.5
        place = _span(printed[0], "ngày 13 tháng 6 năm 2022")
        assert "Italic" in place["font"] and place["bbox"][0] > PAGE_W / 2
        assert "Bold" in _span(printed[_page_of(printed, SIGNER)], SIGNER)["font"]
