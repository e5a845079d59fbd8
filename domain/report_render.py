"""Print a ReportDocument as Markdown (stdout previews), DOCX (what clerks edit and print)
or PDF (DejaVu Serif embedded: it covers every Vietnamese letter).

Sizes follow Hướng dẫn 36-HD/VPTW for Party documents: A4, margins 20 mm top and bottom,
30 mm left, 15 mm right; Times New Roman 13-14 pt in DOCX. DejaVu Serif runs wider than
Times, so the PDF uses 12 pt to keep the same line lengths.
"""

from __future__ import annotations

import io
from pathlib import Path

from domain.errors import BBTError
from domain.i18n import _
from domain.reports_layout import PARTY, Heading, Paragraph, ReportDocument, Table

FORMATS = ("md", "docx", "pdf")
FONT_DIR = Path(__file__).parent / "fonts"


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise BBTError(_("Report format '{fmt}' is unknown; use one of {formats}.").format(
            fmt=fmt, formats=", ".join(FORMATS)))
    return fmt


def render(doc: ReportDocument, fmt: str) -> bytes:
    if check_format(fmt) == "md":
        return markdown(doc).encode("utf-8")
    return docx(doc) if fmt == "docx" else pdf(doc)


# ---------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    """Escape the characters Markdown would read as formatting."""
    for ch in "\\`*_|<":
        text = text.replace(ch, "\\" + ch)
    return text


def markdown(doc: ReportDocument) -> str:
    left = [_md(x) for x in doc.issuer_parent] + [f"**{_md(x)}**" for x in doc.issuer_name]
    left += ["\\*", _md(doc.number)]
    right = [f"**{PARTY}**", f"*{_md(doc.place_date)}*"]
    rows = max(len(left), len(right))
    left += [""] * (rows - len(left))
    right += [""] * (rows - len(right))
    out = [f"| {left[0]} | {right[0]} |", "| :---: | :---: |"]
    out += [f"| {a} | {b} |" for a, b in zip(left[1:], right[1:], strict=True)]
    out += ["", f"# {doc.title}", "", f"**{_md(doc.subtitle)}**", ""]
    for block in doc.body:
        out += _md_block(block)
    out += ["**Nơi nhận:**", ""]
    out += [f"- {_md(r)}" for r in doc.recipients]
    out += [""]
    out += [f"**{_md(line)}**  " for line in doc.signer_title]
    out += ["", f"**{_md(doc.signer_name)}**"]
    out += ["", f"*{_md(doc.footnote)}*"] if doc.footnote else []
    return "\n".join(out) + "\n"


def _md_block(block: Heading | Paragraph | Table) -> list[str]:
    if isinstance(block, Heading):
        return [f"{'##' if block.level == 1 else '###'} {_md(block.text)}", ""]
    if isinstance(block, Table):
        lines = [f"| {' | '.join(block.columns)} |",
                 "| " + " | ".join([":---", *["---:"] * (len(block.columns) - 1)]) + " |"]
        rows = [*block.rows, *([block.total] if block.total else [])]
        lines += [f"| {' | '.join(_md(c) for c in row)} |" for row in rows]
        return [*lines, ""]
    text = f"*{_md(block.text)}*" if block.italic else _md(block.text)
    if block.bullet == "-":
        return [f"- {text}", ""]
    if block.bullet == "+":
        return [f"    + {text}", ""]
    return [text, ""]


# ---------------------------------------------------------------- DOCX


def docx(doc: ReportDocument) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    out = Document()
    section = out.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    _docx_font(out.styles["Normal"], 14)
    out.styles["Normal"].paragraph_format.space_after = Pt(6)

    left, right = _docx_columns(out, (Mm(75), Mm(90)))
    for text in doc.issuer_parent:
        _docx_line(left, text, 13)
    for text in doc.issuer_name:
        _docx_line(left, text, 13, bold=True)
    _docx_line(left, "*", 13)
    _docx_line(left, doc.number, 13)
    _docx_line(right, PARTY, 15, bold=True, underline=True)
    _docx_line(right, "", 13)
    _docx_line(right, doc.place_date, 14, italic=True)

    title = out.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(18)
    title.paragraph_format.space_after = Pt(0)
    _docx_run(title, doc.title, 15, bold=True)
    subtitle = out.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_run(subtitle, doc.subtitle, 14, bold=True)
    for block in doc.body:
        _docx_block(out, block)
    _docx_closing(out, doc)
    if doc.footnote:
        _docx_run(out.add_paragraph(), doc.footnote, 8, italic=True)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _docx_font(style, size: int) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = "Times New Roman"
    style.font.size = Pt(size)
    # Word picks the font of Vietnamese letters from the east-Asian slot too.
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), "Times New Roman")


def _docx_columns(out, widths):  # type: ignore[no-untyped-def]
    """A one-row, two-column table without borders: the layout of the header and footer."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = out.add_table(rows=1, cols=2)
    table.autofit = False
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)
    cells = table.rows[0].cells
    for column, cell, width in zip(table.columns, cells, widths, strict=True):
        column.width = cell.width = width
        cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    return cells


def _docx_line(cell, text: str, size: int, *, bold: bool = False, italic: bool = False,  # type: ignore[no-untyped-def]
               underline: bool = False, align: str = "center") -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = cell.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if align == "center" \
        else WD_ALIGN_PARAGRAPH.LEFT
    paragraph.paragraph_format.space_after = Pt(0)
    _docx_run(paragraph, text, size, bold=bold, italic=italic, underline=underline)


def _docx_run(paragraph, text: str, size: int, *, bold: bool = False,  # type: ignore[no-untyped-def]
              italic: bool = False, underline: bool = False) -> None:
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold, run.italic, run.underline = bold, italic, underline


def _docx_block(out, block: Heading | Paragraph | Table) -> None:  # type: ignore[no-untyped-def]
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    if isinstance(block, Table):
        _docx_table(out, block)
        return
    paragraph = out.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Mm(10)
    if isinstance(block, Heading):
        paragraph.paragraph_format.space_before = Pt(6)
        _docx_run(paragraph, block.text, 14, bold=True)
        return
    prefix = f"{block.bullet} " if block.bullet else ""
    _docx_run(paragraph, prefix + block.text, 14, italic=block.italic)


def _docx_table(out, block: Table) -> None:  # type: ignore[no-untyped-def]
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    rows = [*block.rows, *([block.total] if block.total else [])]
    table = out.add_table(rows=1 + len(rows), cols=len(block.columns))
    table.style = "Table Grid"
    for r, values in enumerate([block.columns, *rows]):
        bold = r == 0 or (block.total is not None and r == len(rows))
        for c, value in enumerate(values):
            paragraph = table.rows[r].cells[c].paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if r == 0 or c == 0 \
                else WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.paragraph_format.space_after = 0
            _docx_run(paragraph, value, 10, bold=bold)
    out.add_paragraph()


def _docx_closing(out, doc: ReportDocument) -> None:  # type: ignore[no-untyped-def]
    from docx.shared import Mm

    out.add_paragraph()
    left, right = _docx_columns(out, (Mm(80), Mm(85)))
    _docx_line(left, "Nơi nhận:", 12, bold=True, italic=True, align="left")
    for name in doc.recipients:
        _docx_line(left, f"- {name}", 11, align="left")
    for line in doc.signer_title:
        _docx_line(right, line, 14, bold=True)
    for _blank in range(4):
        _docx_line(right, "", 14)
    _docx_line(right, doc.signer_name, 14, bold=True)


# ---------------------------------------------------------------- PDF

PDF_FONT = "DejaVuSerif"
LEFT_MM, RIGHT_MM, TOP_MM = 30, 15, 20


def pdf(doc: ReportDocument) -> bytes:
    from fpdf import FPDF

    class NumberedPages(FPDF):
        def header(self) -> None:
            # Party documents number their pages from the second, centred at the top.
            if self.page_no() > 1:
                self.set_font(PDF_FONT, "", 11)
                self.set_y(10)
                self.cell(0, 5, str(self.page_no()), align="C")
                self.set_y(TOP_MM)

    out = NumberedPages(orientation="portrait", unit="mm", format="A4")
    out.set_margins(LEFT_MM, TOP_MM, RIGHT_MM)
    out.set_auto_page_break(True, margin=20)
    out.add_font(PDF_FONT, "", str(FONT_DIR / "DejaVuSerif.ttf"))
    out.add_font(PDF_FONT, "B", str(FONT_DIR / "DejaVuSerif-Bold.ttf"))
    out.set_title(f"{doc.title} {doc.subtitle}")
    out.add_page()
    _pdf_header(out, doc)
    out.ln(8)
    out.set_font(PDF_FONT, "B", 14)
    out.cell(0, 7, doc.title, align="C", new_x="LMARGIN", new_y="NEXT")
    out.set_font(PDF_FONT, "B", 12)
    out.multi_cell(0, 6, doc.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    out.ln(4)
    for block in doc.body:
        _pdf_block(out, block)
    _pdf_closing(out, doc)
    if doc.footnote:
        out.ln(6)
        out.set_font(PDF_FONT, "", 7)
        out.multi_cell(0, 3.5, doc.footnote, align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(out.output())


def _pdf_column(out, x: float, y: float, width: float,  # type: ignore[no-untyped-def]
                lines: list[tuple[str, str, int]], align: str = "C") -> float:
    """Print lines of (text, style, size) in a column; return the y below them."""
    out.set_xy(x, y)
    for text, style, size in lines:
        out.set_font(PDF_FONT, style, size)
        out.set_x(x)
        out.multi_cell(width, size * 0.45, text, align=align, new_x="LEFT", new_y="NEXT")
    return float(out.get_y())


def _pdf_header(out, doc: ReportDocument) -> None:  # type: ignore[no-untyped-def]
    top = float(out.get_y())
    left = [(t, "", 11) for t in doc.issuer_parent] + [(t, "B", 11) for t in doc.issuer_name]
    left += [("*", "", 11), (doc.number, "", 11)]
    bottom_left = _pdf_column(out, LEFT_MM - 10, top, 75, left)
    right = [(PARTY, "BU", 12), ("", "", 6), (doc.place_date, "", 11)]
    bottom_right = _pdf_column(out, LEFT_MM + 68, top, 97, right)
    out.set_xy(LEFT_MM, max(bottom_left, bottom_right))


def _pdf_block(out, block: Heading | Paragraph | Table) -> None:  # type: ignore[no-untyped-def]
    if isinstance(block, Table):
        _pdf_table(out, block)
        return
    bold = isinstance(block, Heading)
    out.set_font(PDF_FONT, "B" if bold else "", 12)
    prefix = f"{block.bullet} " if isinstance(block, Paragraph) and block.bullet else ""
    with out.text_columns(text_align="J", line_height=1.25) as column, column.paragraph(
            first_line_indent=10, bottom_margin=1.5) as paragraph:
        paragraph.write(prefix + block.text)


def _pdf_table(out, block: Table) -> None:  # type: ignore[no-untyped-def]
    out.set_font(PDF_FONT, "", 7)
    first = 19
    rest = (210 - LEFT_MM - RIGHT_MM - first) / (len(block.columns) - 1)
    rows = [*block.rows, *([block.total] if block.total else [])]
    if len(rows) <= 13 and out.get_y() + 8 * (len(rows) + 1) > out.h - 20:
        out.add_page()  # a short table is read whole: never split it across pages
    with out.table(col_widths=(first, *[rest] * (len(block.columns) - 1)), text_align="CENTER",
                   line_height=4, first_row_as_headings=True) as table:
        for values in [block.columns, *rows]:
            row = table.row()
            for value in values:
                row.cell(value)
    out.ln(3)


def _pdf_closing(out, doc: ReportDocument) -> None:  # type: ignore[no-untyped-def]
    needed = 12 + 5 * max(len(doc.recipients), len(doc.signer_title) + 5)
    if out.get_y() + needed > out.h - 20:
        out.add_page()
    out.ln(4)
    top = float(out.get_y())
    left = [("Nơi nhận:", "B", 10)] + [(f"- {name}", "", 9) for name in doc.recipients]
    bottom_left = _pdf_column(out, LEFT_MM, top, 75, left, align="L")
    right = [(line, "B", 11) for line in doc.signer_title]
    right += [("", "", 11)] * 4 + [(doc.signer_name, "B", 11)]
    bottom_right = _pdf_column(out, LEFT_MM + 75, top, 90, right)
    out.set_xy(LEFT_MM, max(bottom_left, bottom_right))
