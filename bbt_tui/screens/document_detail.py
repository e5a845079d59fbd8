"""One document: its register entry, every delivery, its files (attach more, save them to a
folder), its seal (niêm phong: sign with the issuing unit's key and passphrase), the legal
digital signatures (chữ ký số) of its PDF files, and who viewed or acted on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from bbt_tui.callbacks import when_done
from bbt_tui.db import run_db
from bbt_tui.labels import (
    AUDIT_ACTION_LABELS,
    DELIVERY_STATUS_LABELS,
    DIRECTION_LABELS,
    PURPOSE_LABELS,
    URGENCY_LABELS,
    label,
)
from bbt_tui.screens.keys import passphrase_fields
from bbt_tui.text import N_, vn_date, yes_no
from bbt_tui.widgets.form import FormField, FormScreen
from domain.i18n import _, plural


def detail_text(doc: dict[str, Any]) -> str:
    lines = [doc["title"], "",
             f"{_('Date')}: {vn_date(date.fromisoformat(doc['date']))}    "
             f"{_('Issuing unit code')}: {doc['issuer']}    "
             f"{_('Direction')}: {label(DIRECTION_LABELS, doc['direction'])}    "
             f"{_('Urgency')}: {label(URGENCY_LABELS, doc['urgency'])}",
             f"{_('Sealed')}: {yes_no(doc['signed'])}", "",
             plural(len(doc["deliveries"]), N_("{n} delivery:"),
                    N_("{n} deliveries:")).format(n=len(doc["deliveries"]))]
    for d in doc["deliveries"]:
        due = vn_date(date.fromisoformat(d["due"])) if d["due"] else ""
        late = " ⚠ " + _("overdue") if d["overdue"] else ""
        lines.append(f"  {d['unit']:<14} {label(PURPOSE_LABELS, d['purpose']):<18} "
                     f"{label(DELIVERY_STATUS_LABELS, d['status']):<10} {due}{late}")
    return "\n".join(lines + files_lines(doc) + signature_lines(doc.get("legal_signatures", [])))


def files_lines(doc: dict[str, Any]) -> list[str]:
    found = doc.get("files", [])
    lines = ["", plural(len(found), N_("{n} file:"), N_("{n} files:")).format(n=len(found))]
    for f in found:
        role = _("main file") if f["role"] == "main" else _("appendix")
        lines.append(f"  {f['name']:<40} {role:<10} {f['size']:>10,} B")
    return lines


def signature_lines(found: list[dict[str, Any]]) -> list[str]:
    lines = ["", _("Digital signatures (chữ ký số): {n}").format(n=len(found))]
    for sig in found:
        state = [_("intact") if sig["intact"] else _("ALTERED or invalid"),
                 _("trusted") if sig["trusted"] else _("NOT trusted")]
        lines.append(f"  {sig['signer'] or '?'}  {(sig['signed_at'] or '?')[:19]}  "
                     + ", ".join(state))
    return lines


def history_text(rows: list[dict[str, Any]]) -> str:
    lines = [_("History:")]
    lines += [f"  {r['at'][:19].replace('T', ' ')}  {r['who']:<16} "
              f"{label(AUDIT_ACTION_LABELS, r['action'])}" for r in rows]
    return "\n".join(lines)


def sign_form(number: str) -> FormScreen:
    """The passphrase prompt; dismissed with the number once sealed."""
    from domain import keys

    def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
        return keys.sign(session, actor, number, v["passphrase"]).number

    return FormScreen(_("Seal {number}").format(number=number), passphrase_fields(False), save,
                      save_label=_("Seal"),
                      intro=_("The issuing unit's key seals the document's content and "
                              "attachment; type the key's passphrase."))


def _check_folder(value: str) -> str | None:
    from bbt_tui.widgets.files import expand

    return None if expand(value).is_dir() else _("The folder {folder} does not exist.").format(
        folder=expand(value))


def save_files(session: Any, actor: Any, number: str, folder: Path, names: list[str]
               ) -> list[Path]:
    """Write the named files into the folder (mode 600, never over an existing file)."""
    from domain import files
    from domain.output import check_target, write_private

    targets = [folder / Path(name).name for name in names]
    for target in targets:
        check_target(target)  # refuse before anything is written
    for name, target in zip(names, targets, strict=True):
        _row, data = files.download(session, actor, number, name)
        write_private(target, data)
    return targets


class DocumentScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("k", "sign", N_("Seal"), id="document.sign"),
        Binding("v", "verify", N_("Verify"), id="document.verify"),
        Binding("a", "attach", N_("Attach a file"), id="document.attach"),
        Binding("o", "save_files", N_("Save files"), id="document.save_files"),
        Binding("escape,enter", "close", N_("Close"), id="document.close"),
    ]

    DIALOG_CLASS = ""

    def __init__(self, doc: dict[str, Any]) -> None:
        super().__init__(classes="dialog-screen")
        self.doc = doc
        self.verdict: tuple[bool, str] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes=f"dialog wide-text {self.DIALOG_CLASS}".strip()):
            yield Static(self.heading(), classes="dialog-title", id="document-title")
            with VerticalScroll(classes="detail-body"):
                yield Static(self.body_text(), id="document-body")
                yield Static("", id="document-history")
            yield Static("", id="verdict")
            own = list(self.action_buttons())
            if own:
                with Horizontal(classes="buttons"):
                    yield from own
            with Horizontal(classes="buttons"):
                if self._can_sign():
                    yield Button(_("Seal") + " (k)", id="sign")
                yield Button(_("Verify") + " (v)", id="verify")
                if self._can_attach():
                    yield Button(_("Attach a file") + " (a)", id="attach")
                if self.doc.get("files"):
                    yield Button(_("Save files") + " (o)", id="save_files")
                yield Button(_("Close"), variant="primary", id="close")

    def heading(self) -> str:
        return str(self.doc["number"])

    def action_buttons(self) -> list[Button]:
        """Buttons of a subclass's own actions, in a row above the document's."""
        return []

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()
        self._load_history()

    def _load_history(self) -> None:
        from domain import history

        number, year = self.doc["number"], self.year
        run_db(self, lambda session, actor: history.of_document(session, actor, number, year),
               on_done=lambda rows: self.query_one("#document-history", Static).update(
                   history_text(rows)))

    def _can_attach(self) -> bool:
        actor = self.app.actor  # type: ignore[attr-defined]
        return actor is not None and actor.can("documents.write")

    def _can_sign(self) -> bool:
        actor = self.app.actor  # type: ignore[attr-defined]
        return (actor is not None and actor.can("documents.sign")
                and self.doc["direction"] == "outgoing")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sign":
            return self._can_sign()
        if action == "attach":
            return self._can_attach()
        if action == "save_files":
            return bool(self.doc.get("files"))
        return True

    def action_sign(self) -> None:
        self.app.push_screen(sign_form(self.doc["number"]), when_done(self._signed))

    def _signed(self, number: str) -> None:
        self.notify(_("{number} sealed.").format(number=number))
        self._reload(verify=True)

    def _reload(self, verify: bool = False) -> None:
        from domain import documents

        number, year = self.doc["number"], self.year
        run_db(self, lambda session, actor: documents.show(session, actor, number, year),
               on_done=lambda doc: self._reloaded(doc, verify))

    @property
    def year(self) -> int:
        """A number may repeat across terms: the document's year says which one is meant."""
        return date.fromisoformat(self.doc["date"]).year

    def body_text(self) -> str:
        return detail_text(self.doc)

    def _reloaded(self, doc: dict[str, Any], verify: bool) -> None:
        self.doc = doc
        self.query_one("#document-body", Static).update(self.body_text())
        self._load_history()
        if verify:
            self.action_verify()

    def action_verify(self) -> None:
        from domain import signatures

        number = self.doc["number"]
        run_db(self, lambda session, actor: signatures.verify(session, actor, number),
               on_done=self._verified)

    def _verified(self, result: dict[str, Any]) -> None:
        seal = result["seal"]
        self.verdict = (seal["valid"], seal["reason"])
        text = Text((_("Seal valid: {reason}.") if seal["valid"]
                     else _("Seal NOT valid: {reason}.")).format(reason=seal["reason"]),
                    style="bold green" if seal["valid"] else "bold red")
        found = result["legal_signatures"]
        lines = signature_lines(found)
        text.append("\n" + lines[1])
        for sig, line in zip(found, lines[2:], strict=True):
            text.append("\n" + line, style="green" if sig["intact"] and sig["trusted"] else "red")
        self.query_one("#verdict", Static).update(text)
        self._reload()

    def action_attach(self) -> None:
        from bbt_tui.widgets.files import check_existing_file, expand
        from domain import files

        number = self.doc["number"]

        def save(session: Any, actor: Any, v: dict[str, Any]) -> int:
            # Reading and extracting the text run here, in the worker: a big PDF never
            # blocks the screen.
            return len(files.attach(session, actor, number, [expand(v["path"])]))

        fields = [FormField("path", N_("File to attach (PDF, Word, Excel, ODT, image, text)"),
                            required=True, check=check_existing_file)]
        self.app.push_screen(FormScreen(_("Attach a file to {number}").format(number=number),
                                        fields, save, save_label=_("Attach")),
                             when_done(lambda _n: self._attached()))

    def _attached(self) -> None:
        self.notify(_("File attached to {number}.").format(number=self.doc["number"]))
        self._reload()

    def action_save_files(self) -> None:
        from bbt_tui.widgets.files import expand

        number = self.doc["number"]
        names = [(f["name"], f["name"]) for f in self.doc.get("files", [])]

        def save(session: Any, actor: Any, v: dict[str, Any]) -> int:
            return len(save_files(session, actor, number, expand(v["folder"]),
                                  [v["name"]] if v["name"] else [n for n, _v in names]))

        fields = [FormField("folder", N_("Folder"), str(Path.cwd()), required=True,
                            check=_check_folder),
                  FormField("name", N_("File (empty: every file)"), kind="select",
                            options=names)]
        self.app.push_screen(FormScreen(_("Save the files of {number}").format(number=number),
                                        fields, save, save_label=_("Save")),
                             when_done(self._files_saved))

    def _files_saved(self, count: int) -> None:
        self.notify(plural(count, N_("{count} file saved."), N_("{count} files saved.")).format(
            count=count))
        self._load_history()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        if button != "close" and hasattr(self, f"action_{button}"):
            getattr(self, f"action_{button}")()
        else:
            self.action_close()


# ---------------------------------------------------------------- one delivery of it


@dataclass(frozen=True)
class DeliveryRef:
    """The delivery a unit's clerk acts on: a document (number, year) sent to a unit."""

    number: str
    year: int
    unit: str


def acknowledge(node: Any, ref: DeliveryRef, on_done: Callable[[str], Any]) -> None:
    from domain import documents

    run_db(node, lambda session, actor: documents.acknowledge(
        session, actor, ref.number, ref.unit, year=ref.year),
        on_done=lambda _d: on_done(_("Receipt of {number} acknowledged.").format(
            number=ref.number)))


def _one_field_act(node: Any, ref: DeliveryRef, on_done: Callable[[str], Any], *,
                   act: Callable[..., Any], field: FormField, title: str, done: str) -> None:
    """A form asking one thing, then `act(session, actor, number, unit, answer, year=)`;
    `done` may name {number} and the answer as {unit}."""
    def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
        act(session, actor, ref.number, ref.unit, v[field.name], year=ref.year)
        return str(v[field.name])

    node.app.push_screen(
        FormScreen(title.format(number=ref.number), [field], save),
        when_done(lambda answer: on_done(done.format(number=ref.number, unit=answer))))


def mark_done(node: Any, ref: DeliveryRef, on_done: Callable[[str], Any]) -> None:
    from domain import documents

    _one_field_act(node, ref, on_done, act=documents.mark_done,
                   field=FormField("note", N_("Note (optional)")),
                   title=_("Mark {number} done"), done=_("{number} done."))


def give_back(node: Any, ref: DeliveryRef, on_done: Callable[[str], Any]) -> None:
    from domain import documents

    _one_field_act(node, ref, on_done, act=documents.give_back,
                   field=FormField("reason", N_("Reason for returning"), required=True),
                   title=_("Return {number}"), done=_("{number} returned."))


def forward(node: Any, ref: DeliveryRef, on_done: Callable[[str], Any]) -> None:
    from domain import documents

    _one_field_act(node, ref, on_done, act=documents.forward,
                   field=FormField("to", N_("To unit code"), required=True),
                   title=_("Forward {number}"), done=_("{number} forwarded to {unit}."))


# What the clerk may still do with a delivery in each state.
OPEN_STATES = ("sent", "received")
DELIVERY_ACTIONS = {"acknowledge": ("sent",), "done": OPEN_STATES, "give_back": OPEN_STATES,
                    "forward": OPEN_STATES}


def delivery_text(doc: dict[str, Any], delivery: dict[str, Any], sender: str) -> str:
    """What the clerk reads first: the full title, the numbers, who sent it, the dates and
    what is asked of the unit."""
    due = vn_date(date.fromisoformat(delivery["due"])) if delivery["due"] else "–"
    late = " ⚠ " + _("overdue") if delivery["overdue"] else ""
    incoming = doc.get("incoming_number")
    lines = [
        f"{_('Number')}: {doc['number']}"
        + (f"    {_('Incoming number')}: {incoming}" if incoming else ""),
        f"{_('Sender')}: {sender}",
        f"{_('Date')}: {vn_date(date.fromisoformat(doc['date']))}    "
        f"{_('Received')}: {_short(delivery['received_at'])}    "
        f"{_('Done')}: {_short(delivery['done_at'])}",
        f"{_('Purpose')}: {label(PURPOSE_LABELS, delivery['purpose'])}    "
        f"{_('Due')}: {due}{late}",
        f"{_('Status')}: {label(DELIVERY_STATUS_LABELS, delivery['status'])}"
        + (f"    {_('Note')}: {delivery['note']}" if delivery["note"] else ""),
    ]
    return "\n".join(lines)


def _short(moment: str | None) -> str:
    return vn_date(date.fromisoformat(moment[:10])) if moment else "–"


class DeliveryScreen(DocumentScreen):
    """A document as the unit it was sent to sees it, with the clerk's actions on that
    delivery: acknowledge, done, return (trả lại), forward."""

    BINDINGS = [
        Binding("a", "acknowledge", N_("Acknowledge"), id="delivery.ack"),
        Binding("d", "done", N_("Done"), id="delivery.done"),
        Binding("r", "give_back", N_("Return"), id="delivery.return"),
        Binding("f", "forward", N_("Forward"), id="delivery.forward"),
    ]

    DIALOG_CLASS = "delivery"

    def __init__(self, doc: dict[str, Any], unit: str, sender: str) -> None:
        super().__init__(doc)
        self.unit = unit
        self.sender = sender
        self.ref = DeliveryRef(doc["number"], self.year, unit)

    @property
    def delivery(self) -> dict[str, Any]:
        return next(d for d in self.doc["deliveries"] if d["unit"] == self.unit)

    def heading(self) -> str:
        return str(self.doc["title"])

    def body_text(self) -> str:
        return delivery_text(self.doc, self.delivery, self.sender) + "\n" + "\n".join(
            files_lines(self.doc))

    def action_buttons(self) -> list[Button]:
        names = {"acknowledge": _("Acknowledge") + " (a)", "done": _("Done") + " (d)",
                 "give_back": _("Return") + " (r)", "forward": _("Forward") + " (f)"}
        return [Button(text, id=action, disabled=not self._allowed(action))
                for action, text in names.items()]

    def _allowed(self, action: str) -> bool:
        actor = self.app.actor  # type: ignore[attr-defined]
        return (actor is not None and actor.can("deliveries.act")
                and self.delivery["status"] in DELIVERY_ACTIONS[action])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in DELIVERY_ACTIONS:
            return self._allowed(action)
        return super().check_action(action, parameters)

    def action_acknowledge(self) -> None:
        acknowledge(self, self.ref, self._acted)

    def action_done(self) -> None:
        mark_done(self, self.ref, self._acted)

    def action_give_back(self) -> None:
        give_back(self, self.ref, self._acted)

    def action_forward(self) -> None:
        forward(self, self.ref, self._acted)

    def _acted(self, message: str) -> None:
        self.notify(message)
        self._reload()

    def _reloaded(self, doc: dict[str, Any], verify: bool) -> None:
        super()._reloaded(doc, verify)
        for action in DELIVERY_ACTIONS:
            self.query_one(f"#{action}", Button).disabled = not self._allowed(action)
        self.refresh_bindings()
