"""Files the user names: where an export goes, which file an import reads. Paths are typed
(with ~ and relative to the folder BBT was started in) or picked in a folder tree."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Label, Static

from bbt_tui.text import N_
from domain.i18n import _


def expand(text: str) -> Path:
    """What the user typed, as an absolute path (~ is the home folder)."""
    return Path(os.path.expanduser(text.strip())).absolute()


def suggested(name: str) -> str:
    """A file name in the folder BBT was started in, shown in the form for the user to edit."""
    return str(Path.cwd() / name)


def check_new_file(*suffixes: str) -> Callable[[str], str | None]:
    """A form check: the folder exists and the name ends as the format needs."""

    def check(value: str) -> str | None:
        path = expand(value)
        if not path.parent.is_dir():
            return _("The folder {folder} does not exist.").format(folder=path.parent)
        if path.is_dir():
            return _("Name a file, not a folder.")
        if suffixes and path.suffix.lower() not in suffixes:
            return _("The file name must end with {suffixes}.").format(
                suffixes=", ".join(suffixes))
        return None

    return check


def check_existing_file(value: str) -> str | None:
    path = expand(value)
    if not path.is_file():
        return _("There is no file {path}.").format(path=path)
    return None


def write_file(path: Path, writer: Callable[[IO[bytes]], object]) -> None:
    """Write beside the target and rename: an interrupted export leaves no half file."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as target:
            writer(target)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


class _Tree(DirectoryTree):
    """Folders and the files of the wanted kinds only."""

    def __init__(self, path: Path, suffixes: tuple[str, ...]) -> None:
        super().__init__(path)
        self.suffixes = suffixes

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".")
                and (p.is_dir() or p.suffix.lower() in self.suffixes)]


class FilePicker(ModalScreen[str | None]):
    """Pick a file in a folder tree; dismissed with its path, or None."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="files.cancel"),
        Binding("backspace", "up", N_("Parent folder"), id="files.up"),
    ]

    def __init__(self, start: Path, suffixes: tuple[str, ...]) -> None:
        super().__init__(classes="dialog-screen")
        self.start = start if start.is_dir() else Path.cwd()
        self.suffixes = suffixes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Label(_("Choose a file"), classes="dialog-title")
            yield Static(_("Enter opens a folder or picks a file; Backspace goes up one "
                           "folder. Files shown: {suffixes}.").format(
                suffixes=", ".join(self.suffixes)), classes="intro")
            yield _Tree(self.start, self.suffixes)
            yield Button(_("Cancel") + " (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one(_Tree).focus()

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(str(event.path))

    def action_up(self) -> None:
        tree = self.query_one(_Tree)
        parent = Path(tree.path).parent
        tree.path = parent

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)
