"""Print a ReportDocument as Markdown (stdout previews), DOCX (what clerks edit and print)
or PDF (Liberation Serif embedded: metric-compatible with Times New Roman, with real bold
and italics, and every Vietnamese letter).

Layout after Hướng dẫn 36-HD/VPTW for Party documents: A4, margins 20 mm top and bottom,
30 mm left, 15 mm right; body 14 pt; "ĐẢNG CỘNG SẢN VIỆT NAM" 15 pt bold; place and date
14 pt italic; pages numbered from the second, centred at the top. DOCX and PDF follow the
same rules: a table never leaves its caption nor splits a row, and the signature block stays
on the page of the last paragraph. Both are byte-stable: every date in them is the report's.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from domain.errors import BBTError
from domain.i18n import _
from domain.reports_layout import PARTY, Heading, Paragraph, ReportDocument, Table

FORMATS = ("md", "docx", "pdf")
FONT_DIR = Path(__file__).parent / "fonts"
LANGUAGE = "vi-VN"
PAGE_W, PAGE_H = 210, 297
LEFT_MM, RIGHT_MM, TOP_MM, BOTTOM_MM = 30, 15, 20, 20
TEXT_W = PAGE_W - LEFT_MM - RIGHT_MM  # 165 mm
HEADER_COLUMNS = (75, 90)  # issuing body | ĐẢNG CỘNG SẢN VIỆT NAM, place and date
CLOSING_COLUMNS = (80, 85)  # Nơi nhận | signer
BODY_PT, TABLE_PT, RECIPIENT_PT, FOOTNOTE_PT = 14, 11, 12, 8
FIRST_LINE_MM = 10
SPACE_AFTER_PT = 6
SIGNATURE_GAP = 4  # blank lines left for the handwritten signature and the seal
CELL_PAD_TWIPS = 108  # Word's default left and right cell padding, 0.19 cm
CELL_PAD = CELL_PAD_TWIPS * 25.4 / 1440


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise BBTError(_("Report format '{fmt}' is unknown; use one of {formats}.").format(
            fmt=fmt, formats=", ".join(FORMATS)))
    return fmt


def render(doc: ReportDocument, fmt: str) -> bytes:
    if check_format(fmt) == "md":
        return markdown(doc).encode("utf-8")
    return docx(doc) if fmt == "docx" else pdf(doc)


def created_at(doc: ReportDocument) -> datetime:
    """The files' creation time: the report's date at midnight UTC (7:00 in Vietnam, the
    same day), so that a reprint is the same file."""
    day = date.fromisoformat(doc.report_date) if doc.report_date else date(2000, 1, 1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


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
        lines = [f"- {_md(block.caption)}", ""] if block.caption else []
        lines += [f"| {' | '.join(block.columns)} |",
                  "| " + " | ".join([":---", *["---:"] * (len(block.columns) - 1)]) + " |"]
        lines += [f"| {' | '.join(_md(c) for c in row)} |" for row in _table_rows(block)]
        return [*lines, ""]
    text = f"*{_md(block.text)}*" if block.italic else _md(block.text)
    if block.bullet == "-":
        return [f"- {text}", ""]
    if block.bullet == "+":
        return [f"    + {text}", ""]
    return [text, ""]


def _table_rows(block: Table) -> list[list[str]]:
    return [*block.rows, *([block.total] if block.total else [])]


def _paragraph_text(block: Paragraph | Heading) -> str:
    prefix = f"{block.bullet} " if isinstance(block, Paragraph) and block.bullet else ""
    return prefix + block.text


def _column_widths(block: Table) -> list[float]:
    """The month column a little wider, the figures sharing the rest: the text width."""
    first = 20.0
    rest = (TEXT_W - first) / (len(block.columns) - 1)
    return [first, *[rest] * (len(block.columns) - 1)]


# ---------------------------------------------------------------- DOCX


def docx(doc: ReportDocument) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    out = Document()
    _docx_page(out)
    _docx_defaults(out)
    _docx_header(out, doc)
    title = out.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(18)
    title.paragraph_format.space_after = Pt(0)
    _docx_run(title, doc.title, 16, bold=True)
    subtitle = out.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle.paragraph_format.space_after = Pt(12)
    _docx_run(subtitle, doc.subtitle, BODY_PT, bold=True)
    last = None
    for block in doc.body:
        last = _docx_block(out, block)
    if last is not None:
        last.paragraph_format.keep_with_next = True  # the signer never stands alone
    _docx_closing(out, doc)
    if doc.footnote:
        _docx_run(out.add_paragraph(), doc.footnote, FOOTNOTE_PT, italic=True)
    _docx_metadata(out, doc)
    buffer = io.BytesIO()
    out.save(buffer)
    return _stable_zip(buffer.getvalue(), created_at(doc))


def _docx_page(out) -> None:  # type: ignore[no-untyped-def]
    """A4 with the margins of Hướng dẫn 36; page numbers from the second page, at the top."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    section = out.sections[0]
    section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
    section.top_margin, section.bottom_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
    section.header_distance = section.footer_distance = Mm(10)
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_field(number, "PAGE", BODY_PT)


def _docx_field(paragraph, instruction: str, size: int) -> None:  # type: ignore[no-untyped-def]
    """A field Word and LibreOffice compute when they lay out the page (the page number)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    run.font.size = _pt(size)
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def _pt(size: float):  # type: ignore[no-untyped-def]
    from docx.shared import Pt

    return Pt(size)


def _docx_defaults(out) -> None:  # type: ignore[no-untyped-def]
    """Times New Roman 14 pt, Vietnamese (spelling and hyphenation), in every style."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    normal = out.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = _pt(BODY_PT)
    normal.paragraph_format.space_after = _pt(SPACE_AFTER_PT)
    # single spacing (the template's default is 1.15 times that), as the PDF has it
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    normal.paragraph_format.widow_control = True  # never one line alone (the PDF does it too)
    r_pr = normal.element.get_or_add_rPr()
    # Word picks the font of Vietnamese letters from the east-Asian slot too.
    fonts = r_pr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), "Times New Roman")
    defaults = out.styles.element.find(qn("w:docDefaults"))
    for holder in (defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")), r_pr):
        for old in holder.findall(qn("w:lang")):
            holder.remove(old)
        lang = OxmlElement("w:lang")
        for attr in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attr), LANGUAGE)
        holder.append(lang)


def _docx_metadata(out, doc: ReportDocument) -> None:  # type: ignore[no-untyped-def]
    """Real core properties instead of python-docx's template ones; dates are the report's."""
    props = out.core_properties
    props.title = doc.description
    props.subject = doc.number
    props.author = props.last_modified_by = doc.author
    props.language = LANGUAGE
    props.keywords = props.comments = props.category = ""
    props.created = props.modified = created_at(doc).replace(tzinfo=None)
    props.revision = 1


def _stable_zip(content: bytes, when: datetime) -> bytes:
    """python-docx stamps each zip entry with the current time: stamp them with the report's
    date instead, so that printing the same report twice gives the same bytes."""
    stamp = (when.year, when.month, when.day, 0, 0, 0)
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return buffer.getvalue()


def _docx_columns(out, widths: tuple[int, int]):  # type: ignore[no-untyped-def]
    """A one-row, two-column table without borders (the layout of the header and of the
    signature block); the row never breaks across pages."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    table = out.add_table(rows=1, cols=2)
    table.autofit = False
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)
    _docx_table_width(table, sum(widths))
    _docx_row_whole(table.rows[0])
    cells = table.rows[0].cells
    for column, cell, width in zip(table.columns, cells, widths, strict=True):
        column.width = cell.width = Mm(width)
        cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    return cells


def _docx_table_width(table, width_mm: float) -> None:  # type: ignore[no-untyped-def]
    """A fixed width inside the margins; cell padding is taken from inside the cells."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblW")):
        tbl_pr.remove(old)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(round(width_mm * 1440 / 25.4)))
    width.set(qn("w:type"), "dxa")
    tbl_pr.append(width)
    # Word (compatibility mode 14, python-docx's template) and LibreOffice measure the indent
    # to the text: one cell padding puts the left border on the margin, the right one on
    # the right margin.
    indent = OxmlElement("w:tblInd")
    indent.set(qn("w:w"), str(CELL_PAD_TWIPS))
    indent.set(qn("w:type"), "dxa")
    tbl_pr.append(indent)


def _docx_row_whole(row, *, heading: bool = False) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml import OxmlElement

    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if heading:
        tr_pr.append(OxmlElement("w:tblHeader"))  # repeated on every page the table reaches


def _docx_line(cell, text: str, size: int, *, bold: bool = False, italic: bool = False,  # type: ignore[no-untyped-def]
               underline: bool = False, align: str = "center", keep: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = cell.add_paragraph()
    paragraph.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT,
                           "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    paragraph.paragraph_format.space_after = _pt(0)
    paragraph.paragraph_format.keep_with_next = keep
    _docx_run(paragraph, text, size, bold=bold, italic=italic, underline=underline)


def _docx_run(paragraph, text: str, size: float, *, bold: bool = False,  # type: ignore[no-untyped-def]
              italic: bool = False, underline: bool = False) -> None:
    run = paragraph.add_run(text)
    run.font.size = _pt(size)
    run.bold, run.italic, run.underline = bold, italic, underline


def _docx_header(out, doc: ReportDocument) -> None:  # type: ignore[no-untyped-def]
    left, right = _docx_columns(out, HEADER_COLUMNS)
    for text in doc.issuer_parent:
        _docx_line(left, text, BODY_PT)
    for text in doc.issuer_name:
        _docx_line(left, text, BODY_PT, bold=True)
    _docx_line(left, "*", BODY_PT)
    _docx_line(left, doc.number, BODY_PT)
    _docx_line(right, PARTY, 15, bold=True, underline=True)
    _docx_line(right, "", BODY_PT)
    _docx_line(right, doc.place_date, BODY_PT, italic=True, align="right")


def _docx_block(out, block: Heading | Paragraph | Table):  # type: ignore[no-untyped-def]
    """Add one block; return its last paragraph outside a table (None for a table)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    if isinstance(block, Table):
        _docx_table(out, block)
        return None
    paragraph = out.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Mm(FIRST_LINE_MM)
    if isinstance(block, Heading):
        paragraph.paragraph_format.keep_with_next = True
        _docx_run(paragraph, block.text, BODY_PT, bold=True)
    else:
        _docx_run(paragraph, _paragraph_text(block), BODY_PT, italic=block.italic)
    return paragraph


def _docx_table(out, block: Table) -> None:  # type: ignore[no-untyped-def]
    """The caption and every row but the last keep with the next, rows never split, the
    heading row repeats: the table stays whole with its caption when it fits on a page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    if block.caption:
        caption = out.add_paragraph()
        caption.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        caption.paragraph_format.first_line_indent = Mm(FIRST_LINE_MM)
        caption.paragraph_format.keep_with_next = True
        _docx_run(caption, f"- {block.caption}", BODY_PT)
    rows = _table_rows(block)
    table = out.add_table(rows=1 + len(rows), cols=len(block.columns))
    table.style = "Table Grid"
    table.autofit = False
    widths = _column_widths(block)
    _docx_table_width(table, sum(widths))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    for r, values in enumerate([block.columns, *rows]):
        _docx_row_whole(table.rows[r], heading=r == 0)
        bold = r == 0 or (block.total is not None and r == len(rows))
        for c, value in enumerate(values):
            cell = table.rows[r].cells[c]
            cell.width = Mm(widths[c])
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if r == 0 or c == 0 \
                else WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.paragraph_format.space_after = 0
            paragraph.paragraph_format.keep_with_next = r < len(rows)
            _docx_run(paragraph, value, TABLE_PT, bold=bold)
    spacer = out.add_paragraph()
    spacer.paragraph_format.space_after = _pt(0)


def _docx_closing(out, doc: ReportDocument) -> None:  # type: ignore[no-untyped-def]
    """"Nơi nhận" left, the signer right, in one row that never splits; the paragraph before
    keeps with it."""
    spacer = out.add_paragraph()
    spacer.paragraph_format.keep_with_next = True
    spacer.paragraph_format.space_after = _pt(0)
    left, right = _docx_columns(out, CLOSING_COLUMNS)
    _docx_line(left, "Nơi nhận:", BODY_PT, underline=True, align="left", keep=True)
    for name in doc.recipients:
        _docx_line(left, f"- {name}", RECIPIENT_PT, align="left", keep=True)
    for line in doc.signer_title:
        _docx_line(right, line, BODY_PT, bold=True, keep=True)
    for _blank in range(SIGNATURE_GAP):
        _docx_line(right, "", BODY_PT, keep=True)
    _docx_line(right, doc.signer_name, BODY_PT, bold=True)


# ---------------------------------------------------------------- PDF

PDF_FONT = "LiberationSerif"
FONT_FILES = {"": "Regular", "B": "Bold", "I": "Italic"}  # no text is bold italic
# Single line spacing as Word and LibreOffice set Times New Roman / Liberation Serif:
# ascent + descent + line gap of the font, 1.15 of its size.
LINE = 1.15
PT_MM = 25.4 / 72
PITCH = BODY_PT * LINE * PT_MM  # one body line
GAP = SPACE_AFTER_PT * PT_MM  # after a paragraph
MAX_WHOLE_ROWS = 24  # a longer table may split (its heading row repeats on the next page)


def pdf(doc: ReportDocument) -> bytes:
    from fpdf import FPDF

    class NumberedPages(FPDF):
        def header(self) -> None:
            # Party documents number their pages from the second, centred at the top.
            if self.page_no() > 1:
                self.set_font(PDF_FONT, "", BODY_PT)
                self.set_y(10)
                self.cell(0, BODY_PT * PT_MM, str(self.page_no()), align="C")
            self.set_y(TOP_MM)

    out = NumberedPages(orientation="portrait", unit="mm", format="A4")
    out.set_margins(LEFT_MM, TOP_MM, RIGHT_MM)
    out.c_margin = 0  # text starts on the margin, as in Word
    out.set_auto_page_break(True, margin=BOTTOM_MM)
    for style, name in FONT_FILES.items():
        out.add_font(PDF_FONT, style, str(FONT_DIR / f"LiberationSerif-{name}.ttf"))
    _pdf_metadata(out, doc)
    out.add_page()
    _pdf_header(out, doc)
    out.ln(6)
    _pdf_lines(out, [(doc.title, "B", 16)])
    _pdf_lines(out, [(doc.subtitle, "B", BODY_PT)])
    out.ln(12 * PT_MM)
    for i, block in enumerate(doc.body[:-1]):
        _pdf_block(out, block, doc.body[i + 1:])

    def ending(pdf) -> None:  # type: ignore[no-untyped-def]
        for block in doc.body[-1:]:
            _pdf_block(pdf, block)
        _pdf_closing(pdf, doc)
        if doc.footnote:  # the audit head of a registered report, as in the DOCX
            _pdf_lines(pdf, [(doc.footnote, "I", FOOTNOTE_PT)], align="L")

    _keep_together(out, ending)  # the last paragraph and the signer share a page
    return bytes(out.output())


def _keep_together(out, draw: Callable[[Any], None]) -> None:  # type: ignore[no-untyped-def]
    """Draw on this page if it all fits, else on the next. (fpdf2's unbreakable() replays
    recorded calls, which misses what text_columns and table draw: so measure, then draw.)"""
    with out.offset_rendering() as trial:
        draw(out)
    if trial.page_break_triggered:
        out.add_page()
    draw(out)


def _pdf_metadata(out, doc: ReportDocument) -> None:  # type: ignore[no-untyped-def]
    out.set_title(doc.description)
    out.set_subject(doc.number)
    out.set_author(doc.author)
    out.set_creator("BBT")
    out.set_lang(LANGUAGE)
    out.set_creation_date(created_at(doc))


def _pdf_lines(out, lines: list[tuple[str, str, int]], x: float = LEFT_MM,  # type: ignore[no-untyped-def]
               width: float = TEXT_W, align: str = "C") -> float:
    """Print lines of (text, style, size) in a column from the current y; return the y
    below them. An "U" in the style underlines."""
    for text, style, size in lines:
        out.set_font(PDF_FONT, style, size)
        out.set_x(x)
        out.multi_cell(width, size * LINE * PT_MM, text, align=align, new_x="LEFT",
                       new_y="NEXT")
    return float(out.get_y())


def _pdf_cell_lines(out, lines: list[tuple[str, str, int]], x: float, width: float,  # type: ignore[no-untyped-def]
                    align: str = "C") -> float:
    """Lines in a column of the header or closing layout, padded as the DOCX table cells."""
    return _pdf_lines(out, lines, x + CELL_PAD, width - 2 * CELL_PAD, align)


def _pdf_header(out, doc: ReportDocument) -> None:  # type: ignore[no-untyped-def]
    top = float(out.get_y())
    left = [(t, "", BODY_PT) for t in doc.issuer_parent]
    left += [(t, "B", BODY_PT) for t in doc.issuer_name]
    left += [("*", "", BODY_PT), (doc.number, "", BODY_PT)]
    bottom_left = _pdf_cell_lines(out, left, LEFT_MM, HEADER_COLUMNS[0])
    out.set_y(top)
    right_x = LEFT_MM + HEADER_COLUMNS[0]
    _pdf_cell_lines(out, [(PARTY, "BU", 15), ("", "", BODY_PT)], right_x, HEADER_COLUMNS[1])
    bottom_right = _pdf_cell_lines(out, [(doc.place_date, "I", BODY_PT)], right_x,
                                   HEADER_COLUMNS[1], align="R")
    out.set_xy(LEFT_MM, max(bottom_left, bottom_right))


def _pdf_block(out, block: Heading | Paragraph | Table,  # type: ignore[no-untyped-def]
               following: list[Heading | Paragraph | Table] | None = None) -> None:
    if isinstance(block, Table):
        _pdf_table(out, block)
        return
    style = "B" if isinstance(block, Heading) else "I" if block.italic else ""
    text = _paragraph_text(block)
    lines = _pdf_line_count(out, text, style)
    space = out.page_break_trigger - out.get_y()
    if isinstance(block, Heading):
        # keep with next, as in the DOCX: the heading, the headings right after it and the
        # first lines of the paragraph they lead to
        if lines * PITCH + GAP + _kept_with_heading(out, following or []) > space:
            out.add_page()
    elif _widowed(lines, int(space / PITCH)):
        out.add_page()
    _pdf_paragraph(out, text, style)


def _kept_with_heading(out, following: list[Heading | Paragraph | Table]) -> float:  # type: ignore[no-untyped-def]
    """The height that must follow a heading on its page."""
    height = 0.0
    for block in following:
        if isinstance(block, Table):
            break
        heading = isinstance(block, Heading)
        count = _pdf_line_count(out, _paragraph_text(block), "B" if heading else "")
        if not heading:
            return height + (count if count <= 3 else 2) * PITCH  # see _widowed
        height += count * PITCH + GAP
    return height


def _widowed(lines: int, room: int) -> bool:
    """Word's widow and orphan control, which the DOCX asks for: a paragraph that does not
    fit moves to the next page when its split would leave a single line on either page.
    (Word would rather move one more line of a long paragraph; this moves none.)"""
    if lines <= room:
        return False
    return room < 2 or lines - room < 2 and lines <= 3


def _pdf_line_count(out, text: str, style: str) -> int:  # type: ignore[no-untyped-def]
    """How many lines text_columns will need for a body paragraph (greedy word wrap)."""
    out.set_font(PDF_FONT, style, BODY_PT)
    space = out.get_string_width(" ")
    width, count, used = TEXT_W - FIRST_LINE_MM, 1, 0.0
    for word in text.split():
        needed = out.get_string_width(word) + (space if used else 0)
        if used and used + needed > width:
            count, used, width = count + 1, out.get_string_width(word), TEXT_W
        else:
            used += needed
    return count


def _pdf_paragraph(out, text: str, style: str) -> None:  # type: ignore[no-untyped-def]
    out.set_font(PDF_FONT, style, BODY_PT)
    with out.text_columns(text_align="J", line_height=LINE) as column, column.paragraph(
            first_line_indent=FIRST_LINE_MM, bottom_margin=GAP) as paragraph:
        paragraph.write(text)


def _pdf_table(out, block: Table) -> None:  # type: ignore[no-untyped-def]
    """Caption and table on one page (the heading row repeats if a long one must split)."""
    if len(block.rows) <= MAX_WHOLE_ROWS:
        _keep_together(out, lambda pdf: _pdf_table_rows(pdf, block))
    else:
        _pdf_table_rows(out, block)


def _pdf_table_rows(out, block: Table) -> None:  # type: ignore[no-untyped-def]
    from fpdf.fonts import FontFace

    if block.caption:
        _pdf_paragraph(out, f"- {block.caption}", "")
    out.set_font(PDF_FONT, "", TABLE_PT)
    aligns: Any = ("CENTER", *["RIGHT"] * (len(block.columns) - 1))
    bold = FontFace(emphasis="BOLD")
    with out.table(col_widths=_column_widths(block), width=TEXT_W, align="LEFT",
                   text_align=aligns, line_height=TABLE_PT * LINE * PT_MM,
                   first_row_as_headings=True, padding=(0.1, CELL_PAD), v_align="TOP") as table:
        for values in [block.columns, *block.rows]:
            row = table.row()
            for value in values:
                row.cell(value)
        if block.total:
            row = table.row()
            for value in block.total:
                row.cell(value, style=bold)
    out.ln(PITCH)  # the DOCX's empty paragraph after the table


def _pdf_closing(out, doc: ReportDocument) -> None:  # type: ignore[no-untyped-def]
    out.ln(PITCH)
    top = float(out.get_y())
    left = [("Nơi nhận:", "U", BODY_PT)] + [(f"- {name}", "", RECIPIENT_PT)
                                            for name in doc.recipients]
    bottom_left = _pdf_cell_lines(out, left, LEFT_MM, CLOSING_COLUMNS[0], align="L")
    out.set_y(top)
    right = [(line, "B", BODY_PT) for line in doc.signer_title]
    right += [("", "", BODY_PT)] * SIGNATURE_GAP + [(doc.signer_name, "B", BODY_PT)]
    bottom_right = _pdf_cell_lines(out, right, LEFT_MM + CLOSING_COLUMNS[0],
                                   CLOSING_COLUMNS[1])
    out.set_xy(LEFT_MM, max(bottom_left, bottom_right))
