"""A unit's inbox: the documents sent to it, oldest due first, in four tabs (waiting, in
progress, done, all). Enter opens the document with that delivery's actions; acknowledge,
done, return and forward also work from the list. A unit clerk sees its own unit only (the
domain checks it too)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Tab, Tabs

from bbt_tui.db import read, run_db
from bbt_tui.labels import DELIVERY_STATUS_LABELS, label
from bbt_tui.screens.document_detail import (
    DELIVERY_ACTIONS,
    DeliveryRef,
    acknowledge,
    forward,
    give_back,
    mark_done,
)
from bbt_tui.screens.lists import ListScreen
from bbt_tui.text import N_, vn_date
from bbt_tui.widgets.paged_table import Column, ListSource, PagedTable, Query, Record
from domain.i18n import _

# The tabs: their label and the delivery states they show.
TABS = {
    "waiting": (N_("Waiting"), ("sent",)),
    "progress": (N_("In progress"), ("received",)),
    "done": (N_("Done"), ("done", "returned")),
    "all": (N_("All"), ("sent", "received", "done", "returned")),
}


def inbox_records(session: Any, actor: Any) -> list[Record]:
    from domain import documents

    rows = documents.inbox(session, actor, pending_only=False)
    senders = documents.senders(session, rows)
    return [Record(key=f"{doc.number}@{delivery.id}",
                   cells=(str(doc.incoming_number or "") if doc.recipient_id == delivery.unit_id
                          else "",
                          doc.number, senders[delivery.id].code, doc.title,  # type: ignore[index]
                          label(DELIVERY_STATUS_LABELS, delivery.status),
                          due_cell(delivery.due, documents.is_overdue(delivery))),
                   data={"number": doc.number, "year": doc.date.year,
                         "status": delivery.status,
                         "sender": _sender(senders[delivery.id])})  # type: ignore[index]
            for delivery, doc in rows]


def _sender(unit: Any) -> str:
    return f"{unit.code} — {unit.name}"


def due_cell(due: Any, late: bool) -> Text:
    return Text(f"{vn_date(due)} ⚠" if late else vn_date(due),
                style="bold red" if late else "")


def in_tab(record: Record, query: Query) -> bool:
    return record.data["status"] in TABS[query.filter("tab") or "waiting"][1]


class InboxScreen(ListScreen):
    AREA = "inbox"
    TITLE_TEXT = N_("Inbox")
    HELP = N_("Documents sent to your unit, the most urgent first: waiting to be acknowledged, "
              "in progress, done, or all (T changes the tab). Enter opens the document with "
              "its files and history; A acknowledges receipt, D marks it done (with a note), "
              "R returns it (with the reason), F forwards it to another unit. Ctrl+L logs out.")
    PERMISSIONS = {"acknowledge": "deliveries.act", "done": "deliveries.act",
                   "give_back": "deliveries.act", "forward": "deliveries.act"}
    BINDINGS = [
        Binding("a", "acknowledge", N_("Acknowledge"), id="inbox.ack"),
        Binding("d", "done", N_("Done"), id="inbox.done"),
        Binding("f", "forward", N_("Forward"), id="inbox.forward"),
        Binding("r", "give_back", N_("Return"), id="inbox.return"),
        Binding("t", "next_tab", N_("Next tab"), id="inbox.tab"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Tabs(*[Tab(_(text), id=f"tab-{name}") for name, (text, _s) in TABS.items()],
                   id="inbox-tabs")
        yield from super().compose_body()

    def make_source(self) -> ListSource:
        columns = [Column("incoming", _("In no."), 6, priority=-1),
                   Column("number", _("Number"), 12), Column("sender", _("Sender"), 8,
                                                            priority=-2),
                   Column("title", _("Title")), Column("status", _("Status"), 10),
                   Column("due", _("Due"), 12)]
        return ListSource(columns, lambda: read(self.app, inbox_records), matches=in_tab)

    @property
    def tab(self) -> str:
        return self.list.current_query.filter("tab") or "waiting"

    @on(Tabs.TabActivated, "#inbox-tabs")
    def _tab_chosen(self, event: Tabs.TabActivated) -> None:
        name = (event.tab.id or "tab-waiting").removeprefix("tab-")
        self.list.set_filter("tab", "" if name == "waiting" else name)
        self.list.table.focus()

    def action_next_tab(self) -> None:
        self.query_one("#inbox-tabs", Tabs).action_next_tab()

    # --- the delivery under the cursor ----------------------------------------------------

    def _ref(self, action: str) -> DeliveryRef | None:
        record = self.selected
        if record is None:
            return None
        if record.data["status"] not in DELIVERY_ACTIONS[action]:
            self.notify(_("{number} is already {status}.").format(
                number=record.data["number"],
                status=label(DELIVERY_STATUS_LABELS, record.data["status"])),
                severity="warning")
            return None
        return DeliveryRef(record.data["number"], record.data["year"], self._unit())

    def _unit(self) -> str:
        return self.app.actor.unit_code  # type: ignore[attr-defined,no-any-return]

    def _after(self, key: str) -> Any:
        """After an action: say so, and show the new state around the same record."""

        def done(message: str) -> None:
            self.notify(message)
            self._reload_at(key)

        return done

    def _reload_at(self, key: str) -> None:
        """Reload and keep the cursor on the record; when it left the tab (done, no longer
        waiting), on the one that took its place."""
        keys = [r.key for r in self.list.records]
        index = keys.index(key) if key in keys else 0
        after = keys[index + 1:index + 2] or keys[max(0, index - 1):index]
        self._pending = (key, after[0] if after else None)
        self.refresh_data(keep_key=key)

    _pending: tuple[str, str | None] | None = None

    _opened = False

    @on(PagedTable.Loaded)
    def _loaded(self) -> None:
        counts = self._count_tabs()
        if not self._opened:  # the day starts where the work is
            self._opened = True
            first = next((name for name in ("waiting", "progress") if counts[name]), "waiting")
            if first != "waiting":
                self.query_one("#inbox-tabs", Tabs).active = f"tab-{first}"
        self._keep_place()

    def _count_tabs(self) -> dict[str, int]:
        """Each tab's label says how many deliveries it holds."""
        rows = self.source.rows()  # type: ignore[attr-defined]
        counts = {name: sum(r.data["status"] in states for r in rows)
                  for name, (_text, states) in TABS.items()}
        for name, (text, _states) in TABS.items():
            self.query_one(f"#tab-{name}", Tab).label = f"{_(text)} ({counts[name]})"
        return counts

    def _keep_place(self) -> None:
        if self._pending is None:
            return
        (key, neighbour), self._pending = self._pending, None
        keys = [r.key for r in self.list.records]
        if key not in keys and neighbour in keys:
            self.list.table.move_cursor(row=keys.index(neighbour))

    def _act(self, action: str, run: Any) -> None:
        record = self.selected
        ref = self._ref(action)
        if record is not None and ref is not None:
            run(self, ref, self._after(record.key))

    def action_acknowledge(self) -> None:
        self._act("acknowledge", acknowledge)

    def action_done(self) -> None:
        self._act("done", mark_done)

    def action_give_back(self) -> None:
        self._act("give_back", give_back)

    def action_forward(self) -> None:
        self._act("forward", forward)

    # --- Enter: the document --------------------------------------------------------------

    def open_record(self, record: Record) -> None:
        """The document as sent to this unit, with its files and history (opening it is
        recorded), and the actions on this delivery."""
        from domain import documents

        number, year = record.data["number"], record.data["year"]
        run_db(self, lambda session, actor: documents.show(session, actor, number, year),
               on_done=lambda doc: self._show_detail(record, doc))

    def _show_detail(self, record: Record, doc: dict[str, Any]) -> None:
        from bbt_tui.screens.document_detail import DeliveryScreen

        self.app.push_screen(DeliveryScreen(doc, self._unit(), record.data["sender"]),
                             lambda _r: self._reload_at(record.key))
