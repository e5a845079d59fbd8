"""Small modal dialogs: confirm a destructive action, show a message (a one-time password)
once, a list to read (and save as a file), and the F1 help of a screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Static

from bbt_tui.text import N_
from bbt_tui.widgets.paged_table import Column, Record
from domain.i18n import _


class ConfirmScreen(ModalScreen[bool]):
    """Yes / no. Dismissed with True only on an explicit yes."""

    BINDINGS = [
        Binding("y", "answer(True)", N_("Yes")),
        Binding("n,escape", "answer(False)", N_("No")),
    ]

    def __init__(self, question: str, yes_label: str | None = None, *,
                 record: tuple[str, str] | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.yes_label = yes_label or _("Yes")
        self.record = record  # (number, title) of the record the act is about

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question")
            if self.record is not None:
                yield Static(record_text(*self.record), id="confirm-record", classes="question")
            with Horizontal(classes="buttons"):
                yield Button(self.yes_label + " (y)", variant="error", id="yes")
                yield Button(_("No") + " (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


def record_text(number: str, title: str) -> Text:
    """The number and title of the record an official act is about, to read before yes."""
    text = Text()
    text.append(_("Number") + ": ", style="dim")
    text.append(number + "\n", style="bold")
    text.append(_("Title") + ": ", style="dim")
    text.append(title, style="bold")
    return text


def confirm_then(screen: Screen, question: str, record: tuple[str, str],
                 act: Callable[[], object], yes_label: str | None = None) -> None:
    """Ask before an official or destructive act (issue, seal, send, register, reject),
    naming the record; `act` runs only on an explicit yes."""

    def answered(yes: bool | None) -> None:
        if yes:
            act()

    screen.app.push_screen(ConfirmScreen(question, yes_label, record=record), answered)


class MessageScreen(ModalScreen[None]):
    """A message to read once, e.g. a one-time password that is shown nowhere else."""

    BINDINGS = [Binding("escape,enter", "close", N_("Close"))]

    def __init__(self, title: str, body: str, secret: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.body = body
        self.secret = secret

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.body)
            if self.secret:
                yield Static(Text(self.secret, style="bold reverse"), id="secret",
                             classes="secret")
            yield Button(_("Close"), variant="primary", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """F1: what this screen is for, and every key that works on it."""

    BINDINGS = [Binding("escape,f1,q", "close", N_("Close"))]

    def __init__(self, title: str, text: str, keys: list[tuple[str, str]]) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.text = text
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Label(_("Help: {screen}").format(screen=self.title_text), classes="dialog-title")
            with VerticalScroll():
                yield Static(self.text, classes="help-text")
                table = Text()
                for key, description in self.keys:
                    table.append(f"{key:>12}  ", style="bold")
                    table.append(description + "\n")
                yield Static(table, id="help-keys")
                yield Static(_("Ctrl+P opens the command palette: type a few letters of any "
                               "action or screen."), classes="hint")
            yield Button(_("Close"), variant="primary", id="close")

    def action_close(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)


class TableScreen(ModalScreen[None]):
    """A list to read, searchable; with `save`, a path field and a button write it to a file
    (`save(path)` returns an error sentence, or None when written)."""

    BINDINGS = [Binding("escape", "close", N_("Close"), id="table.close"),
                Binding("f2", "save", N_("Save"), id="table.save")]

    def __init__(self, title: str, columns: Sequence[Column], records: list[Record], *,
                 intro: str = "", save_as: str | None = None,
                 save: Callable[[str], str | None] | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.columns = columns
        self.records = records
        self.intro = intro
        self.save_as = save_as
        self.save = save

    def compose(self) -> ComposeResult:
        from bbt_tui.widgets.paged_table import ListSource, PagedTable

        with Vertical(classes="dialog wide"):
            yield Label(self.title_text, classes="dialog-title")
            if self.intro:
                yield Static(self.intro, classes="intro")
            yield PagedTable(ListSource(self.columns, lambda: self.records), id="table-list")
            if self.save is not None and self.save_as is not None:
                yield Label(_("Save as"), classes="field-label")
                yield Input(self.save_as, id="save-path", compact=True)
                yield Static("", id="save-error", classes="form-error")
            with Horizontal(classes="buttons"):
                if self.save is not None and self.save_as is not None:
                    yield Button(_("Save") + " (F2)", variant="primary", id="save")
                yield Button(_("Close") + " (Esc)", id="close")

    def on_mount(self) -> None:
        from bbt_tui.widgets.paged_table import PagedTable

        self.query_one(PagedTable).table.focus()

    def action_save(self) -> None:
        if self.save is None or self.save_as is None:
            return
        path = self.query_one("#save-path", Input).value
        try:
            problem = self.save(path)
        except OSError as exc:
            problem = _("The file cannot be written: {reason}.").format(
                reason=exc.strerror or exc)
        if problem:
            self.query_one("#save-error", Static).update(problem)
        else:
            self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#save-path")
    def _submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_close()
