"""A screen built around one PagedTable: search with "/", Enter on a row, reload after a
change. Units, accounts, trainings, audit and settings are all ListScreens."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget

from bbt_tui.screens.base import AreaScreen
from bbt_tui.text import N_
from bbt_tui.widgets.paged_table import PagedTable, Record, RowSource


class ListScreen(AreaScreen):
    CURSOR_TYPE = "row"  # "cell" where a cell is what the user acts on (the matrix)
    BINDINGS = [
        Binding("slash", "search", N_("Search"), id="list.search"),
        Binding("f5", "reload", N_("Reload"), id="list.reload"),
    ]

    def make_source(self) -> RowSource:
        raise NotImplementedError

    def filters(self) -> list[Widget]:
        """Widgets shown beside the search box (Select filters)."""
        return []

    def compose_body(self) -> ComposeResult:
        self.source = self.make_source()
        yield PagedTable(self.source, tools=self.filters(), cursor_type=self.CURSOR_TYPE,
                         id="list")

    def on_mount(self) -> None:
        super().on_mount()
        self.list.table.focus()

    @property
    def list(self) -> PagedTable:
        return self.query_one("#list", PagedTable)

    @property
    def selected(self) -> Record | None:
        return self.list.selected

    def action_search(self) -> None:
        self.list.focus_search()

    def action_reload(self) -> None:
        self.refresh_data()

    def refresh_data(self, keep_key: str | None = None) -> None:
        self.source.invalidate()
        self.list.reload(keep_key)

    def changed(self, message: str, keep_key: str | None = None) -> None:
        """After a successful change: tell the user and show the new state."""
        self.notify(message)
        self.refresh_data(keep_key)

    @on(PagedTable.Selected)
    def _selected(self, event: PagedTable.Selected) -> None:
        self.open_record(event.record)

    def open_record(self, record: Record) -> Any:
        """Enter on a row; by default nothing."""
