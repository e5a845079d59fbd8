"""The words of a status report, laid out as a Party document (Hướng dẫn 36-HD/VPTW):
issuing body and number top left, "ĐẢNG CỘNG SẢN VIỆT NAM" with place and date top right,
the title, sections I-III, "Nơi nhận" and the signer.

The report is an official Vietnamese document, so its wording is Vietnamese whatever the
interface language. `compose` turns ReportData into a format-neutral ReportDocument, which
domain/report_render.py prints as Markdown, DOCX or PDF: the three can never differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain import numbering
from domain.reports import DataEntryLine, Period, ReportData, SectionText
from domain.text import vn_date

PARTY = "ĐẢNG CỘNG SẢN VIỆT NAM"
TITLE = "BÁO CÁO"
# Used until the settings report.subject / report.software exist (see README of reports).
DEFAULT_SUBJECT = ("Hoạt động của Ban Biên tập trang thông tin điện tử của huyện và vận hành "
                   "các phần mềm khối Đảng")
DEFAULT_SOFTWARE = "IDOC"
TOP_UNITS = 5
MAX_NAMES = 8
# Hướng dẫn 36-HD/VPTW: every kind of Party document, by its abbreviation in the number.
PARTY_DOC_TYPES = ("NQ", "QĐ", "CT", "KL", "QC", "QĐi", "TT", "HD", "BC", "KH", "QHo", "CTr",
                   "TB", "TC", "TTr", "ĐA", "PA", "DA", "CV", "CĐ", "BB", "GCN", "GGT", "GM",
                   "GĐĐ", "GNP", "PG", "PC")
# The register knows most of them (numbering.DOC_TYPES); these it does not (yet) number. A
# state "Quy định" is QyĐ in the register, a plain Quy định in a sentence.
DOC_LABELS = {**numbering.DOC_TYPES, "QHo": "Quy hoạch", "DA": "Dự án",
              "GCN": "Giấy chứng nhận", "GĐĐ": "Giấy đi đường", "GNP": "Giấy nghỉ phép",
              "PG": "Phiếu gửi", "PC": "Phiếu chuyển", "QyĐ": "Quy định"}
MISSING_TEXT = "(Chưa có nội dung: nhập bằng lệnh bbt report text hoặc trong giao diện.)"


# ---------------------------------------------------------------- the document model


@dataclass
class Heading:
    text: str
    level: int  # 1: I. II. III.   2: 1. 2. 3.


@dataclass
class Paragraph:
    text: str
    bullet: str = ""  # "-" or "+" as Vietnamese reports write them, or ""
    italic: bool = False


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    total: list[str] | None = None
    caption: str = ""  # printed just before the table and never on another page


Block = Heading | Paragraph | Table


@dataclass
class ReportDocument:
    issuer_parent: list[str]  # HUYỆN ỦY BẢO LÂM (upright)
    issuer_name: list[str]  # BAN BIÊN TẬP ... (bold)
    number: str  # "Số 117-BC/BBT", or "Số      -BC/BBT" on a draft
    place_date: str  # "Bảo Lâm, ngày 13 tháng 6 năm 2022"
    title: str
    subtitle: str
    body: list[Block] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    signer_title: list[str] = field(default_factory=list)
    signer_name: str = ""
    footnote: str = ""  # a registered report's audit head, small, after the signature
    # The file's metadata: the board as author, and the report's date (ISO, so that a
    # stored snapshot stays plain JSON) as the creation date, never "now": a reprint must
    # come out byte for byte the same.
    author: str = ""
    report_date: str = ""

    @property
    def description(self) -> str:
        """"Báo cáo hoạt động ... 6 tháng đầu năm 2022": the file's title."""
        return f"{TITLE.capitalize()} {lower_first(self.subtitle)}"

    def plain_text(self) -> str:
        """Every word of the document once, for tests and search."""
        parts = [*self.issuer_parent, *self.issuer_name, "*", self.number, PARTY, self.place_date, self.title,
                 self.subtitle]
        for block in self.body:
            if isinstance(block, Table):
                parts += [block.caption] if block.caption else []
                rows = [block.columns, *block.rows, *([block.total] if block.total else [])]
                parts += [" ".join(row) for row in rows]
            else:
                parts.append(block.text)
        return "\n".join([*parts, "Nơi nhận:", *self.recipients, *self.signer_title,
                          self.signer_name])


# ---------------------------------------------------------------- Vietnamese wording


def vn_int(value: int) -> str:
    """33000 -> 33.000 (Vietnamese groups thousands with dots)."""
    return f"{value:,}".replace(",", ".")


def vn_percent(part: int, whole: int) -> str:
    if whole == 0:
        return "0%"
    text = f"{100 * part / whole:.1f}".removesuffix(".0").replace(".", ",")
    return f"{text}%"


def thousands(value: int) -> str:
    """33000 -> "33 nghìn"; 33450 -> "khoảng 33 nghìn" (the reference's wording)."""
    if value < 1000:
        return vn_int(value)
    rounded = round(value / 1000)
    return f"{'' if rounded * 1000 == value else 'khoảng '}{vn_int(rounded)} nghìn"


def long_date(day: date) -> str:
    """ngày 08 tháng 02 năm 2022: days below 10 and months 1-2 take a leading zero (Nghị
    định 30/2020 and Hướng dẫn 36-HD/VPTW)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def period_phrase(p: Period) -> str:
    if p.kind == "monthly":
        return f"tháng {p.index} năm {p.year}"
    if p.kind == "half-year":
        return f"6 tháng {'đầu' if p.index == 1 else 'cuối'} năm {p.year}"
    return f"năm {p.year}"


def entry_period(key: str) -> str:
    """2021 -> năm 2021; 2022-Q1 -> quý I/2022."""
    year, _sep, quarter = key.partition("-Q")
    return f"quý {'I' * int(quarter) if quarter != '4' else 'IV'}/{year}" if quarter \
        else f"năm {year}"


def lower_first(text: str) -> str:
    """A title quoted mid-sentence starts in lower case, as the reference writes về “thành lập
    Ban Biên tập...”; a proper name (Đảng, or two capitalised words) or an acronym stays."""
    words = text.split(maxsplit=2)
    if not words or len(words[0]) < 2 or not words[0][1].islower() or words[0] == "Đảng":
        return text
    if len(words) > 1 and words[1][:1].isupper():
        return text
    return text[0].lower() + text[1:]


def doc_label(doc_type: str) -> str:
    """The word a sentence calls a document by: QĐ Quyết định, QĐi Quy định, ..."""
    return DOC_LABELS.get(doc_type, "Văn bản")


def visits(count: int) -> str:
    """33000 -> "33 nghìn lượt (33.000)": website visits are counted as visits, not people."""
    return f"{thousands(count)} lượt ({vn_int(count)})" if count >= 1000 else \
        f"{vn_int(count)} lượt"


@dataclass
class Ranking:
    """Names with their counts, the largest first. `leader` is set only when one name leads
    alone: only then may the report say "nhiều nhất" (four units tied at 6 have no "most")."""
    shown: list[str]
    more: int  # names left out of `shown`
    leader: bool

    @classmethod
    def of(cls, counts: list[tuple[str, int]], unit: str, limit: int = TOP_UNITS) -> Ranking:
        ordered = sorted(counts, key=lambda item: (-item[1], item[0]))
        leader = len(ordered) >= 2 and ordered[0][1] > ordered[1][1]
        shown = [f"{name} ({vn_int(count)} {unit})" for name, count in ordered[:limit]]
        return cls(shown, max(0, len(ordered) - limit), leader)

    def rest(self) -> str:
        """The names after the leader, then how many more."""
        names = "; ".join(self.shown[1:] if self.leader else self.shown)
        more = f" và {self.more} đơn vị khác" if self.more else ""
        return f"{names}{more}"


def joined(items: list[str], limit: int = MAX_NAMES) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} và {len(items) - limit} đơn vị khác"


# ---------------------------------------------------------------- composition


@dataclass
class Context:
    settings: dict[str, str]
    number: str | None  # the registered number, e.g. 117-BC/BBT; None on a preview
    report_date: date
    texts: dict[str, SectionText]
    unit_names: dict[str, str] = field(default_factory=dict)

    def setting(self, key: str, default: str = "") -> str:
        return (self.settings.get(key) or default).strip()


def compose(data: ReportData, ctx: Context) -> ReportDocument:
    p = data.period
    subject = ctx.setting("report.subject", DEFAULT_SUBJECT)
    org_code = ctx.setting("org.code", "BBT")
    blank = f"Số {' ' * 5}-BC/{org_code}"
    doc = ReportDocument(
        issuer_parent=_lines(ctx.setting("org.parent")),
        issuer_name=_lines(ctx.setting("org.name")),
        number=f"Số {ctx.number}" if ctx.number else blank,
        place_date=f"{ctx.setting('place')}, {long_date(ctx.report_date)}",
        title=TITLE,
        subtitle=f"{subject} {period_phrase(p)}",
        recipients=_recipients(ctx.setting("report.recipients")),
        signer_title=_lines(ctx.setting("signer.title")),
        signer_name=ctx.setting("signer.name"),
        author=" ".join(_lines(ctx.setting("org.name"))),
        report_date=ctx.report_date.isoformat(),
    )
    doc.body += [Heading(f"I. Kết quả thực hiện {period_phrase(p)}", 1)]
    doc.body += _direction(data)
    doc.body += _website(data, ctx)
    doc.body += _software(data, ctx)
    doc.body += _text_section("II. Đánh giá chung", ctx.texts.get("assessment"))
    doc.body += _text_section("III. Nhiệm vụ trọng tâm thời gian tới", ctx.texts.get("tasks"))
    return doc


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _recipients(value: str) -> list[str]:
    """One recipient a line; each ends with a comma, the last ("Lưu ...") with a full stop."""
    names = [line.strip().rstrip(",.") for line in value.splitlines() if line.strip()]
    return [f"{name}{'.' if i == len(names) - 1 else ','}" for i, name in enumerate(names)]


def _direction(data: ReportData) -> list[Block]:
    blocks: list[Block] = [Heading("1. Công tác chỉ đạo, điều hành", 2)]
    if not data.directives:
        return [*blocks, Paragraph("Trong kỳ không ban hành văn bản chỉ đạo, điều hành mới.",
                                   "-")]
    for doc in data.directives:
        issuer = data.issuer_names.get(doc.issuer_id, "")
        blocks.append(Paragraph(f"{doc_label(doc.doc_type)} số {doc.number}, "
                                f"{long_date(doc.date)} của {issuer} về “{lower_first(doc.title)}”.",
                                "-"))
    return blocks


def _website(data: ReportData, ctx: Context) -> list[Block]:
    t = data.totals
    blocks: list[Block] = [Heading("2. Hoạt động trang thông tin điện tử", 2)]
    blocks.append(Paragraph(_visits_line(data), "-"))
    months = [m for m in data.months if m["news"] or m["features"] or m["photos"]]
    text = f"Về đưa tin bài: số tin bài đã đăng lên trang thông tin điện tử là {_items(t)}."
    if data.period.kind != "monthly" and months:
        text += " Trong đó: " + "; ".join(f"tháng {m['month']} là {_items(m)}"
                                          for m in months) + "."
    if t["slogans"]:
        text += (f" Ngoài ra, đã đăng {vn_int(t['slogans'])} câu khẩu hiệu tuyên truyền các "
                 "ngày lễ lớn, sự kiện trọng đại của đất nước, của địa phương.")
    blocks.append(Paragraph(text, "-"))
    blocks.append(Paragraph(f"Cập nhật văn bản lên trang thông tin điện tử: trong kỳ đã đưa "
                            f"lên {vn_int(t['documents'])} văn bản các loại.", "-"))
    if data.contributors:
        blocks.append(Paragraph(_contributors_line(data.contributors), "-"))
    blocks += [Paragraph(text, "-") for text in _quota_lines(data.unit_articles)]
    blocks.append(_monthly_table(data))
    return blocks


def _visits_line(data: ReportData) -> str:
    """The cumulative visits, and the monthly average over the months that have a count."""
    text = (f"Số lượt truy cập trang thông tin điện tử tính đến ngày {vn_date(data.as_of)} là "
            f"{visits(data.visitors_cumulative)}")
    if data.visitor_months:
        text += (f"; trung bình mỗi tháng khoảng {vn_int(data.visitors_average)} lượt truy "
                 f"cập")
        begun = sum(1 for m in data.months if date(data.period.year, m["month"], 1) <= data.as_of)
        if data.visitor_months < begun:
            text += f" (tính trên {data.visitor_months} tháng có số liệu)"
    return text + "."


def _items(row: dict[str, int]) -> str:
    """"4 tin và 16 ảnh", or "4 tin, 1 bài và 16 ảnh" when features were published too."""
    parts = [f"{vn_int(row['news'])} tin"]
    if row["features"]:
        parts.append(f"{vn_int(row['features'])} bài")
    return f"{', '.join(parts)} và {vn_int(row['photos'])} ảnh"


def _contributors_line(rows: list[dict[str, Any]]) -> str:
    per_unit: dict[str, int] = {}
    names = {row["unit"]: row["unit_name"] for row in rows}
    for row in rows:
        per_unit[row["unit"]] = per_unit.get(row["unit"], 0) + row["items"]
    ranking = Ranking.of([(names[code], n) for code, n in per_unit.items()], "tin, bài")
    if not ranking.leader:
        return f"Các đơn vị cung cấp tin, bài: {ranking.rest()}."
    text = f"Đơn vị cung cấp nhiều tin, bài nhất: {ranking.shown[0]}"
    return text + (f"; tiếp theo: {ranking.rest()}." if ranking.rest() else ".")


def _quota_lines(figures: dict[str, Any]) -> list[str]:
    """Each unit's articles against the quota, and the units that sent nothing, named in full:
    the units the board has to chase (editorial.units_against_quota)."""
    rows = figures["units"]
    if not rows:
        return []
    lines = []
    if figures["quota"]:
        met = sum(1 for r in rows if r["met"])
        lines.append(f"Chỉ tiêu gửi tin, bài: {vn_int(figures['quota_per_month'])} tin, bài mỗi "
                     f"đơn vị mỗi tháng ({vn_int(figures['quota'])} tin, bài trong kỳ); "
                     f"{met}/{len(rows)} đơn vị đạt chỉ tiêu.")
        below = [f"{r['name']} ({vn_int(r['sent'])}/{vn_int(r['quota'])})"
                 for r in rows if not r["met"] and not r["silent"]]
        if below:
            lines.append(f"Đơn vị chưa đạt chỉ tiêu (đã gửi/chỉ tiêu): {'; '.join(below)}.")
    silent = [r["name"] for r in rows if r["silent"]]
    if silent:
        lines.append(f"Đơn vị không gửi tin, bài nào trong kỳ ({len(silent)}/{len(rows)}): "
                     f"{', '.join(silent)}.")
    else:
        lines.append(f"Cả {len(rows)} đơn vị đều đã gửi tin, bài trong kỳ.")
    return lines


MONTH_COLUMNS = [("news", "Tin"), ("features", "Bài"), ("photos", "Ảnh"),
                 ("slogans", "Khẩu hiệu"), ("documents", "Văn bản đăng"),
                 ("visitors", "Lượt truy cập"), ("docs_issued", "VB phát hành"),
                 ("docs_received", "VB đến"), ("deliveries_overdue", "Quá hạn xử lý")]


def _monthly_table(data: ReportData) -> Table:
    return Table(
        caption="Số liệu theo tháng:",
        columns=["Tháng", *(label for _key, label in MONTH_COLUMNS)],
        rows=[[f"{m['month']}/{data.period.year}", *(vn_int(m[key]) for key, _l in MONTH_COLUMNS)]
              for m in data.months],
        total=["Tổng cộng", *(vn_int(data.totals[key]) for key, _l in MONTH_COLUMNS)],
    )


def _software(data: ReportData, ctx: Context) -> list[Block]:
    software = ctx.setting("report.software", DEFAULT_SOFTWARE)
    blocks: list[Block] = [Heading("3. Vận hành các phần mềm khối Đảng", 2)]
    blocks.append(Paragraph("Nhập liệu vào hệ thống thông tin tổng hợp:", "-"))
    blocks += [Paragraph(text, "+") for text in _dataentry_lines(data.dataentry)] or [
        Paragraph("Chưa có số liệu nhập liệu.", "+")]
    blocks.append(Paragraph(f"Gửi nhận văn bản trên phần mềm {software}:", "-"))
    blocks += [Paragraph(text, "+") for text in _routing_lines(data, software)]
    blocks.append(Paragraph(_signature_line(data), "-"))
    return blocks


def _dataentry_lines(lines: list[DataEntryLine]) -> list[str]:
    """Units with the same standing in the same subsystem share one line, the complete ones
    first: "Văn phòng Huyện ủy, Ban Tổ chức Huyện ủy (phân hệ Khối Đảng): đã nhập liệu từ
    năm 2015 đến năm 2021"."""
    groups: dict[tuple[str, bool, str], list[str]] = {}
    for line in lines:
        groups.setdefault((line.subsystem, bool(line.missing), _standing(line)), []).append(
            line.name)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    return [f"{joined(names)} (phân hệ {subsystem}): {standing}."
            for (subsystem, _behind, standing), names in ordered]


def _standing(line: DataEntryLine) -> str:
    if line.entered_through is None:
        entered = "chưa nhập liệu"
    elif line.first == line.entered_through:
        entered = f"đã nhập liệu {entry_period(line.first)}"
    else:
        entered = (f"đã nhập liệu từ {entry_period(line.first or line.entered_through)} "
                   f"đến {entry_period(line.entered_through)}")
    if line.missing and line.entered_through is not None:
        missing = ", ".join(entry_period(x) for x in line.missing)
        return f"{entered}; {missing} chưa cập nhật"
    return entered


def _routing_lines(data: ReportData, software: str) -> list[str]:
    lines = []
    if data.trainings:
        count = len(data.trainings)
        others = data.trained_units - data.trained_grassroots
        topics = "; ".join(f"{t['topic']}, {long_date(t['date'])}" for t in data.trainings[:3])
        lines.append(
            f"Đã tổ chức {count} lớp tập huấn cho {data.trained_grassroots} tổ chức cơ sở Đảng "
            f"trực thuộc{f' và {others} đơn vị khác' if others else ''} ({topics}); hướng dẫn "
            f"cách sử dụng gửi và nhận văn bản trên phần mềm {software}.")
    else:
        lines.append("Trong kỳ không tổ chức tập huấn.")
    lines.append(f"Đã tạo {vn_int(data.accounts_created)} tài khoản và cung cấp tài khoản sử "
                 f"dụng cho từng đơn vị, địa phương.")
    lines.append(
        f"Đến nay {vn_percent(data.grassroots_routing, data.grassroots_total)} "
        f"({data.grassroots_routing}/{data.grassroots_total}) các tổ chức cơ sở Đảng trực "
        f"thuộc đã sử dụng gửi nhận văn bản trên phần mềm {software} (đã xác nhận nhận văn "
        f"bản gửi trong kỳ).")
    lines.append(_deliveries_line(data))
    t = data.totals
    lines.append(f"Văn bản đi, đến: đã phát hành {vn_int(t['docs_issued'])} văn bản, tiếp "
                 f"nhận {vn_int(t['docs_received'])} văn bản đến.")
    return lines


def _deliveries_line(data: ReportData) -> str:
    d = data.deliveries
    if not d.sent:
        return "Trong kỳ chưa gửi văn bản đến các đơn vị."
    text = (f"Trong kỳ đã gửi {vn_int(d.sent)} lượt văn bản đến {vn_int(d.units)} đơn vị; đã "
            f"xử lý xong {vn_int(d.done)} lượt, {vn_int(d.unacknowledged)} lượt chưa xác nhận "
            f"đã nhận; {vn_int(d.overdue)} lượt quá hạn xử lý tính đến ngày "
            f"{vn_date(data.as_of)}")
    if d.late_units:
        ranking = Ranking.of([(r["name"], r["overdue"]) for r in d.late_units], "lượt")
        if ranking.leader:
            text += f", nhiều nhất ở {ranking.shown[0]}"
            text += f"; tiếp theo: {ranking.rest()}" if ranking.rest() else ""
        else:
            text += f", tại: {ranking.rest()}"
    return text + "."


def _signature_line(data: ReportData) -> str:
    text = (f"Việc sử dụng chữ ký số: {vn_int(data.signed)}/{vn_int(data.issued)} văn bản "
            f"phát hành trong kỳ ({vn_percent(data.signed, data.issued)}) có chữ ký số")
    if data.signers:
        text += f"; các đơn vị đã ký số: {joined(data.signers)}"
    return text + "."


def _text_section(heading: str, text: SectionText | None) -> list[Block]:
    blocks: list[Block] = [Heading(heading, 1)]
    if text is None or not text.text.strip():
        return [*blocks, Paragraph(MISSING_TEXT, italic=True)]
    for line in text.text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped[:2] in ("- ", "+ "):
            blocks.append(Paragraph(stripped[2:].strip(), stripped[0]))
        elif _is_subheading(stripped):
            blocks.append(Heading(stripped, 2))
        else:
            blocks.append(Paragraph(stripped))
    return blocks


def _is_subheading(line: str) -> bool:
    """"1. Ưu điểm:" and "3.Nguyên nhân ...:" are sub-headings; numbered tasks are not."""
    head, dot, rest = line.partition(".")
    return bool(dot) and head.isdigit() and rest.strip().endswith(":") and len(rest) < 80
