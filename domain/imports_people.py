"""Imports of units, accounts and trainings (admin work: "70 accounts in one go")."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlalchemy import insert, select

from domain import accounts, units
from domain.auth import generate_password, hash_password
from domain.i18n import N_, _
from domain.imports_base import (
    Cells,
    Column,
    Handler,
    Plan,
    Planned,
    Progress,
    bulk_insert,
    bulk_update,
    choice,
)
from domain.imports_io import escape, open_new_private
from models import Account, Training, TrainingUnit, Unit, utcnow

UNIT = Unit.__table__  # type: ignore[attr-defined]
ACCOUNT = Account.__table__  # type: ignore[attr-defined]
TRAINING = Training.__table__  # type: ignore[attr-defined]
TRAINING_UNIT = TrainingUnit.__table__  # type: ignore[attr-defined]
UNIT_COLUMN = Column("unit", ("Đơn vị", "Mã đơn vị"), required=True)


def unit_codes(session: Any) -> dict[str, int]:
    return {code: id_ for id_, code in session.execute(select(UNIT.c.id, UNIT.c.code))}


def unit_code(value: str) -> str:
    return value.upper()


def no_unit(code: str) -> str:
    return _("There is no unit with code '{code}'.").format(code=code)


# ------------------------------------------------------------------ units


class Units(Handler):
    kind = "units"
    permission = "units.write"
    key_names = N_("code")
    # A parent may come later in the file, and a rejected unit orphans its children: the
    # whole file is one chunk (a province has a thousand units; MAX_ROWS bounds the rest).
    chunk_rows = None
    columns = (
        Column("code", ("Mã đơn vị", "Mã"), required=True),
        Column("name", ("Tên đơn vị", "Tên"), required=True),
        Column("kind", ("Loại", "Loại đơn vị"), required=True),
        Column("parent", ("Đơn vị cấp trên",)),
        # Not in SPEC's list: the Party term start decides which register a number is in.
        Column("term_start", ("Nhiệm kỳ từ", "Bắt đầu nhiệm kỳ"), text=False),
    )

    def load(self) -> None:
        query = select(UNIT.c.id, UNIT.c.code, UNIT.c.name, UNIT.c.kind, UNIT.c.parent_id,
                       UNIT.c.term_start)
        self.stored = {r.code: r for r in self.session.execute(query)}
        self.code_of = {r.id: r.code for r in self.stored.values()}
        self.kinds: dict[str, Any] = {}

    def check(self, cells: Cells) -> tuple[Hashable, dict[str, Any]]:
        code = cells.text("code", required=True, limit=40)
        if code is not None:
            code = code.upper()
            if any(ch.isspace() for ch in code):
                cells.fail("code", _("A unit code is one word without spaces."))
        parent = cells.text("parent", limit=40)
        values = {
            "code": code,
            "name": cells.text("name", required=True, limit=255),
            "kind": cells.check("kind", choice({}, units.check_kind), True, self.kinds),
            "parent": parent.upper() if parent else None,
            "term_start": cells.date("term_start"),
        }
        return code, values

    def resolve(self, planned: list[Planned]) -> None:
        """A parent exists already or is a good row of the file; no unit is its own
        ancestor. Rejecting a row can orphan another, so repeat until nothing changes."""
        while True:
            good = {p.values["code"]: p for p in planned if not p.errors}
            newly_bad = [p for p in good.values() if self._parent_problem(p, good)]
            if not newly_bad:
                return

    def _parent_problem(self, p: Planned, good: dict[str, Planned]) -> bool:
        parent = p.values["parent"]
        if parent is None:
            return False
        if parent == p.values["code"]:
            p.errors.append("parent: " + _("A unit cannot be its own parent."))
        elif parent not in good and parent not in self.stored:
            p.errors.append("parent: " + no_unit(parent))
        elif self._loops(p.values["code"], good):
            p.errors.append("parent: " + _("The chain of parents loops back to {code}.").format(
                code=p.values["code"]))
        return bool(p.errors)

    def _loops(self, code: str, good: dict[str, Planned]) -> bool:
        def parent_of(c: str) -> str | None:
            if c in good and "parent" in self.present:
                return good[c].values["parent"]
            stored = self.stored.get(c)
            return self.code_of.get(stored.parent_id) if stored and stored.parent_id else None

        seen, current = {code}, parent_of(code)
        while current is not None:
            if current in seen:
                return True
            seen.add(current)
            current = parent_of(current)
        return False

    def existing(self, planned: Planned) -> Any:
        return self.stored.get(planned.values["code"])

    def changed(self, planned: Planned, current: Any) -> bool:
        v = planned.values
        parent = self.code_of.get(current.parent_id) if current.parent_id else None
        return self.changed_in({"name": (v["name"], current.name),
                                "kind": (v["kind"], current.kind),
                                "parent": (v["parent"], parent),
                                "term_start": (v["term_start"], current.term_start)})

    def write(self, plan: Plan, progress: Progress | None) -> None:
        now = utcnow()
        ids = {code: r.id for code, r in self.stored.items()}
        bulk_insert(self.session, UNIT, [
            {"code": p.values["code"], "name": p.values["name"], "kind": p.values["kind"],
             "parent_id": ids.get(p.values["parent"] or ""), "active": True,
             "term_start": p.values["term_start"], "created_at": now} for p in plan.inserts])
        ids = unit_codes(self.session)
        # A parent that is new in this file got its id only now.
        late_parents = [{"id": ids[p.values["code"]], "parent_id": ids[p.values["parent"]]}
                        for p in plan.inserts
                        if p.values["parent"] and p.values["parent"] not in self.stored]
        bulk_update(self.session, UNIT, late_parents)
        names = [n for n in ("name", "kind", "parent", "term_start") if n in self.present]
        rows = []
        for p in plan.updates:
            row: dict[str, Any] = {"id": p.current.id}
            for name in names:
                if name == "parent":
                    row["parent_id"] = ids[p.values["parent"]] if p.values["parent"] else None
                else:
                    row[name] = p.values[name]
            rows.append(row)
        bulk_update(self.session, UNIT, rows)

    def export(self) -> Iterator[dict[str, Any]]:
        # A province has a thousand units: one listing.
        by_id = units.by_id(self.session)
        for unit in units.listing(self.session):
            row = units.as_row(unit, by_id)
            row["term_start"] = unit.term_start.isoformat() if unit.term_start else None
            yield row


# ------------------------------------------------------------------ accounts


class Accounts(Handler):
    """New accounts get a generated one-time password that goes to the credentials file
    (mode 0600) and nowhere else: not stdout, not the log, not the audit chain."""

    kind = "accounts"
    permission = "accounts.write"
    columns = (
        Column("username", ("Tên đăng nhập",), required=True),
        Column("full_name", ("Họ và tên",)),
        UNIT_COLUMN,
        Column("role", ("Vai trò",), required=True),
    )
    credentials: Path | None = None
    credentials_written: Path | None = None
    credentials_file: _CsvSink | None = None

    def load(self) -> None:
        self.unit_ids = unit_codes(self.session)
        self.unit_of = {id_: code for code, id_ in self.unit_ids.items()}
        query = select(ACCOUNT.c.id, ACCOUNT.c.username, ACCOUNT.c.full_name, ACCOUNT.c.unit_id,
                       ACCOUNT.c.role)
        self.stored = {r.username: r for r in self.session.execute(query)}
        self.roles: dict[str, Any] = {}

    def check(self, cells: Cells) -> tuple[Hashable, dict[str, Any]]:
        username = cells.text("username", required=True, limit=80)
        if username is not None:
            username = accounts.normalise(username)
            if any(ch.isspace() for ch in username):
                cells.fail("username", _("A username must be one word without spaces."))
        code = cells.text("unit", required=True)
        unit_id = None
        if code is not None:
            unit_id = self.unit_ids.get(code.upper())
            if unit_id is None:
                cells.fail("unit", no_unit(code))
        values = {
            "username": username,
            "full_name": cells.text("full_name", limit=255) or "",
            "unit_id": unit_id,
            "role": cells.check("role", choice({}, accounts.check_role), True, self.roles),
        }
        return username, values

    def duplicate(self, planned: Planned, first_row: int) -> str:
        return "username: " + _("The username '{username}' is already in row {row}.").format(
            username=planned.key, row=first_row)

    def resolve(self, planned: list[Planned]) -> None:
        me = self.stored.get(self.actor.username)
        for p in planned:
            if me is not None and p.key == me.username and p.values["role"] != me.role:
                p.errors.append("role: " + _("You cannot change your own role."))

    def existing(self, planned: Planned) -> Any:
        return self.stored.get(planned.values["username"])

    def changed(self, planned: Planned, current: Any) -> bool:
        v = planned.values
        return self.changed_in({"full_name": (v["full_name"], current.full_name),
                                "unit": (v["unit_id"], current.unit_id),
                                "role": (v["role"], current.role)})

    def write(self, plan: Plan, progress: Progress | None) -> None:
        self._insert(plan.inserts)
        names = [n for n in ("full_name", "unit_id", "role")
                 if n.removesuffix("_id") in self.present]
        bulk_update(self.session, ACCOUNT, [
            {"id": p.current.id, **{n: p.values[n] for n in names}} for p in plan.updates])

    def _insert(self, new: list[Planned]) -> None:
        if not new:
            return
        passwords = [generate_password() for _p in new]
        with ThreadPoolExecutor(max_workers=4) as pool:
            hashes = list(pool.map(hash_password, passwords))
        sink = self._sink()
        now = utcnow()
        bulk_insert(self.session, ACCOUNT, [
            {**p.values, "status": "active", "password_hash": digest,
             "must_change_password": True, "failed_logins": 0, "created_at": now}
            for p, digest in zip(new, hashes, strict=True)])
        sink.writerows([[escape(p.values["username"]), escape(p.values["full_name"]),
                         escape(self.unit_of[p.values["unit_id"]]), secret]
                        for p, secret in zip(new, passwords, strict=True)])
        sink.flush()

    def _sink(self) -> Any:
        """The credentials file, created (mode 0600, never over a file) at the first new
        account and written chunk after chunk."""
        if self.credentials_file is None:
            if self.credentials is None:
                raise_missing_credentials()
            target = open_new_private(self.credentials)  # type: ignore[arg-type]
            self.credentials_written = self.credentials
            self.credentials_file = _CsvSink(target)
            self.credentials_file.writerows([CREDENTIAL_COLUMNS])
        return self.credentials_file

    def finish(self) -> None:
        if self.credentials_file is not None:
            self.credentials_file.close()
            self.credentials_file = None
        return None

    def export(self) -> Iterator[dict[str, Any]]:
        # About one account per unit: one listing.
        columns = [c.name for c in self.columns]
        return ({k: v for k, v in accounts.as_row(a, code).items() if k in columns}
                for a, code in accounts.listing(self.session))


CREDENTIAL_COLUMNS = ["username", "full_name", "unit", "one_time_password"]


class _CsvSink:
    """A CSV file written a few rows at a time (export's form: UTF-8, text escaped)."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
        self.writer = csv.writer(self.text)

    def writerows(self, rows: list[list[str]]) -> None:
        self.writer.writerows(rows)

    def flush(self) -> None:
        self.text.flush()

    def close(self) -> None:
        self.text.close()


def raise_missing_credentials() -> None:
    from domain.errors import BBTError

    raise BBTError(_("New accounts get one-time passwords: name a new file for them with "
                     "--credentials FILE."))


# ------------------------------------------------------------------ trainings


class Trainings(Handler):
    """One row per unit that attended (a cell may also list several codes). A training is
    its date and topic; a row whose units all attended already is unchanged."""

    kind = "trainings"
    permission = "trainings.write"
    key_names = N_("date, topic and unit")
    columns = (
        Column("date", ("Ngày",), required=True, text=False),
        Column("topic", ("Nội dung", "Chủ đề"), required=True),
        UNIT_COLUMN,
    )

    def load(self) -> None:
        self.unit_ids = unit_codes(self.session)
        self.trainings: dict[tuple[date, str], int] = {}
        query = select(TRAINING.c.id, TRAINING.c.date, TRAINING.c.topic).order_by(TRAINING.c.id)
        for id_, day, topic in self.session.execute(query):
            self.trainings.setdefault((day, topic), id_)
        query = select(TRAINING_UNIT.c.training_id, TRAINING_UNIT.c.unit_id)
        self.attended = {(t, u) for t, u in self.session.execute(query)}
        self.first: dict[tuple[date, str, str], int] = {}  # across the file's chunks

    def check(self, cells: Cells) -> tuple[Hashable, dict[str, Any]]:
        day = cells.date("date", required=True)
        topic = cells.text("topic", required=True, limit=500)
        codes = [c.upper() for c in re.split(r"[,;\s]+", cells.text("unit", True) or "") if c]
        missing = [c for c in codes if c not in self.unit_ids]
        if missing:
            cells.fail("unit", "; ".join(no_unit(c) for c in missing))
        return None, {"date": day, "topic": topic, "units": codes,
                      "unit_ids": [self.unit_ids.get(c) for c in codes]}

    def resolve(self, planned: list[Planned]) -> None:
        first = self.first
        for p in planned:
            for code in p.values["units"]:
                key = (p.values["date"], p.values["topic"], code)
                if key in first and first[key] != p.row:
                    p.errors.append("unit: " + _("row {row} already lists {code} for this "
                                                 "training.").format(row=first[key], code=code))
                first.setdefault(key, p.row)

    def existing(self, planned: Planned) -> Any:
        training = self.trainings.get((planned.values["date"], planned.values["topic"]))
        if training is None:
            return None
        pairs = {(training, u) for u in planned.values["unit_ids"]}
        return training if pairs <= self.attended else None

    def changed(self, planned: Planned, current: Any) -> bool:
        return False

    def write(self, plan: Plan, progress: Progress | None) -> None:
        now = utcnow()
        for p in plan.inserts:
            key = (p.values["date"], p.values["topic"])
            if key not in self.trainings:
                stmt = insert(TRAINING).values(date=key[0], topic=key[1], created_at=now)
                self.trainings[key] = self.session.execute(
                    stmt.returning(TRAINING.c.id)).scalar_one()
        pairs = dict.fromkeys(
            (self.trainings[(p.values["date"], p.values["topic"])], u)
            for p in plan.inserts for u in p.values["unit_ids"])
        bulk_insert(self.session, TRAINING_UNIT, [
            {"training_id": t, "unit_id": u} for t, u in pairs if (t, u) not in self.attended])

    def export(self) -> Iterator[dict[str, Any]]:
        # A couple of trainings a year per block, their units: one listing.
        return ({"date": t.date.isoformat(), "topic": t.topic, "unit": code}
                for t, codes in units.trainings(self.session) for code in codes)
