"""The royalty sheet as a file: XLSX (values only, text never read as a formula) or DOCX and
PDF in the Party layout, with the total in figures and "Bằng chữ" in words."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session

from domain import letters, settings
from domain.reports_layout import Paragraph, ReportDocument, Table, vn_int
from domain.royalties import Sheet
from domain.text import parse_date, today, vn_date

FORMATS = ("xlsx", "docx", "pdf")
TITLE = "BẢNG THANH TOÁN NHUẬN BÚT"
HEADERS = ["STT", "Tác giả", "Đơn vị", "Tin", "Bài", "Ảnh", "Khẩu hiệu", "Văn bản",
           "Thành tiền (đồng)"]
COUNTS = ("news", "features", "photos", "slogans", "documents")


def check_output(path: Path) -> str:
    return letters.format_of(path, None, FORMATS)


def subtitle(month: str) -> str:
    year, number = month.split("-")
    return (f"Tin, bài, ảnh đăng trên Trang thông tin điện tử tháng {int(number)} "
            f"năm {year}")


def render(session: Session, data: Sheet, path: Path, day: str | date | None = None) -> bytes:
    fmt = check_output(path)
    if fmt == "xlsx":
        return xlsx(data)
    return letters.render(document(session, data, parse_date(day, "date") or today()), fmt)


def _rows(data: Sheet) -> list[list[Any]]:
    return [[index, line["author"] or "-", line["unit"], *(line[k] for k in COUNTS),
             line["amount"]] for index, line in enumerate(data.lines, start=1)]


def _totals(data: Sheet) -> list[Any]:
    return ["", "Tổng cộng", "", *(sum(line[k] for line in data.lines) for k in COUNTS),
            data.total]


def document(session: Session, data: Sheet, day: date) -> ReportDocument:
    doc = letters.frame(session, number="", day=day, title=TITLE, subtitle=subtitle(data.month),
                        recipients=["Bộ phận kế toán",
                                    f"Lưu {settings.get(session, 'org.code') or 'BBT'}"])
    rates = ", ".join(f"{name} {vn_int(data.rates[kind])} đồng"
                      for kind, name in (("news", "tin"), ("feature", "bài"), ("photo", "ảnh"),
                                         ("slogan", "khẩu hiệu"), ("document", "văn bản"))
                      if kind in data.rates)
    if rates:
        doc.body.append(Paragraph(f"Mức chi: {rates}.", italic=True))
    text = [[str(c) if not isinstance(c, int) else vn_int(c) for c in row]
            for row in _rows(data)]
    totals = [vn_int(c) if isinstance(c, int) else c for c in _totals(data)]
    doc.body.append(Table(HEADERS, text, total=totals))
    doc.body.append(Paragraph(f"Tổng số tiền: {vn_int(data.total)} đồng."))
    doc.body.append(Paragraph(f"Bằng chữ: {data.total_words}.", italic=True))
    doc.body += _marks(data)
    return doc


def _marks(data: Sheet) -> list[Paragraph]:
    """Who approved and who recorded the payment, and when (as the sheet is kept)."""
    marks = data.approved
    lines = []
    if marks is not None and marks.approved_at is not None:
        lines.append(Paragraph(f"Đã duyệt: {marks.approved_by}, ngày "
                               f"{vn_date(marks.approved_at.date())} ({vn_int(marks.total)} "
                               "đồng).", italic=True))
    if marks is not None and marks.paid_at is not None:
        lines.append(Paragraph(f"Đã chi: {marks.paid_by}, ngày {vn_date(marks.paid_at.date())}.",
                               italic=True))
    return lines


def xlsx(data: Sheet) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from domain.imports_io import escape

    book = Workbook(write_only=True)
    sheet = book.create_sheet(data.month)

    def cell(value: Any) -> Any:
        if isinstance(value, int):
            return value  # totals are values: nothing is left for a spreadsheet to compute
        written = WriteOnlyCell(sheet, value=escape(str(value)))
        written.data_type = "s"  # an explicit string: never turned into a formula
        return written

    for line in ([TITLE], [subtitle(data.month)], [], HEADERS, *_rows(data), _totals(data), [],
                 ["Bằng chữ:", data.total_words]):
        sheet.append([cell(v) for v in line])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
