"""Official status reports: the periods they cover, the figures of section I, the texts of
sections II and III, and a consistency check.

Every figure comes from the domain modules that own it (stats, articles, documents, units,
dataentry); this module only puts them side by side for one period. Totals are sums of the
months shown, so a printed report cannot contradict itself (the hand-typed reference said
191 photos where its months add up to 291), and `consistency` proves it against a fresh
`stats.monthly`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from domain import (
    articles,
    audit,
    dataentry,
    documents,
    editorial,
    scope,
    signatures,
    stats,
    units,
    vocab,
)
from domain import settings as settings_
from domain.auth import Actor, require
from domain.errors import BBTError
from domain.i18n import _
from domain.text import nfc
from models import Account, Document, ReportText, Unit

KINDS = ("monthly", "half-year", "annual")
SECTIONS = ("assessment", "tasks")
FIGURES = stats.FIGURES
# Documents of the issuing body and its committee that are not "direction" (chỉ đạo, điều
# hành): reports are what the board itself writes about the period.
NOT_DIRECTIVES = ("BC",)
MAX_DIRECTIVES = 20


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    index: int | None = None  # the month (monthly) or the half (half-year)

    @property
    def key(self) -> str:
        """The key report texts are stored under: 2022-06, 2022-H1, 2022."""
        if self.kind == "monthly":
            return f"{self.year:04d}-{self.index:02d}"
        if self.kind == "half-year":
            return f"{self.year:04d}-H{self.index}"
        return f"{self.year:04d}"

    @property
    def months(self) -> list[int]:
        if self.kind == "monthly":
            return [self.index or 1]
        if self.kind == "half-year":
            first = 1 if self.index == 1 else 7
            return list(range(first, first + 6))
        return list(range(1, 13))

    @property
    def start(self) -> date:
        return date(self.year, self.months[0], 1)

    @property
    def end(self) -> date:
        """The first day after the period."""
        last = self.months[-1]
        return date(self.year + last // 12, last % 12 + 1, 1)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def previous(self) -> Period:
        if self.kind == "monthly":
            month = self.index or 1
            return Period("monthly", self.year - (month == 1), 12 if month == 1 else month - 1)
        if self.kind == "half-year":
            return Period("half-year", self.year - (self.index == 1), 2 if self.index == 1 else 1)
        return Period("annual", self.year - 1)


def period(kind: str, year: int, half: int | None = None, month: int | None = None) -> Period:
    """Validate the options of `bbt report KIND` into a Period."""
    kind = vocab.code("report_kind", kind)
    if kind not in KINDS:
        raise BBTError(_("Report kind '{kind}' is unknown; use one of {kinds}.").format(
            kind=kind, kinds=", ".join(KINDS)))
    if not 1900 <= year <= 9998:
        raise BBTError(_("Year {year} is out of range.").format(year=year))
    if kind == "monthly":
        if month is None or not 1 <= month <= 12:
            raise BBTError(_("A monthly report needs --month between 1 and 12."))
        return Period(kind, year, month)
    if kind == "half-year":
        if half not in (1, 2):
            raise BBTError(_("A half-year report needs --half 1 or 2."))
        return Period(kind, year, half)
    return Period(kind, year)


_KEY_PATTERNS = {
    "monthly": re.compile(r"^(\d{4})-(\d{2})$"),
    "half-year": re.compile(r"^(\d{4})-H([12])$"),
    "annual": re.compile(r"^(\d{4})$"),
}
_KEY_EXAMPLES = {"monthly": "2022-06", "half-year": "2022-H1", "annual": "2022"}


def parse_period(kind: str, key: str) -> Period:
    """A stored period key back into a Period: 2022-06, 2022-H1 or 2022 by kind."""
    kind = vocab.code("report_kind", kind)
    if kind not in KINDS:
        period(kind, 2000)  # raises the one-sentence error
    match = _KEY_PATTERNS[kind].match(nfc(key).upper())
    if not match:
        raise BBTError(_("Period '{key}' of a {kind} report is written like {example}.").format(
            key=key, kind=kind, example=_KEY_EXAMPLES[kind]))
    year = int(match[1])
    index = int(match[2]) if kind != "annual" else None
    if kind == "monthly":
        return period(kind, year, month=index)
    return period(kind, year, half=index)


def as_of_date(p: Period, report_date: date) -> date:
    """The day the figures are "as of": the report's date, or the period's last day when
    the report is printed later (so that a late reprint shows the same overdue figures)."""
    return min(report_date, p.last_day)


# ---------------------------------------------------------------- section I figures


@dataclass
class DeliveryFigures:
    sent: int = 0
    unacknowledged: int = 0
    done: int = 0
    overdue: int = 0
    units: int = 0
    late_units: list[dict[str, Any]] = field(default_factory=list)  # every unit, late first


@dataclass
class DataEntryLine:
    subsystem: str
    unit: str
    name: str
    first: str | None  # the first period entered
    entered_through: str | None  # the end of the unbroken run from the first period
    missing: list[str]


@dataclass
class ReportData:
    period: Period
    as_of: date
    months: list[dict[str, int]]  # stats.monthly rows of the period's months
    totals: dict[str, int]  # sums of `months`
    accounts_created: int
    trainings: list[dict[str, Any]]  # date, topic, units (codes)
    trained_units: int
    trained_grassroots: int
    grassroots_total: int
    grassroots_routing: int  # grassroots units that acknowledged a delivery of the period
    deliveries: DeliveryFigures
    signed: int
    issued: int  # outgoing documents dated in the period (the signed share's denominator)
    signers: list[str]  # codes of the units that signed documents of the period
    visitors_cumulative: int
    visitors_before: int  # cumulative at the day before the period
    visitors_average: int
    visitor_months: int
    contributors: list[dict[str, Any]]  # articles.contributors rows of the period
    # editorial.units_against_quota of the period: each unit's articles sent against the
    # quota (setting article_quota per month, times the period's months), the silent units
    unit_articles: dict[str, Any]
    dataentry: list[DataEntryLine]
    directives: list[Document]
    issuer_names: dict[int, str]


def build(session: Session, actor: Actor, p: Period, report_date: date) -> ReportData:
    """Every figure of section I, computed from the records through their domain modules."""
    require(actor, "read")
    as_of = as_of_date(p, report_date)
    # A scoped actor's report counts its subtree only (domain.scope), as if alone.
    months, totals = _months(session, actor, p, as_of)
    grassroots = {u.code for u in units.listing(session, "grassroots", actor=actor) if u.active}
    trainings, trained, trained_grassroots = _trainings(session, actor, p, as_of, grassroots)
    deliveries, routing = _deliveries(session, actor, p, as_of, grassroots)
    issued, signed, signers = _signatures(session, actor, p, as_of)
    counted = visits_counted(months, p.year, as_of)
    directives, issuer_names = _directives(session, actor, p, as_of)
    return ReportData(
        period=p, as_of=as_of, months=months, totals=totals,
        accounts_created=_accounts_created(session, actor, p, as_of),
        trainings=trainings, trained_units=trained, trained_grassroots=trained_grassroots,
        grassroots_total=len(grassroots), grassroots_routing=routing, deliveries=deliveries,
        signed=signed, issued=issued, signers=signers,
        visitors_cumulative=articles.cumulative_visits(session, as_of),
        visitors_before=articles.cumulative_visits(session, p.start - timedelta(days=1)),
        visitors_average=round(sum(counted) / len(counted)) if counted else 0,
        visitor_months=len(counted),
        contributors=_contributors(session, actor, p, as_of),
        unit_articles=editorial.units_against_quota(
            session, start=p.start, end=_cutoff(p, as_of), months=len(p.months), actor=actor),
        dataentry=_dataentry(session, p),
        directives=directives, issuer_names=issuer_names,
    )


def visits_counted(months: list[dict[str, int]], year: int, as_of: date) -> list[int]:
    """The visits of the months begun by `as_of` that have a count: a monthly average over
    months not counted (yet) would understate it."""
    return [m["visitors"] for m in months
            if date(year, m["month"], 1) <= as_of and m["visitors"]]


def _months(session: Session, actor: Actor, p: Period, as_of: date
            ) -> tuple[list[dict[str, int]], dict[str, int]]:
    result = stats.monthly(session, p.year, p.index if p.kind == "monthly" else None,
                           today=as_of, through=as_of, actor=actor)
    months = [m for m in result["months"] if m["month"] in p.months]
    return months, {key: sum(m[key] for m in months) for key in FIGURES}


def _midnight(day: date) -> datetime:
    # The same boundary documents.unit_summary uses for timestamps.
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _cutoff(p: Period, as_of: date) -> date:
    """The first day not counted: the period's end, or the day after the report's date
    (--date D counts only what is dated on or before D)."""
    return min(p.end, as_of + timedelta(days=1))


def _accounts_created(session: Session, actor: Actor, p: Period, as_of: date) -> int:
    query = select(func.count(col(Account.id))).where(
        col(Account.created_at) >= _midnight(p.start),
        col(Account.created_at) < _midnight(_cutoff(p, as_of)))
    return int(session.exec(scope.where_units(query, actor, Account.unit_id)).one())


def _trainings(session: Session, actor: Actor, p: Period, as_of: date, grassroots: set[str]
               ) -> tuple[list[dict[str, Any]], int, int]:
    """Trainings held in the period, how many units attended, how many were grassroots."""
    end = _cutoff(p, as_of)
    held = units.trainings(session, start=p.start, end=end, actor=actor)
    attended = {code for _t, codes in held for code in codes}
    rows = [{"date": t.date, "topic": t.topic, "units": codes} for t, codes in held]
    return rows, len(attended), len(attended & grassroots)


def _deliveries(session: Session, actor: Actor, p: Period, as_of: date, grassroots: set[str]
                ) -> tuple[DeliveryFigures, int]:
    """Deliveries sent in the period, per unit, and how many grassroots units took part."""
    rows = documents.unit_summary(session, on=as_of, start=p.start, end=_cutoff(p, as_of),
                                  actor=actor)
    figures = DeliveryFigures(
        sent=sum(r["deliveries"] for r in rows),
        unacknowledged=sum(r["unacknowledged"] for r in rows),
        done=sum(r["done"] for r in rows),
        overdue=sum(r["overdue"] for r in rows),
        units=len(rows),
        late_units=[r for r in rows if r["overdue"]],
    )
    routing = sum(1 for r in rows
                  if r["unit"] in grassroots and r["deliveries"] > r["unacknowledged"])
    return figures, routing


def _signatures(session: Session, actor: Actor, p: Period, as_of: date
                ) -> tuple[int, int, list[str]]:
    """Outgoing documents dated in the period, how many carry a legal digital signature (chữ ký
    số: an intact and trusted one, domain.signatures; BBT's own seal does not count), and by
    whom (withdrawn ones count nowhere)."""
    in_period = (Document.direction == "outgoing", col(Document.date) >= p.start,
                 col(Document.date) < _cutoff(p, as_of), col(Document.status) != "withdrawn")
    legally_signed = col(Document.id).in_(signatures.legally_signed_ids())
    signed_case = case((legally_signed, 1), else_=0)
    issued, signed = session.exec(scope.where_units(
        select(func.count(col(Document.id)), func.sum(signed_case)).where(*in_period),
        actor, Document.issuer_id)).one()
    signers = session.exec(scope.where_units(
        select(Unit.code).join(Document, col(Document.issuer_id) == Unit.id)
        .where(*in_period, legally_signed)
        .group_by(Unit.code).order_by(Unit.code), actor, Document.issuer_id))
    return int(issued or 0), int(signed or 0), list(signers)


def _contributors(session: Session, actor: Actor, p: Period, as_of: date
                  ) -> list[dict[str, Any]]:
    rows = articles.contributors(session, p.year, p.index if p.kind == "monthly" else None,
                                 through=as_of, actor=actor)
    return [r for r in rows if r["month"] in p.months]


def _dataentry(session: Session, p: Period) -> list[DataEntryLine]:
    """Each unit's data-entry standing for the periods that began before this report ends
    (a 2021 report does not complain about 2022-Q1)."""
    lines = []
    for sub in dataentry.matrix(session)["subsystems"]:
        periods = [x for x in sub["periods"] if _entry_period_start(x) < p.end]
        if not periods:
            continue
        for row in sub["units"]:
            line = dataentry.UnitLine(row["unit"], row["name"],
                                      {k: v for k, v in row["statuses"].items() if v})
            entered = [x for x in periods if line.statuses.get(x) in dataentry.DONE_STATUSES]
            lines.append(DataEntryLine(sub["subsystem"], row["unit"], row["name"],
                                       entered[0] if entered else None,
                                       line.entered_through(periods), line.missing(periods)))
    return lines


def _entry_period_start(key: str) -> date:
    year, _sep, quarter = key.partition("-Q")
    return date(int(year), 3 * int(quarter) - 2 if quarter else 1, 1)


def _directives(session: Session, actor: Actor, p: Period, as_of: date
                ) -> tuple[list[Document], dict[int, str]]:
    """Documents the issuing body and its committee issued in the period (decisions,
    regulations, plans...), the "chỉ đạo, điều hành" the report opens with."""
    org = _org_unit(session, actor)
    if org is None:
        return [], {}
    issuers = {org.id: org.name}
    parent = session.get(Unit, org.parent_id) if org.parent_id else None
    if parent is not None and scope.contains(actor, parent.id):
        issuers[parent.id] = parent.name
    found: list[Document] = []
    for unit in [parent, org]:
        if unit is None or not scope.contains(actor, unit.id):
            continue
        listed = documents.listing(session, actor, documents.Filters(
            direction="outgoing", unit=unit.code, date_from=p.start,
            date_to=min(p.last_day, as_of)))
        found += [d for d in listed if d.issuer_id == unit.id and d.status != "withdrawn"
                  and d.doc_type not in NOT_DIRECTIVES]
    found.sort(key=lambda d: (d.date, d.id or 0))
    return found[:MAX_DIRECTIVES], {k: v for k, v in issuers.items() if k is not None}


def _org_unit(session: Session, actor: Actor) -> Unit | None:
    """The issuing body: the board, or the root of a scoped actor's subtree."""
    if scope.is_scoped(actor):
        return session.get(Unit, actor.scope_unit_id) if actor.scope_unit_id else None
    code = settings_.get(session, "org.code") or "BBT"
    return session.exec(select(Unit).where(Unit.code == code)).first()


# ---------------------------------------------------------------- consistency


def consistency(data: ReportData, fresh: dict[str, Any]) -> list[str]:
    """Every mismatch between the report's figures, their parts, and a fresh
    stats.monthly of the same period; an empty list means the report is consistent."""
    problems: list[str] = []

    def differ(what: str, shown: int, expected: int, source: str) -> None:
        if shown != expected:
            problems.append(_("{what}: the report shows {shown}, {source} gives {expected}.")
                            .format(what=what, shown=shown, expected=expected, source=source))

    by_month = {m["month"]: m for m in fresh["months"]}
    for row in data.months:
        month = row["month"]
        for key in FIGURES:
            differ(f"{key} {data.period.year}-{month:02d}", row[key],
                   by_month.get(month, {}).get(key, 0), "stats monthly")
    for key in FIGURES:
        differ(_("total {key}").format(key=key), data.totals[key],
               sum(m[key] for m in data.months), _("the sum of its months"))
        if set(by_month) == set(data.period.months):
            differ(_("total {key}").format(key=key), data.totals[key], fresh["totals"][key],
                   "stats monthly")
    _check_contributors(data, differ)
    _check_parts(data, differ, problems)
    return problems


def _check_contributors(data: ReportData, differ) -> None:  # type: ignore[no-untyped-def]
    """The contributors' list counts the same published news, features and photos."""
    for row in data.months:
        mine = [c for c in data.contributors if c["month"] == row["month"]]
        label = f"{data.period.year}-{row['month']:02d}"
        for key in ("news", "features", "photos"):
            differ(_("{key} {month} by contributor").format(key=key, month=label),
                   sum(c[key] for c in mine), row[key], "stats monthly")


def _check_parts(data: ReportData, differ, problems: list[str]) -> None:  # type: ignore[no-untyped-def]
    differ(_("documents issued"), data.issued, data.totals["docs_issued"], "stats monthly")
    elapsed = sum(m["visitors"] for m in data.months
                  if date(data.period.year, m["month"], 1) <= data.as_of)
    differ(_("visitors in the period"), data.visitors_cumulative - data.visitors_before,
           elapsed, _("the sum of its months"))
    late = data.deliveries.late_units
    differ(_("overdue deliveries"), data.deliveries.overdue, sum(r["overdue"] for r in late),
           _("the sum of its units"))
    if data.signed > data.issued:
        problems.append(_("More documents are signed ({signed}) than issued ({issued}).")
                        .format(signed=data.signed, issued=data.issued))
    if data.grassroots_routing > data.grassroots_total:
        problems.append(_("More grassroots units use document routing ({n}) than exist "
                          "({total}).").format(n=data.grassroots_routing,
                                               total=data.grassroots_total))
    if data.trained_grassroots > data.trained_units:
        problems.append(_("More grassroots units were trained ({n}) than units ({total}).")
                        .format(n=data.trained_grassroots, total=data.trained_units))


def check(session: Session, actor: Actor, p: Period, report_date: date) -> list[str]:
    """Build the report's figures and compare them with a fresh stats.monthly."""
    data = build(session, actor, p, report_date)
    fresh = stats.monthly(session, p.year, p.index if p.kind == "monthly" else None,
                          today=data.as_of, through=data.as_of, actor=actor)
    return consistency(data, fresh)


# ---------------------------------------------------------------- sections II and III


@dataclass
class SectionText:
    text: str
    source: str | None  # the period the text was written for; None when there is none

    def inherited(self, p: Period) -> bool:
        return self.source is not None and self.source != p.key


def check_section(section: str) -> str:
    section = vocab.code("report_section", section)
    if section not in SECTIONS:
        raise BBTError(_("Report section '{section}' is unknown; use one of {sections}.")
                       .format(section=section, sections=", ".join(SECTIONS)))
    return section


def get_text(session: Session, p: Period, section: str) -> SectionText:
    """The section's text for this period, or else the latest earlier period's text of the
    same kind: a starting point the board edits instead of a blank page."""
    section = check_section(section)
    row = session.exec(
        select(ReportText).where(ReportText.kind == p.kind, ReportText.section == section,
                                 col(ReportText.period) <= p.key)
        .order_by(col(ReportText.period).desc()).limit(1)).first()
    return SectionText(row.text, row.period) if row else SectionText("", None)


def texts(session: Session, p: Period) -> dict[str, SectionText]:
    return {section: get_text(session, p, section) for section in SECTIONS}


def set_text(session: Session, actor: Actor, p: Period, section: str, text: str) -> None:
    """Store the board's text for one section of one period; empty text removes it (the
    previous period's text is offered again)."""
    require(actor, "reports.write")
    scope.require_unscoped(actor)  # the texts are the board's, for every district at once
    section = check_section(section)
    value = "\n".join(line.rstrip() for line in nfc(text).replace("\r\n", "\n").split("\n"))
    row = session.get(ReportText, (p.kind, p.key, section))
    previous = row.text if row else None
    if value == (previous or ""):
        return
    if value:
        row = row or ReportText(kind=p.kind, period=p.key, section=section)
        row.text = value
        session.add(row)
    elif row is not None:
        session.delete(row)
    audit.record(session, actor, "report.text", "report_text", f"{p.kind}/{p.key}/{section}",
                 text=value, previous=previous)


# ---------------------------------------------------------------- generation


@dataclass
class Generated:
    content: bytes
    texts: dict[str, SectionText]
    data: ReportData


def generate(session: Session, actor: Actor, p: Period, fmt: str = "md", *,
             report_date: date | None = None) -> Generated:
    """A draft report: computed, composed and rendered, with no number and nothing stored.
    Registering is domain.report_register's (the number is taken last, once per period)."""
    from domain import report_register

    draft = report_register.prepare(session, actor, p, report_date)
    return Generated(report_register.render_draft(draft, fmt), draft.texts, draft.data)


def report_title(p: Period, values: dict[str, str]) -> str:
    """The register's trích yếu: "Báo cáo hoạt động của ... 6 tháng đầu năm 2022"."""
    from domain.reports_layout import DEFAULT_SUBJECT, period_phrase

    subject = (values.get("report.subject") or DEFAULT_SUBJECT).strip()
    return f"Báo cáo {subject[:1].lower()}{subject[1:]} {period_phrase(p)}"
