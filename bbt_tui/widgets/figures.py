"""A dashboard figure: a big number, what it counts, a detail line; Enter or a click opens
the screen behind it."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from bbt_tui.text import N_


class Figure(Static, can_focus=True):
    DEFAULT_CSS = """
    Figure { width: 1fr; height: 6; border: round $primary; padding: 0 1; margin: 0 1 1 0; }
    Figure:focus { border: round $accent; background: $boost; }
    """

    BINDINGS = [Binding("enter", "open", N_("Open"), show=False)]

    class Opened(Message):
        def __init__(self, figure: Figure) -> None:
            super().__init__()
            self.figure = figure

    def __init__(self, label: str, area: str, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.area = area
        self.value = "…"
        self.detail = ""

    def set(self, value: str, detail: str = "") -> None:
        self.value, self.detail = value, detail
        self.update(self._text())

    def on_mount(self) -> None:
        self.update(self._text())

    def _text(self) -> Text:
        text = Text()
        text.append(self.value + "\n", style="bold")
        text.append(self.label + "\n", style="")
        text.append(self.detail, style="dim")
        return text

    def action_open(self) -> None:
        self.post_message(self.Opened(self))

    def on_click(self) -> None:
        self.action_open()
