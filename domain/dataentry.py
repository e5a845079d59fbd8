"""Data entry into the general information system (hệ thống thông tin tổng hợp).

One row per unit, subsystem (phân hệ) and period (a year `2021` or a quarter `2022-Q1`):
missing -> entered -> synced (sent up to the province). The matrix shows at a glance which
unit is behind, e.g. "entered 2015-2020, 2021 not yet".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from domain import audit, scope, subsystems, units, vocab
from domain.auth import Actor, require
from domain.db import take_turns
from domain.errors import BBTError
from domain.i18n import _
from domain.text import nfc, parse_date
from models import DATAENTRY_STATUSES, DataEntry, Unit

PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")
FIRST_YEAR = 1990
DONE_STATUSES = ("entered", "synced")


def check_period(period: str) -> str:
    """`2021` or `2022-Q1`; the strings sort in time order ("2022" < "2022-Q1" < "2023")."""
    text = nfc(period).upper()
    match = PERIOD_PATTERN.match(text)
    if not match or not FIRST_YEAR <= int(match[1]) <= date.today().year + 1:
        raise BBTError(_("Period '{period}' must be a year such as 2021 or a quarter such as "
                         "2022-Q1.").format(period=period))
    return text


def check_status(status: str) -> str:
    status = vocab.code("dataentry_status", status)
    if status not in DATAENTRY_STATUSES:
        raise BBTError(_("Data entry status '{status}' is unknown; use one of {statuses}.")
                       .format(status=status, statuses=", ".join(DATAENTRY_STATUSES)))
    return status


def check_subsystem(subsystem: str) -> str:
    text = nfc(subsystem)
    if not text or len(text) > 80:
        raise BBTError(_("A subsystem needs a name of at most 80 characters."))
    return text


def set_status(
    session: Session,
    actor: Actor,
    unit: str,
    subsystem: str,
    period: str,
    status: str,
    on: str | date | None = None,
) -> DataEntry:
    """Record where a unit stands for one subsystem and period.

    entered: entered_on is the given date (today without one); synced: synced_on likewise,
    and a row never entered before counts as entered the same day; missing clears both.
    """
    require(actor, "dataentry.write")
    source = units.visible(session, actor, unit)
    subsystem = subsystems.checker(session)(check_subsystem(subsystem))
    period, status = check_period(period), check_status(status)
    when = _check_date(on, status)
    take_turns(session, "dataentry", source.id, subsystem, period)
    row = session.exec(select(DataEntry).where(
        DataEntry.unit_id == source.id, DataEntry.subsystem == subsystem,
        DataEntry.period == period)).first()
    before = (row.status, row.entered_on, row.synced_on) if row else None
    row = row or DataEntry(unit_id=source.id, subsystem=subsystem, period=period)  # type: ignore[arg-type]
    _apply(row, status, when)
    after = (row.status, row.entered_on, row.synced_on)
    if after != before:
        session.add(row)
        audit.record(session, actor, "dataentry.set", "dataentry",
                     f"{source.code}/{subsystem}/{period}", status=status,
                     entered_on=row.entered_on, synced_on=row.synced_on,
                     previous=before[0] if before else None)
    return row


def _check_date(on: str | date | None, status: str) -> date | None:
    when = parse_date(on, "date")
    if when is None:
        return None
    if status == "missing":
        raise BBTError(_("A missing period has no date; leave out the date."))
    if when > date.today():
        raise BBTError(_("The date {on} is in the future.").format(on=when))
    return when


def _apply(row: DataEntry, status: str, when: date | None) -> None:
    if status == "missing":
        row.entered_on = row.synced_on = None
    elif status == "entered":
        # Re-marking an entered row without a date keeps the day it was entered.
        keep = row.status == "entered" and when is None
        row.entered_on = row.entered_on if keep else when or date.today()
        row.synced_on = None
    else:
        keep = row.status == "synced" and when is None
        row.synced_on = row.synced_on if keep else when or date.today()
        if row.entered_on is None or row.status == "missing":
            row.entered_on = row.synced_on
        if row.synced_on and row.entered_on and row.synced_on < row.entered_on:
            raise BBTError(_("Data cannot be synced on {synced}, before it was entered on "
                             "{entered}.").format(synced=row.synced_on, entered=row.entered_on))
    row.status = status


def as_row(entry: DataEntry, unit_code: str) -> dict[str, Any]:
    """The import columns unit,subsystem,period,status,date (the date of the current status)."""
    day = entry.synced_on if entry.status == "synced" else entry.entered_on
    return {"unit": unit_code, "subsystem": entry.subsystem, "period": entry.period,
            "status": entry.status, "date": day.isoformat() if day else None}


def listing(session: Session, status: str | None = None) -> list[tuple[DataEntry, Unit]]:
    """Every unit's rows (of the acting account's scope, domain.scope)."""
    query = scope.where_units(
        select(DataEntry, Unit).join(Unit, col(Unit.id) == DataEntry.unit_id)
        .order_by(col(DataEntry.subsystem), col(Unit.code), col(DataEntry.period)),
        None, DataEntry.unit_id)
    if status:
        query = query.where(DataEntry.status == check_status(status))
    return list(session.exec(query))


def export_ready(session: Session) -> list[dict[str, Any]]:
    """Entered but not yet synced: what can be sent up to the province now."""
    return [as_row(entry, unit.code) for entry, unit in listing(session, "entered")]


# --- the matrix -----------------------------------------------------------------------------


@dataclass
class UnitLine:
    unit: str
    name: str
    statuses: dict[str, str]

    def missing(self, periods: list[str]) -> list[str]:
        return [p for p in periods if self.statuses.get(p, "missing") == "missing"]

    def entered_through(self, periods: list[str]) -> str | None:
        """The last period of the unbroken run of entered or synced periods from the start."""
        last = None
        for period in periods:
            if self.statuses.get(period) not in DONE_STATUSES:
                break
            last = period
        return last


def matrix(session: Session) -> dict[str, Any]:
    """Units x periods per subsystem. The periods of a subsystem are those any unit has a row
    for; a unit is behind when one of them is missing (or has no row) for it."""
    lines: dict[str, dict[str, UnitLine]] = {}
    # the five columns it shows, not an object per row (a province has thousands of rows)
    cells = (sa_select(col(DataEntry.subsystem), col(Unit.code), col(Unit.name),
                       col(DataEntry.period), col(DataEntry.status))
             .join(Unit, col(Unit.id) == DataEntry.unit_id)
             .order_by(col(DataEntry.subsystem), col(Unit.code), col(DataEntry.period)))
    cells = scope.where_units(cells, None, DataEntry.unit_id)  # the signed-in account's
    for subsystem, code, name, period, status in session.execute(cells):
        by_unit = lines.setdefault(subsystem, {})
        line = by_unit.setdefault(code, UnitLine(code, name, {}))
        line.statuses[period] = status
    subsystems: list[dict[str, Any]] = []
    all_periods: set[str] = set()
    for subsystem, by_unit in lines.items():
        periods = sorted({p for line in by_unit.values() for p in line.statuses})
        all_periods.update(periods)
        subsystems.append({"subsystem": subsystem, "periods": periods, "units": [
            {"unit": line.unit, "name": line.name,
             "statuses": {p: line.statuses.get(p) for p in periods},
             "entered_through": line.entered_through(periods),
             "missing": line.missing(periods),
             "behind": bool(line.missing(periods))}
            for line in by_unit.values()]})
    return {"periods": sorted(all_periods), "subsystems": subsystems}
