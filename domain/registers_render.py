"""A register book on paper: landscape A4, a cover (issuing body, "SỔ ĐĂNG KÝ VĂN BẢN ĐI/ĐẾN",
the year, "Từ số … đến số …"), then the Phụ lục IV table whose header row (and the row of
column numbers under it) repeats on every page, and page numbers.

DOCX in Times New Roman (what the office edits and prints), PDF in DejaVu Serif (embedded;
every Vietnamese letter), XLSX with the header rows set as print titles.
"""

from __future__ import annotations

import io

from domain.registers import Book
from domain.report_render import FONT_DIR, PDF_FONT

MARGIN_MM = 15
LEFT_MM = 20


def render(book: Book, fmt: str) -> bytes:
    return {"docx": docx, "pdf": pdf, "xlsx": xlsx}[fmt](book)


def column_numbers(book: Book) -> list[str]:
    return [f"({i})" for i in range(1, len(book.columns) + 1)]


def cover_lines(book: Book) -> list[str]:
    return [*book.body, "", "", book.title, "", f"Năm {book.year}", "", *book.range_lines()]


# ---------------------------------------------------------------- PDF


def pdf(book: Book) -> bytes:
    from fpdf import FPDF

    class Numbered(FPDF):
        def footer(self) -> None:
            if self.page_no() > 1:  # the cover carries no number
                self.set_y(-12)
                self.set_font(PDF_FONT, "", 9)
                self.cell(0, 5, f"Trang {self.page_no() - 1}", align="C")

    out = Numbered(orientation="landscape", unit="mm", format="A4")
    out.set_margins(LEFT_MM, MARGIN_MM, MARGIN_MM)
    out.set_auto_page_break(True, margin=18)
    out.add_font(PDF_FONT, "", str(FONT_DIR / "DejaVuSerif.ttf"))
    out.add_font(PDF_FONT, "B", str(FONT_DIR / "DejaVuSerif-Bold.ttf"))
    out.set_title(f"{book.title} {book.year}")
    _pdf_cover(out, book)
    out.add_page()
    out.set_font(PDF_FONT, "", 8)
    with out.table(col_widths=book.widths, text_align="LEFT", line_height=4,
                   num_heading_rows=2, repeat_headings=1) as table:
        for values in (book.columns, column_numbers(book), *book.rows):
            row = table.row()
            for value, width in zip(values, book.widths, strict=True):
                row.cell(_fits(value, width))
    return bytes(out.output())


def _fits(text: str, width_mm: int) -> str:
    """fpdf2 cannot split one table row across pages: a cell longer than a page's worth
    (only ever a pasted essay) is cut, with a mark; DOCX and XLSX keep it whole."""
    limit = int(width_mm * 0.55) * 36
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pdf_cover(out, book: Book) -> None:  # type: ignore[no-untyped-def]
    out.add_page()
    out.set_y(40)
    for index, line in enumerate(cover_lines(book)):
        big = line == book.title
        out.set_font(PDF_FONT, "B" if big or index < len(book.body) else "", 26 if big else 15)
        out.cell(0, 14 if big else 9, line, align="C", new_x="LMARGIN", new_y="NEXT")


# ---------------------------------------------------------------- DOCX


def docx(book: Book) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Mm, Pt

    out = Document()
    section = out.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin = section.bottom_margin = Mm(MARGIN_MM)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(MARGIN_MM)
    section.different_first_page_header_footer = True  # no page number on the cover
    style = out.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(11)
    for index, line in enumerate(cover_lines(book)):
        paragraph = out.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(line)
        run.bold = line == book.title or index < len(book.body)
        run.font.size = Pt(26 if line == book.title else 15)
    out.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    _docx_table(out, book)
    _docx_page_numbers(section.footer.paragraphs[0])
    out.core_properties.title = f"{book.title} {book.year}"
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _docx_table(out, book: Book) -> None:  # type: ignore[no-untyped-def]
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    table = out.add_table(rows=0, cols=len(book.columns))
    table.style = "Table Grid"
    table.autofit = False
    for index, values in enumerate((book.columns, column_numbers(book), *book.rows)):
        cells = table.add_row().cells
        for cell, value, width in zip(cells, values, book.widths, strict=True):
            cell.width = Mm(width)
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(value)
            run.font.size = Pt(10 if index > 1 else 10.5)
            run.bold = index == 0
            if index < 2:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if index < 2:  # Word repeats header rows at the top of every page
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            table.rows[index]._tr.get_or_add_trPr().append(repeat)


def _docx_page_numbers(paragraph) -> None:  # type: ignore[no-untyped-def]
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("Trang ")
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


# ---------------------------------------------------------------- XLSX


def xlsx(book: Book) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    cover = workbook.active
    cover.title = "Bìa"
    for index, line in enumerate(cover_lines(book), start=2):
        cell = cover.cell(row=index, column=1, value=line)
        cell.font = Font(bold=line == book.title, size=20 if line == book.title else 13)
    cover.column_dimensions["A"].width = 80
    sheet = workbook.create_sheet("Sổ")
    for values in (book.columns, column_numbers(book), *book.rows):
        sheet.append(values)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s"  # text is text, never a formula (a title may start with "=")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(book.widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width * 0.6
    for page in (cover, sheet):
        page.page_setup.orientation = "landscape"
        page.page_setup.paperSize = page.PAPERSIZE_A4
    sheet.print_title_rows = "1:2"  # the header rows on every printed page
    sheet.oddFooter.center.text = "Trang &P / &N"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
