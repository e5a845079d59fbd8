"""Units (đơn vị): list, search, filter by kind, add, edit, start a new Party term."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Select

from bbt_tui.callbacks import when_done
from bbt_tui.db import read
from bbt_tui.labels import UNIT_KIND_LABELS, label, options
from bbt_tui.screens.lists import ListScreen
from bbt_tui.text import N_, vn_date, yes_no
from bbt_tui.widgets.form import FormField, FormScreen, check_date
from bbt_tui.widgets.paged_table import Column, ListSource, Query, Record
from domain.i18n import _


def unit_records(session: Any) -> list[Record]:
    from domain import units

    codes = units.by_id(session)
    records = []
    for unit in units.listing(session):
        parent = codes.get(unit.parent_id) if unit.parent_id else None
        records.append(Record(
            key=unit.code,
            cells=(unit.code, unit.name, label(UNIT_KIND_LABELS, unit.kind),
                   parent.code if parent else "", yes_no(unit.active), vn_date(unit.term_start)),
            data={"code": unit.code, "name": unit.name, "kind": unit.kind,
                  "parent": parent.code if parent else "", "active": unit.active}))
    return records


class UnitsScreen(ListScreen):
    AREA = "units"
    TITLE_TEXT = N_("Units")
    HELP = N_("Every unit that sends or receives documents: Party bodies, offices, boards, "
              "grassroots organisations, government bodies and outside senders. Type / to "
              "search (accents optional), click a column header or press s to sort.")
    PERMISSIONS = {"new": "units.write", "edit": "units.write", "set_term": "units.write"}
    BINDINGS = [
        Binding("n", "new", N_("New unit"), id="units.new"),
        Binding("e", "edit", N_("Edit"), id="units.edit"),
        Binding("t", "set_term", N_("New Party term"), id="units.term"),
    ]

    def make_source(self) -> ListSource:
        columns = [Column("code", _("Code"), 14), Column("name", _("Name")),
                   Column("kind", _("Kind"), 24),
                   Column("parent", _("Parent"), 10, priority=-1),
                   Column("active", _("Active"), 8),
                   Column("term", _("Term start"), 12, priority=-1)]

        def matches(record: Record, query: Query) -> bool:
            kind = query.filter("kind")
            return not kind or record.data["kind"] == kind

        return ListSource(columns, lambda: read(self.app, lambda s, _a: unit_records(s)),
                          matches)

    def filters(self) -> list[Widget]:
        return [Select(options(UNIT_KIND_LABELS), prompt=_("All kinds"), id="kind-filter")]

    @on(Select.Changed, "#kind-filter")
    def _kind(self, event: Select.Changed) -> None:
        self.list.set_filter("kind", "" if event.select.is_blank() else str(event.value))

    def _form(self, data: dict[str, Any] | None) -> list[FormField]:
        data = data or {}
        return [
            FormField("code", N_("Code"), data.get("code", ""), required=True,
                      disabled=bool(data), placeholder=N_("e.g. DU-LOCTHANH"),
                      check=lambda v: _("A code has no spaces.") if " " in v.strip() else None),
            FormField("name", N_("Name"), data.get("name", ""), required=True),
            FormField("kind", N_("Kind"), data.get("kind", ""), kind="select",
                      options=options(UNIT_KIND_LABELS), required=True),
            FormField("parent", N_("Parent unit code"), data.get("parent", ""),
                      placeholder=N_("empty: none")),
        ]

    def action_new(self) -> None:
        from domain import units

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            return units.add(session, actor, v["code"], v["name"], v["kind"],
                             v["parent"].strip() or None).code

        self.app.push_screen(
            FormScreen(_("New unit"), self._form(None), save),
            when_done(lambda code: self.changed(_("Unit {code} added.").format(code=code), code)))

    def action_edit(self) -> None:
        from domain import units

        record = self.selected
        if record is None:
            return
        code = record.key
        fields = self._form(record.data)
        fields.append(FormField("active", N_("Active"), "yes" if record.data["active"] else "no",
                                kind="select", required=True,
                                options=[(_("yes"), "yes"), (_("no"), "no")]))

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            units.update(session, actor, code, name=v["name"], kind=v["kind"],
                         parent=v["parent"].strip(), active=v["active"] == "yes")
            return code

        self.app.push_screen(
            FormScreen(_("Edit unit {code}").format(code=code), fields, save),
            when_done(lambda _r: self.changed(_("Unit {code} saved.").format(code=code), code)))

    def action_set_term(self) -> None:
        from domain import units

        record = self.selected
        if record is None:
            return
        code = record.key

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            return vn_date(units.set_term(session, actor, code, v["start"]).term_start)

        intro = _("Numbering of each document type restarts from 1 on this date "
                  "(Hướng dẫn 36-HD/VPTW).")
        self.app.push_screen(
            FormScreen(_("New Party term for {code}").format(code=code),
                       [FormField("start", N_("Term start (dd/mm/yyyy)"), required=True,
                                  check=check_date)], save, intro=intro),
            when_done(lambda start: self.changed(
                _("A new term of {code} starts on {date}.").format(code=code, date=start), code)))

    def open_record(self, record: Record) -> None:
        if self.app.actor is not None and self.app.actor.can("units.write"):  # type: ignore[attr-defined]
            self.action_edit()
