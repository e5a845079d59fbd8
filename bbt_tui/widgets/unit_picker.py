"""Pick units: filter by name or code (accents optional), tick units one by one, or add a
whole kind at once (e.g. all 68 grassroots organisations)."""

from __future__ import annotations

from rich.segment import Segment
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.strip import Strip
from textual.widgets import Input, Select, SelectionList, Static
from textual.widgets.option_list import OptionDoesNotExist

from bbt_tui.db import run_db
from bbt_tui.labels import UNIT_KIND_LABELS, options
from domain.i18n import N_, _, plural
from domain.text import fold


class TickList(SelectionList[str]):
    """Textual draws the same X in every box and only colours the chosen ones, which reads
    as "everything chosen" in many themes: here a box is empty unless its unit is chosen."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        if option.value in self.selected or len(segments) < 2:
            return strip
        box = segments[1]  # left edge, the box, right edge, then the prompt
        segments[1] = Segment(" " * len(box.text), box.style)
        return Strip(segments, strip.cell_length)


class UnitPicker(Vertical):
    DEFAULT_CSS = """
    UnitPicker { height: auto; max-height: 20; }
    UnitPicker SelectionList { height: 12; }
    UnitPicker Horizontal { height: auto; }
    UnitPicker Input { width: 1fr; }
    UnitPicker Select { width: 30; }
    UnitPicker .count { height: 1; color: $text-muted; }
    """

    def __init__(self, selected: list[str] | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.chosen: set[str] = set(selected or [])
        self.units: list[tuple[str, str, str]] = []  # code, name, kind

    @property
    def value(self) -> list[str]:
        return sorted(self.chosen)

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Input(placeholder=_("Filter units…"), classes="unit-filter")
            yield Select(options(UNIT_KIND_LABELS), prompt=_("Add a whole kind…"),
                         classes="unit-kind")
        yield TickList(classes="unit-list")
        yield Static("", classes="count")

    def on_mount(self) -> None:
        from domain import units

        run_db(self, lambda session, _actor: [(u.code, u.name, u.kind)
                                               for u in units.listing(session) if u.active],
               on_done=self._loaded)

    def _loaded(self, rows: list[tuple[str, str, str]]) -> None:
        self.units = rows
        self._refill()

    def _refill(self) -> None:
        needle = fold(self.query_one(".unit-filter", Input).value)
        listing = self.query_one(SelectionList)
        listing.clear_options()
        listing.add_options([(f"{code} — {name}", code, code in self.chosen)
                             for code, name, _kind in self.units
                             if not needle or needle in fold(f"{code} {name}")])
        self._count()

    def _count(self) -> None:
        self.query_one(".count", Static).update(
            plural(len(self.chosen), N_("{n} unit chosen"), N_("{n} units chosen")).format(
                n=len(self.chosen)))

    def add_kind(self, kind: str) -> None:
        self.chosen |= {code for code, _name, k in self.units if k == kind}
        self._refill()

    @on(Input.Changed, ".unit-filter")
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        self._refill()

    @on(Input.Submitted, ".unit-filter")
    def _to_list(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(SelectionList).focus()

    @on(Select.Changed, ".unit-kind")
    def _kind(self, event: Select.Changed) -> None:
        event.stop()
        if not event.select.is_blank():
            self.add_kind(str(event.value))

    @on(SelectionList.SelectionToggled)
    def _toggled(self, event: SelectionList.SelectionToggled) -> None:
        event.stop()
        code = str(event.selection.value)
        self.chosen.symmetric_difference_update({code})
        self._count()
