"""PagedTable over a 200,000-row source: it never holds more than a few pages, pages on as
the cursor moves, and jumps to the end without reading what lies between. No database is
involved (the source is synthetic), so this runs once rather than per engine."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import App, ComposeResult

from bbt_tui.widgets.paged_table import (
    END,
    PAGE_SIZE,
    WINDOW_PAGES,
    Column,
    ListSource,
    PagedTable,
    Query,
    Record,
    RowSource,
)

TOTAL = 200_000


class Numbers(RowSource):
    """Rows 1..TOTAL by keyset on the number; counts every row it hands out."""

    columns = [Column("n", "N", 10), Column("text", "Text")]

    def __init__(self) -> None:
        self.served = 0

    def _rows(self, start: int, stop: int) -> list[Record]:
        rows = [Record(str(n), (str(n), f"row {n}"), cursor=n)
                for n in range(max(1, start), min(TOTAL, stop) + 1)]
        self.served += len(rows)
        return rows

    def fetch(self, query: Query, *, after: Any = None, before: Any = None,
              limit: int = PAGE_SIZE) -> list[Record]:
        if before is END:
            return self._rows(TOTAL - limit + 1, TOTAL)
        if before is not None:
            return self._rows(before - limit, before - 1)
        start = (after or 0) + 1
        return self._rows(start, start + limit - 1)

    def count(self, query: Query) -> int:
        return TOTAL


class Host(App[None]):
    def __init__(self, source: RowSource) -> None:
        super().__init__()
        self.source = source

    def compose(self) -> ComposeResult:
        yield PagedTable(self.source, searchable=False)


async def settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_a_huge_list_is_paged_not_loaded() -> None:
    source = Numbers()

    async def main() -> dict[str, Any]:
        app = Host(source)
        seen: dict[str, Any] = {}
        async with app.run_test(size=(80, 30)) as pilot:
            await settle(pilot)
            table = app.query_one(PagedTable)
            table.table.focus()
            seen["first"] = [r.key for r in table.records[:2]], len(table.records)
            for _ in range(12):  # page down through several pages
                await pilot.press("pagedown")
                await settle(pilot)
            seen["window"] = len(table.records)
            seen["cursor"] = table.selected.key if table.selected else None
            seen["status"] = str(table.query_one(".status").render())
            await pilot.press("end")
            await settle(pilot)
            seen["last"] = table.records[-1].key, table.selected.key if table.selected else None
            await pilot.press("up")
            for _ in range(3):
                await pilot.press("pageup")
                await settle(pilot)
            seen["after_up"] = table.records[0].key, len(table.records)
        return seen

    seen = asyncio.run(main())
    assert seen["first"] == (["1", "2"], PAGE_SIZE)
    assert seen["window"] <= PAGE_SIZE * WINDOW_PAGES
    assert int(seen["cursor"]) > PAGE_SIZE  # paged past the first page
    assert seen["status"].startswith(f"Row {seen['cursor']} of 200,000")
    assert seen["last"] == (str(TOTAL), str(TOTAL))
    assert int(seen["after_up"][0]) < TOTAL - PAGE_SIZE  # the page above was fetched
    assert source.served < 2_000  # a handful of pages, never the 200,000 rows


def test_list_source_search_ignores_accents_and_sorts() -> None:
    rows = [Record(code, (code, name)) for code, name in
            [("A", "Lộc Thành"), ("B", "Lộc Thắng"), ("C", "Tân Lạc"), ("D", "lộc thành B")]]
    source = ListSource([Column("code", "Code"), Column("name", "Name")], lambda: rows)
    found = source.fetch(Query(search="loc thanh"))
    assert [r.key for r in found] == ["A", "D"]
    ordered = source.fetch(Query(sort="name", descending=True))
    # Folded: "tan lac" > "loc thanh b" > "loc thanh" > "loc thang"
    assert [r.key for r in ordered] == ["C", "D", "A", "B"]
    page = source.fetch(Query(), after="B", limit=1)
    assert [r.key for r in page] == ["C"]
    assert [r.key for r in source.fetch(Query(), before="C", limit=5)] == ["A", "B"]
    assert [r.key for r in source.fetch(Query(), before=END, limit=2)] == ["C", "D"]


def test_a_narrow_table_leaves_out_its_least_important_columns() -> None:
    """The title keeps TITLE_WIDTH cells; columns of low priority make room for it (the
    lowest first), and come back when the terminal widens."""
    columns = [Column("id", "Id", 6), Column("title", "Title"),
               Column("kind", "Kind", 16, priority=-1), Column("author", "Author", 18, priority=-2),
               Column("status", "Status", 10)]
    rows = [Record("1", ("1", "A title far longer than the room it gets", "news", "Hà", "new"))]
    source = ListSource(columns, lambda: rows)

    async def main() -> list[tuple[list[str], int]]:
        seen = []
        async with Host(source).run_test(size=(60, 10)) as pilot:
            await settle(pilot)
            table = pilot.app.query_one(PagedTable).table
            for width in (60, 80, 160):
                await pilot.resize_terminal(width, 10)
                await settle(pilot)
                seen.append(([str(c.key.value) for c in table.ordered_columns],
                             table.ordered_columns[1].width))
        return seen

    narrow, middle, wide = asyncio.run(main())
    assert narrow == (["id", "title", "status"], 60 - 2 - (6 + 2) - (10 + 2) - 2)
    assert middle[0] == ["id", "title", "kind", "status"]  # the author goes first
    assert wide[0] == ["id", "title", "kind", "author", "status"]
