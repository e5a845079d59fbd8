"""A table for lists of any length: it holds a window of a few pages, never the whole list.

A `RowSource` hands out pages in display order (keyset pagination: "the rows after this
cursor", "the rows before that one"); `PagedTable` asks for the next page when the cursor or
the scrollbar comes near the end of its window and forgets pages that fall far behind, so a
register of 200,000 documents costs what three pages cost. Search (accent-insensitive,
debounced), sorting by a column header and filters are passed to the source as a `Query`.

Small lists (units, accounts) use `ListSource`, which loads once and pages in memory; large
ones implement `RowSource.fetch` on top of a domain function that pages in the database.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from bbt_tui.text import N_, number
from domain.i18n import _
from domain.text import fold

PAGE_SIZE = 100
WINDOW_PAGES = 3
# Load the next page when the cursor or the viewport is this close to the window's edge.
MARGIN = 20
SEARCH_DELAY = 0.25


class _End:
    """`before=END` asks a source for the last page of the whole list."""

    def __repr__(self) -> str:
        return "END"


END = _End()


# The one column without a width (a title) never gets narrower than this.
TITLE_WIDTH = 20


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # already translated
    width: int | None = None  # None: the title, which takes the room the others leave
    sortable: bool = True
    # When the columns do not fit, those of lowest priority are left out first (of equal
    # ones, the rightmost first), until the title has TITLE_WIDTH cells.
    priority: int = 0


@dataclass(frozen=True)
class Record:
    key: str  # unique among the list's rows
    cells: tuple[Any, ...]  # one per column, str or rich Text
    cursor: Any = None  # keyset position handed back to the source; None: the key
    data: Any = None  # the domain object, for the screen's actions


@dataclass(frozen=True)
class Query:
    search: str = ""
    sort: str | None = None
    descending: bool = False
    filters: tuple[tuple[str, str], ...] = ()

    def filter(self, name: str) -> str:
        return dict(self.filters).get(name, "")

    def with_filter(self, name: str, value: str) -> Query:
        values = {**dict(self.filters), name: value}
        return replace(self, filters=tuple(sorted((k, v) for k, v in values.items() if v)))


class RowSource(ABC):
    """Pages of rows in display order. Called from worker threads, never from the UI thread."""

    columns: Sequence[Column] = ()

    @abstractmethod
    def fetch(self, query: Query, *, after: Any = None, before: Any = None,
              limit: int = PAGE_SIZE) -> list[Record]:
        """The `limit` rows right after cursor `after` (or from the top when both are None),
        or the `limit` rows right before cursor `before` (`END`: the list's last rows)."""

    def count(self, query: Query) -> int | None:
        """How many rows match, when it is cheap to know; None otherwise."""
        return None

    def around(self, query: Query, key: str, *, limit: int = PAGE_SIZE
               ) -> tuple[list[Record], int] | None:
        """A page holding the row `key` and the page's offset in the list (a record kept
        under the cursor after a change, wherever the list now puts it); None when the
        source cannot tell."""
        return None

    def invalidate(self) -> None:  # noqa: B027 - most sources cache nothing
        """Forget anything cached: the data changed."""


class ListSource(RowSource):
    """A list small enough to load whole (hundreds of rows), searched and sorted in memory."""

    def __init__(self, columns: Sequence[Column], load: Callable[[], list[Record]],
                 matches: Callable[[Record, Query], bool] | None = None) -> None:
        self.columns = columns
        self._load = load
        self._matches = matches
        self._rows: list[Record] | None = None
        self._view: tuple[Query, list[Record]] | None = None

    def invalidate(self) -> None:
        self._rows = self._view = None

    def rows(self) -> list[Record]:
        if self._rows is None:
            self._rows = self._load()
        return self._rows

    def view(self, query: Query) -> list[Record]:
        if self._view is None or self._view[0] != query:
            self._view = (query, self._filtered_sorted(query))
        return self._view[1]

    def _filtered_sorted(self, query: Query) -> list[Record]:
        needle = fold(query.search)
        rows = [r for r in self.rows()
                if (not needle or needle in _folded(r))
                and (self._matches is None or self._matches(r, query))]
        keys = [c.key for c in self.columns]
        if query.sort in keys:
            index = keys.index(query.sort)
            rows.sort(key=lambda r: _sort_key(r.cells[index]), reverse=query.descending)
        return rows

    def fetch(self, query: Query, *, after: Any = None, before: Any = None,
              limit: int = PAGE_SIZE) -> list[Record]:
        rows = self.view(query)
        position = {r.key: i for i, r in enumerate(rows)}
        if before is END:
            start = max(0, len(rows) - limit)
            return rows[start:]
        if before is not None:
            end = position.get(before, 0)
            return rows[max(0, end - limit):end]
        start = position[after] + 1 if after in position else 0
        return rows[start:start + limit]

    def count(self, query: Query) -> int | None:
        return len(self.view(query))

    def around(self, query: Query, key: str, *, limit: int = PAGE_SIZE
               ) -> tuple[list[Record], int] | None:
        rows = self.view(query)
        index = next((i for i, r in enumerate(rows) if r.key == key), None)
        if index is None:
            return None
        start = max(0, min(index - limit // 2, len(rows) - limit))
        return rows[start:start + limit], start


def _plain(cell: Any) -> str:
    return cell.plain if isinstance(cell, Text) else ("" if cell is None else str(cell))


def _folded(record: Record) -> str:
    return fold(" ".join(_plain(c) for c in record.cells))


def _ellipsized(cell: Any) -> Any:
    """A cell cut at its column's width ends with "…", so that the user sees it goes on."""
    if isinstance(cell, Text):
        cell = cell.copy()
    elif isinstance(cell, str):
        cell = Text(cell)
    else:
        return cell
    cell.overflow = "ellipsis"
    cell.no_wrap = True
    return cell


def _sort_key(cell: Any) -> tuple[int, Any]:
    text = _plain(cell)
    digits = text.replace(".", "").replace(",", "")
    if digits.isdigit():
        return (0, int(digits))
    if len(text) == 10 and text[2] == "/" and text[5] == "/":  # dd/mm/yyyy sorts by date
        return (1, text[6:] + text[3:5] + text[:2])
    return (2, fold(text))


class _Window(DataTable):
    """The DataTable that shows the window; it reports when the viewport nears an edge."""

    BINDINGS = [
        Binding("home", "first_page", N_("First row"), show=False, id="list.first"),
        Binding("end", "last_page", N_("Last row"), show=False, id="list.last"),
    ]

    class NearEdge(Message):
        def __init__(self, forward: bool) -> None:
            super().__init__()
            self.forward = forward

    # Set while PagedTable redraws the window: scrolling done by the redraw is not the user's.
    redrawing = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.redrawing:
            return
        if new_value > old_value and new_value + self.size.height >= self.row_count - MARGIN:
            self.post_message(self.NearEdge(forward=True))
        elif new_value < old_value and new_value < MARGIN:
            self.post_message(self.NearEdge(forward=False))

    def action_first_page(self) -> None:
        self.post_message(PagedTable.Jump(end=False))

    def action_last_page(self) -> None:
        self.post_message(PagedTable.Jump(end=True))


@dataclass
class _State:
    records: list[Record] = field(default_factory=list)
    more_after: bool = False
    more_before: bool = False
    offset: int | None = 0  # absolute index of records[0], when known
    total: int | None = None


class RecordMessage(Message):
    """A message about one record of a PagedTable (`control` lets @on select the table)."""

    def __init__(self, table: PagedTable, record: Record) -> None:
        super().__init__()
        self.table = table
        self.record = record

    @property
    def control(self) -> PagedTable:
        return self.table


class PagedTable(Vertical):
    """Search box, a windowed table over a `RowSource`, and a status line."""

    DEFAULT_CSS = """
    PagedTable { height: 1fr; }
    PagedTable > .list-bar { height: auto; }
    PagedTable > .list-bar > Input { width: 1fr; }
    PagedTable > .list-bar > Select { width: 32; }
    PagedTable > _Window { height: 1fr; }
    PagedTable > .status { height: 1; color: $text-muted; padding: 0 1; }
    """

    BINDINGS = [
        Binding("s", "next_sort", N_("Sort"), id="list.sort"),
        Binding("o", "reverse_sort", N_("Reverse order"), show=False, id="list.reverse"),
    ]

    loading_page: reactive[bool] = reactive(False)

    class Selected(RecordMessage):
        """Enter (or a click) on a row."""

    class Highlighted(RecordMessage):
        """The cursor moved to another row (a screen shows more of it than the cells)."""

    class Loaded(Message):
        """A reload finished (tests and screens wait for it)."""

        def __init__(self, table: PagedTable) -> None:
            super().__init__()
            self.table = table

    class Jump(Message):
        def __init__(self, end: bool) -> None:
            super().__init__()
            self.end = end

    def __init__(self, source: RowSource, *, query: Query | None = None, searchable: bool = True,
                 page_size: int = PAGE_SIZE, tools: Sequence[Widget] = (),
                 cursor_type: str = "row", id: str | None = None) -> None:
        super().__init__(id=id)
        self.cursor_type = cursor_type  # "cell" where a cell means something (a matrix)
        self.tools = list(tools)  # filters shown beside the search box
        self.source = source
        self.current_query = query or Query()
        self.searchable = searchable
        self.page_size = page_size
        self.state = _State()
        self._generation = 0
        self._busy = False
        self._search_timer: Timer | None = None
        self._wanted_key: str | None = None

    def compose(self) -> ComposeResult:
        if self.searchable or self.tools:
            with Horizontal(classes="list-bar"):
                if self.searchable:
                    yield Input(placeholder=_("Search (accents optional)…"), classes="search")
                yield from self.tools
        table = _Window(cursor_type=self.cursor_type, zebra_stripes=True)  # type: ignore[arg-type]
        yield table
        yield Static("", classes="status")

    def on_mount(self) -> None:
        self.reload()

    @property
    def table(self) -> DataTable:
        return self.query_one(_Window)

    @property
    def records(self) -> list[Record]:
        return self.state.records

    @property
    def selected(self) -> Record | None:
        table = self.table
        if not self.state.records or table.cursor_row < 0:
            return None
        return self.state.records[min(table.cursor_row, len(self.state.records) - 1)]

    @property
    def selected_column(self) -> str | None:
        """The key of the column under the cursor (with cursor_type="cell")."""
        column = self.table.cursor_column
        if not 0 <= column < len(self._shown):
            return None
        return self.source.columns[self._shown[column]].key

    def focus_search(self) -> None:
        if self.searchable:
            self.query_one(Input).focus()

    # --- loading -------------------------------------------------------------------------

    def reload(self, keep_key: str | None = None) -> None:
        """Start again from the top with the current query (after a change or a search)."""
        self._generation += 1
        if keep_key is not None:
            self._wanted_key = keep_key
        elif self._wanted_key is not None:
            # A reload asked for a record (the one just created or changed) and has not
            # landed yet; a later plain reload (the screen shown again when the form
            # closed) must not take the cursor back to the row it was on.
            keep_key = self._wanted_key
        elif (current := self.selected) is not None:
            keep_key = current.key
        self._load_first(self._generation, self.current_query, keep_key)

    def set_query(self, query: Query) -> None:
        if query != self.current_query:
            self.current_query = query
            self.reload()

    def set_filter(self, name: str, value: str) -> None:
        self.set_query(self.current_query.with_filter(name, value))

    @work(thread=True, group="paged-first")
    def _load_first(self, generation: int, query: Query, keep_key: str | None) -> None:
        self._busy = True
        try:
            total = self.source.count(query)
            rows = self.source.fetch(query, limit=self.page_size)
            state = _State(rows, len(rows) == self.page_size, False, 0, total)
            if keep_key is not None and all(r.key != keep_key for r in rows):
                state = self._state_around(query, keep_key, total) or state
        except Exception as exc:  # shown in the status line; the UI keeps working
            self.app.call_from_thread(self._show_error, exc)
            return
        finally:
            self._busy = False
        self.app.call_from_thread(self._install, generation, state, keep_key)

    def _state_around(self, query: Query, key: str, total: int | None) -> _State | None:
        """The window around a kept row that is not on the first page (in a worker)."""
        found = self.source.around(query, key, limit=self.page_size)
        if found is None:
            return None
        rows, offset = found
        more_after = total is None or offset + len(rows) < total
        return _State(rows, more_after, offset > 0, offset, total)

    @work(thread=True, group="paged-jump")
    def _load_end(self, generation: int, query: Query) -> None:
        self._busy = True
        try:
            total = self.source.count(query)
            rows = self.source.fetch(query, before=END, limit=self.page_size)
            offset = total - len(rows) if total is not None else None
            more_before = len(rows) == self.page_size and offset != 0
            state = _State(rows, False, more_before, offset, total)
        except Exception as exc:
            self.app.call_from_thread(self._show_error, exc)
            return
        finally:
            self._busy = False
        self.app.call_from_thread(self._install, generation, state, rows[-1].key if rows else None)

    @work(thread=True, group="paged-extend")
    def _extend(self, generation: int, forward: bool) -> None:
        records = self.state.records
        if not records:
            return
        try:
            if forward:
                edge = records[-1]
                page = self.source.fetch(self.current_query, after=_cursor(edge), limit=self.page_size)
            else:
                edge = records[0]
                page = self.source.fetch(self.current_query, before=_cursor(edge), limit=self.page_size)
        except Exception as exc:
            self.app.call_from_thread(self._show_error, exc)
            self._busy = False
            return
        self.app.call_from_thread(self._grow, generation, forward, page)

    def _request_more(self, forward: bool) -> None:
        wanted = self.state.more_after if forward else self.state.more_before
        if not wanted or self._busy:
            return
        self._busy = True
        self._extend(self._generation, forward)

    def _grow(self, generation: int, forward: bool, page: list[Record]) -> None:
        self._busy = False
        if generation != self._generation:
            return
        state = self.state
        limit = self.page_size * WINDOW_PAGES
        if forward:
            state.more_after = len(page) == self.page_size
            state.records = state.records + page
            dropped = max(0, len(state.records) - limit)
            if dropped:
                state.records = state.records[dropped:]
                state.more_before = True
                state.offset = None if state.offset is None else state.offset + dropped
        else:
            state.more_before = len(page) == self.page_size
            state.records = page + state.records
            state.offset = None if state.offset is None else max(0, state.offset - len(page))
            if len(state.records) > limit:
                state.records = state.records[:limit]
                state.more_after = True
            dropped = -len(page)
        self._render_window(shift=dropped)

    def _install(self, generation: int, state: _State, keep_key: str | None) -> None:
        if generation != self._generation:
            return
        self._wanted_key = None
        self.state = state
        self._render_window(keep_key=keep_key)
        self.post_message(self.Loaded(self))

    def _show_error(self, exc: Exception) -> None:
        from bbt_tui.text import translate_error

        self._wanted_key = None

        self.query_one(".status", Static).update(Text(translate_error(exc), style="bold red"))

    # --- drawing -------------------------------------------------------------------------

    def _render_window(self, keep_key: str | None = None, shift: int = 0) -> None:
        """Redraw the table from the window. `shift` rows were dropped from the top (or, if
        negative, added there): keep the cursor and the viewport on the same rows."""
        table = self.query_one(_Window)
        table.redrawing = True
        try:
            self._redraw(table, keep_key, shift)
        finally:
            table.redrawing = False
        self._update_status()

    def _redraw(self, table: _Window, keep_key: str | None, shift: int) -> None:
        old_row, old_scroll = table.cursor_row, table.scroll_y
        # A cell cursor stays in its column across a reload (the matrix after a change).
        cursor_column = min(table.cursor_column, max(0, len(self.source.columns) - 1))
        table.clear(columns=True)
        layout = self._layout(table)
        self._shown = [index for index, _width in layout]
        cursor_column = min(cursor_column, max(0, len(layout) - 1))
        self._laid_out_for = table.size.width
        columns = self.source.columns
        for index, width in layout:
            table.add_column(self._header(columns[index]), key=columns[index].key, width=width)
        for record in self.state.records:
            table.add_row(*(_ellipsized(record.cells[index]) for index in self._shown),
                          key=record.key)
        if not self.state.records:
            return
        if keep_key is not None:
            keys = [r.key for r in self.state.records]
            row = keys.index(keep_key) if keep_key in keys else 0
            table.move_cursor(row=row, column=cursor_column, animate=False, scroll=True)
        else:
            row = max(0, min(old_row - shift, len(self.state.records) - 1))
            table.move_cursor(row=row, column=cursor_column, animate=False, scroll=False)
            table.scroll_to(y=max(0, old_scroll - shift), animate=False, immediate=True)

    def _layout(self, table: DataTable) -> list[tuple[int, int | None]]:
        """(column index, width) of the columns shown. The one column without a width (a
        title) takes the room the others leave, so that the columns after it stay on
        screen; when even TITLE_WIDTH is not left, columns of low priority are left out.
        A matrix (cell cursor) keeps every column and scrolls sideways instead."""
        columns = self.source.columns
        shown = list(range(len(columns)))
        flexible = [i for i in shown if columns[i].width is None]
        room = table.size.width - 2  # a vertical scrollbar may take two cells
        if len(flexible) != 1 or room <= 0:
            return [(i, columns[i].width) for i in shown]
        padding = 2 * table.cell_padding

        def used() -> int:
            return sum((columns[i].width or 0) + padding for i in shown if i not in flexible)

        if self.cursor_type != "cell":
            droppable = sorted(set(shown) - set(flexible), key=lambda i: (columns[i].priority, -i))
            while used() + TITLE_WIDTH + padding > room and droppable:
                shown.remove(droppable.pop(0))
        title = max(TITLE_WIDTH, room - used() - padding)
        return [(i, title if i in flexible else columns[i].width) for i in shown]

    _laid_out_for = 0
    _shown: list[int] = []  # noqa: RUF012 - replaced, never changed in place

    def on_resize(self) -> None:
        if self.state.records and self.table.size.width != self._laid_out_for:
            self._render_window()

    def _header(self, column: Column) -> Text:
        if column.key != self.current_query.sort:
            return Text(column.label)
        return Text(column.label + (" ▼" if self.current_query.descending else " ▲"), style="bold")

    def _update_status(self) -> None:
        state = self.state
        status = self.query_one(".status", Static)
        if not state.records:
            status.update(_("No rows."))
            return
        row = self.table.cursor_row
        position = None if state.offset is None else state.offset + row + 1
        text = _("Row {row} of {total}").format(
            row=number(position) if position is not None else "…",
            total=number(state.total) if state.total is not None else "…",
        )
        status.update(text)

    # --- events --------------------------------------------------------------------------

    @on(DataTable.RowHighlighted)
    @on(DataTable.CellHighlighted)
    def _on_highlight(self, event: DataTable.RowHighlighted | DataTable.CellHighlighted) -> None:
        event.stop()
        self._update_status()
        if (record := self.selected) is not None:
            self.post_message(self.Highlighted(self, record))
        # The cursor as it is now: events queued by a redraw carry positions already gone.
        row = self.table.cursor_row
        if row >= len(self.state.records) - MARGIN:
            self._request_more(forward=True)
        elif row < MARGIN:
            self._request_more(forward=False)

    @on(DataTable.RowSelected)
    @on(DataTable.CellSelected)
    def _on_select(self, event: DataTable.RowSelected | DataTable.CellSelected) -> None:
        event.stop()
        if (record := self.selected) is not None:
            self.post_message(self.Selected(self, record))

    @on(_Window.NearEdge)
    def _on_near_edge(self, event: _Window.NearEdge) -> None:
        event.stop()
        self._request_more(event.forward)

    @on(Jump)
    def _on_jump(self, event: Jump) -> None:
        event.stop()
        self._generation += 1
        if event.end:
            self._load_end(self._generation, self.current_query)
        else:
            self._load_first(self._generation, self.current_query, None)
            self.table.move_cursor(row=0)

    @on(DataTable.HeaderSelected)
    def _on_header(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    def sort_by(self, key: str) -> None:
        column = next((c for c in self.source.columns if c.key == key), None)
        if column is None or not column.sortable:
            return
        descending = not self.current_query.descending if self.current_query.sort == key else False
        self.set_query(replace(self.current_query, sort=key, descending=descending))

    def action_next_sort(self) -> None:
        keys = [c.key for c in self.source.columns if c.sortable]
        if not keys:
            return
        current = keys.index(self.current_query.sort) if self.current_query.sort in keys else -1
        self.set_query(replace(self.current_query, sort=keys[(current + 1) % len(keys)],
                               descending=False))

    def action_reverse_sort(self) -> None:
        if self.current_query.sort is None and self.source.columns:
            self.set_query(replace(self.current_query, sort=self.source.columns[0].key, descending=True))
        else:
            self.set_query(replace(self.current_query, descending=not self.current_query.descending))

    @on(Input.Changed, ".search")
    def _on_search_typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        value = event.value
        self._search_timer = self.set_timer(
            SEARCH_DELAY, lambda: self.set_query(replace(self.current_query, search=value)))

    @on(Input.Submitted, ".search")
    def _on_search_done(self, event: Input.Submitted) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        self.set_query(replace(self.current_query, search=event.value))
        self.table.focus()

    def apply_search_now(self, text: str) -> None:
        """Search without the typing delay (used by tests and the command palette)."""
        if self.searchable:
            self.query_one(Input).value = text
        if self._search_timer is not None:
            self._search_timer.stop()
        self.set_query(replace(self.current_query, search=text))


def _cursor(record: Record) -> Any:
    return record.key if record.cursor is None else record.cursor
