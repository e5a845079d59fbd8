"""The navigation bar (the areas this account may open, with their keys) and a footer that
shows the key descriptions in the user's language."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from bbt_tui import areas
from domain.i18n import _

# The navigation bar takes at most this many lines; past that it turns compact.
NAV_LINES = 2
# Labels are never cut shorter than this; below it the bar shows keys only.
SHORTEST_LABEL = 4


@dataclass(frozen=True)
class _Item:
    key: str  # "1".."0", or "" for the areas reached through the command palette
    label: str  # translated
    name: str  # the area
    current: bool


class NavBar(Widget):
    """The areas this account may open, with their keys; a click opens one.

    Wide screens show every area with its label. When that takes more than NAV_LINES lines,
    the bar turns compact: tighter spacing, the areas without a key (reached through the
    command palette, Ctrl+P) folded into one hint, then labels cut shorter, at last keys
    only. The current area always keeps its whole label, so the bar never disappears.

    The text is made from the width Textual lays the bar out at, both when it measures the
    height and when it renders: text set from a resize event could meet a height measured
    for another width, and leave a blank line under the bar."""

    DEFAULT_CSS = """
    NavBar { height: auto; max-height: 2; background: $panel; padding: 0 1; link-style: none;
             link-style-hover: bold underline; link-background-hover: $panel; }
    """

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._text(width).plain.count("\n") + 1

    def render(self) -> Text:
        return self._text(self.size.width)

    def _items(self) -> list[_Item]:
        shown = areas.visible(self.app.actor)  # type: ignore[attr-defined]
        return [_Item(str(index % 10) if index <= 10 else "", _(area.title), area.name,
                      area.name == self.current)
                for index, area in enumerate(shown, 1)]

    def _text(self, width: int) -> Text:
        room = width - 2 if width > 2 else 10_000
        items = self._items()
        # One line if whole labels fit on it, else up to NAV_LINES lines, cutting labels.
        for lines, shortest in ((1, None), (NAV_LINES, SHORTEST_LABEL)):
            for pieces in _forms(items, shortest):
                text = _wrapped(pieces, room)
                if text.plain.count("\n") < lines:
                    return text
        return _wrapped(_compact(items, cut=0), room)  # keys only


def _forms(items: list[_Item], shortest: int | None) -> Iterator[list[Text]]:
    """The bar's forms, roomiest first, each as a list of unbreakable pieces; labels are
    cut down to `shortest` cells (None: never cut)."""
    yield [_piece(item, item.label, roomy=True) for item in items]
    longest = max((len(item.label) for item in items), default=0)
    for cut in range(longest, (shortest or longest) - 1, -1):
        yield _compact(items, cut)


def _compact(items: list[_Item], cut: int) -> list[Text]:
    """The areas with a key, labels cut to `cut` cells, and a hint for the others."""
    kept = [item for item in items if item.key or item.current]
    pieces = [_piece(item, item.label if item.current else _shorten(item.label, cut))
              for item in kept]
    if hidden := len(items) - len(kept):
        pieces.append(Text(f"+{hidden} ^p", style="dim"))
    return pieces


def _shorten(label: str, cut: int) -> str:
    """The label in at most `cut` cells, "…" marking a cut; no label at all for 0."""
    if len(label) <= cut:
        return label
    return label[:cut - 1].rstrip() + "…" if cut else ""


def _piece(item: _Item, label: str, roomy: bool = False) -> Text:
    link = Style(meta={"@click": f"app.show_area({item.name!r})"})
    style = Style(bold=True, reverse=True) if item.current else Style()
    key = item.key or "·"
    text = Text()
    if roomy or item.current:
        text.append(f" {key} ", style=Style(bold=True) + style + link)
        text.append(f"{label} " if label else "", style=style + link)
    else:
        text.append(key, style=Style(bold=True, color="bright_cyan") + link)
        text.append(f" {label}" if label else "", style=link)
    return text


def _wrapped(pieces: list[Text], room: int) -> Text:
    """The pieces one space apart; a line breaks between two pieces, never inside one."""
    text = Text()
    line = 0
    for piece in pieces:
        width = piece.cell_len
        if line and line + 1 + width > room:
            text.append("\n")
            line = 0
        elif line:
            text.append(" ")
            line += 1
        text.append_text(piece)
        line += width
    return text


# Keys every screen has, shown after the screen's own (which come in their declared order),
# so that a narrow footer cuts these first; F1 lists them all anyway.
GENERAL_ACTIONS = ("search", "next_sort", "reload", "app.help", "help", "quit", "app.quit")
# Narrower than this, the footer drops the spaces around its keys.
COMPACT_FOOTER_BELOW = 120


def footer_rank(action: str) -> int:
    """0 for a screen's own keys, then the general keys in GENERAL_ACTIONS order."""
    return GENERAL_ACTIONS.index(action) + 1 if action in GENERAL_ACTIONS else 0


class BBTFooter(Footer):
    """Footer with the key descriptions in the user's language (bindings hold English
    msgids), the screen's own keys first, and only the keys that fit whole: a narrow screen
    drops the last ones (F1 lists them all) rather than cutting one in the middle."""

    def compose(self):  # type: ignore[no-untyped-def]
        widgets = list(super().compose())
        for widget in widgets:
            if isinstance(widget, FooterKey):
                widget.description = _(widget.description) if widget.description else ""
                if isinstance(widget.tooltip, str):
                    widget.tooltip = _(widget.tooltip)
        widgets.sort(key=lambda widget: footer_rank(getattr(widget, "action", "")))
        self._fit(widgets)
        yield from widgets

    def _fit(self, widgets: list[Widget]) -> None:
        if not self.size.width:  # not laid out yet: on_resize composes again
            return
        keys = [w for w in widgets if isinstance(w, FooterKey)]
        palette = [w for w in keys if w.has_class("-command-palette")]
        room = self.size.width - sum(_key_width(w, compact=True) + 2 for w in palette)
        used = 0
        for widget in keys:
            if widget in palette:
                continue
            used += _key_width(widget, self.compact)
            widget.display = used <= room

    def on_resize(self) -> None:
        compact = self.size.width < COMPACT_FOOTER_BELOW
        if compact != self.compact or self.size.width != self._fitted_to:
            self._fitted_to = self.size.width
            self.compact = compact
            self.refresh(recompose=True)

    _fitted_to = 0


def _key_width(key: FooterKey, compact: bool) -> int:
    """Cells a footer key takes (Textual's Footer CSS: a compact key is "k Description"
    and a margin, a roomy one " k Description ")."""
    description = 1 + cell_len(key.description) if key.description else 0
    return cell_len(key.key_display) + description + (1 if compact else 3)
