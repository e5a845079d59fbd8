"""A small vertical bar chart drawn with block characters: one bar per label, the value
under each bar, bars scaled from zero (a month with 4 news looks small beside 29, as it
should; a sparkline scales from the smallest value and would not show that)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

EIGHTHS = " ▁▂▃▄▅▆▇█"


class BarChart:
    def __init__(self, title: str, labels: Sequence[str], values: Sequence[int], *,
                 height: int = 8, style: str = "cyan", bar_width: int = 3) -> None:
        self.title = title
        self.labels = list(labels)
        self.values = [max(0, int(v)) for v in values]
        self.height = height
        self.style = style
        self.bar_width = bar_width

    def column_width(self) -> int:
        widest = max([len(label) for label in self.labels]
                     + [len(str(v)) for v in self.values] + [self.bar_width])
        return widest + 1

    def lines(self) -> list[Text]:
        width = self.column_width()
        top = max(self.values, default=0) or 1
        # Each bar's height in eighths of a line.
        eighths = [round(v * self.height * 8 / top) for v in self.values]
        out = [Text(self.title, style="bold")]
        for row in range(self.height - 1, -1, -1):
            line = Text()
            for filled in eighths:
                part = min(8, max(0, filled - row * 8))
                bar = EIGHTHS[part] * self.bar_width
                line.append(bar.center(width), style=self.style)
            out.append(line)
        out.append(Text("".join(str(v).center(width) for v in self.values), style="bold"))
        out.append(Text("".join(label.center(width) for label in self.labels), style="dim"))
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines():
            line.no_wrap = True
            line.overflow = "crop"
            yield line
