"""Official status reports: choose the kind and period, read the preview, write sections II
(assessment) and III (tasks), register it once (R: the next number of the issuing body's BC
register, like `bbt report ... --register`), and save it as DOCX or PDF: the registered
report exactly as issued (like `bbt report print`), or a draft while none is registered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Markdown, Select, Static

from bbt_tui.callbacks import when_done
from bbt_tui.db import run_db
from bbt_tui.labels import options
from bbt_tui.screens.base import AreaScreen
from bbt_tui.text import N_, vn_date
from bbt_tui.widgets.files import check_new_file, expand, suggested
from bbt_tui.widgets.form import FormField, FormScreen, check_date, check_int
from domain.i18n import _

KIND_LABELS = {"monthly": N_("Monthly"), "half-year": N_("Half-year"), "annual": N_("Annual")}
SECTION_LABELS = {"assessment": N_("II. Assessment"), "tasks": N_("III. Tasks ahead")}


def part_options(kind: str) -> list[tuple[str, str]]:
    if kind == "monthly":
        return [(_("Month {month}").format(month=m), str(m)) for m in range(1, 13)]
    if kind == "half-year":
        return [(_("First half"), "1"), (_("Second half"), "2")]
    return []


@dataclass(frozen=True)
class Choice:
    kind: str
    year: int
    part: int | None  # the month or the half

    def period(self) -> Any:
        from domain import reports

        month = self.part if self.kind == "monthly" else None
        half = self.part if self.kind == "half-year" else None
        return reports.period(self.kind, self.year, half, month)


@dataclass(frozen=True)
class Registration:
    number: str
    year: int  # of its date: numbers repeat across terms


@dataclass
class Preview:
    markdown: str
    key: str  # the period's key, 2022-H1
    notes: list[str]  # sections still to write
    registered: Registration | None = None  # the period's registered report, if any


def registration(session: Any, choice: Choice) -> Registration | None:
    from domain import report_register

    doc = report_register.registered(session, choice.period())
    return Registration(doc.number, doc.date.year) if doc is not None else None


def make_preview(session: Any, actor: Any, choice: Choice) -> Preview:
    """The registered report as issued when there is one, else today's draft."""
    from domain import report_register, reports

    period = choice.period()
    found = registration(session, choice)
    if found is not None:
        _number, content = report_register.reprint(session, actor, found.number, "md",
                                                   found.year)
        return Preview(content.decode("utf-8"), period.key, [], found)
    result = reports.generate(session, actor, period, "md")
    notes = []
    for section, text in result.texts.items():
        name = _(SECTION_LABELS[section])
        if not text.text:
            notes.append(_("{section} has no text yet (E or T writes it).").format(
                section=name))
        elif text.inherited(period):
            notes.append(_("{section} repeats the text of {source}.").format(
                section=name, source=text.source))
    return Preview(result.content.decode("utf-8"), period.key, notes)


@dataclass
class Saved:
    path: str
    number: str | None  # the registered report's number; None for a draft


def export_report(session: Any, actor: Any, choice: Choice, fmt: str,
                  values: dict[str, Any]) -> Saved:
    """Save the period's registered report as issued, or a draft while none is registered:
    saving never takes a number, so Word and PDF of one report carry the same one."""
    from domain import report_register
    from domain.output import check_target, write_private
    from domain.text import parse_date

    path = expand(values["path"])
    check_target(path)
    found = registration(session, choice)
    if found is not None:
        number, content = report_register.reprint(session, actor, found.number, fmt,
                                                  found.year)
        write_private(path, content)
        return Saved(str(path), number)
    draft = report_register.prepare(session, actor, choice.period(),
                                    parse_date(values.get("day"), "date"))
    write_private(path, report_register.render_draft(draft, fmt))
    return Saved(str(path), None)


def register_report(session: Any, actor: Any, choice: Choice, values: dict[str, Any]) -> str:
    """Take the number once for this period and freeze the report (no file is written)."""
    from domain import report_register
    from domain.text import parse_date

    draft = report_register.prepare(session, actor, choice.period(),
                                    parse_date(values["day"], "date"), registering=True)
    number = int(values["number"]) if values["number"] else None
    return report_register.register(session, actor, draft, "md", number=number).number


class ReportsScreen(AreaScreen):
    AREA = "reports"
    TITLE_TEXT = N_("Reports")
    HELP = N_("The monthly, half-year and annual reports in the Party document format, every "
              "figure computed from the records. Choose the kind, the year (Y moves to the year "
              "box) and the month or half; it opens on the period of the newest records and "
              "the preview follows. E writes section II (assessment), T section III "
              "(tasks ahead). R registers the report once: it takes the next number of the BC "
              "register and is kept as issued. D saves a Word file, P a PDF: of the registered "
              "report, or a draft without a number.")
    PERMISSIONS = {"edit_section": "reports.write", "register": "documents.write"}
    BINDINGS = [
        Binding("e", "edit_section('assessment')", N_("Write section II"), id="reports.assessment"),
        Binding("t", "edit_section('tasks')", N_("Write section III"), id="reports.tasks"),
        Binding("r", "register", N_("Register"), id="reports.register"),
        Binding("d", "export('docx')", N_("Save Word"), id="reports.docx"),
        Binding("p", "export('pdf')", N_("Save PDF"), id="reports.pdf"),
        Binding("f5", "reload", N_("Reload"), id="reports.reload"),
        Binding("y", "pick_year", N_("Year"), id="reports.year"),
    ]

    preview: Preview | None = None
    # (year, month) of the newest records: the period the screen opens on, not today's
    latest: tuple[int, int] | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="toolbar period"):
            yield Select(options(KIND_LABELS), value="half-year", allow_blank=False,
                         id="kind", compact=True)
            yield Label(_("Year"))
            yield Input(placeholder=_("YYYY"), id="year", type="integer", max_length=4)
            yield Select(part_options("half-year"), value="1", allow_blank=False, id="part",
                         compact=True)
        yield Static("", id="report-notes")
        with VerticalScroll(id="report-preview"):
            yield Markdown(id="report-markdown")

    def on_mount(self) -> None:
        from domain import periods

        super().on_mount()
        self.query_one("#report-preview").focus()
        run_db(self, lambda session, _actor: periods.latest_month(session),
               on_done=self._opened)

    def _opened(self, latest: tuple[int, int]) -> None:
        """Open on the half-year of the newest records."""
        self.latest = latest
        self.query_one("#year", Input).value = str(latest[0])
        part = self.query_one("#part", Select)
        if part.value != (wanted := self._current_part("half-year")):
            part.value = wanted  # its Changed event prepares the preview
        else:
            self.refresh_data()

    def _current_part(self, kind: str) -> str:
        from domain.text import today

        month = self.latest[1] if self.latest is not None else today().month
        return str(month if kind == "monthly" else 1 + (month > 6))

    def action_pick_year(self) -> None:
        self.query_one("#year", Input).focus()

    def choice(self) -> Choice | None:
        kind = str(self.query_one("#kind", Select).value)
        year = self.query_one("#year", Input).value.strip()
        part = self.query_one("#part", Select)
        if not year.isdigit():
            return None
        index = None if kind == "annual" or part.is_blank() else int(str(part.value))
        return Choice(kind, int(year), index)

    def refresh_data(self) -> None:
        choice = self.choice()
        if choice is None:
            self._note(_("Type a year, e.g. 2022."), error=True)
            return
        self._note(_("Preparing the preview…"))
        self._wanted = choice
        run_db(self, lambda session, actor: (choice, make_preview(session, actor, choice)),
               on_done=self._show, on_error=lambda message: self._note(message, error=True))

    def _note(self, message: str, error: bool = False) -> None:
        self.query_one("#report-notes", Static).update(
            Text(message, style="bold red" if error else "yellow"))

    _wanted: Choice | None = None

    def _show(self, answer: tuple[Choice, Preview]) -> None:
        choice, preview = answer
        if choice != self._wanted:
            return  # the user chose another period meanwhile: its preview is on the way
        # Laying out a report in Markdown widgets takes a while: only when it changed.
        if self.preview is None or preview.markdown != self.preview.markdown:
            self.query_one("#report-markdown", Markdown).update(preview.markdown)
        self.preview = preview
        if preview.registered is not None:
            note = Text(_("Registered as {number}: D and P save it as issued.").format(
                number=preview.registered.number), style="green")
        elif preview.notes:
            note = Text("  ".join(preview.notes), style="yellow")
        else:
            note = Text(_("Sections II and III are written for {period}.").format(
                period=preview.key), style="green")
        self.query_one("#report-notes", Static).update(note)

    # --- the period ------------------------------------------------------------------------

    @on(Select.Changed, "#kind")
    def _kind(self, event: Select.Changed) -> None:
        part = self.query_one("#part", Select)
        kind = str(event.value)
        parts = part_options(kind)
        part.display = bool(parts)
        if parts:
            part.set_options(parts)
            part.value = self._current_part(kind)
        self.refresh_data()

    @on(Select.Changed, "#part")
    def _part(self, event: Select.Changed) -> None:
        if event.select.display:
            self.refresh_data()

    @on(Input.Submitted, "#year")
    def _year(self, event: Input.Submitted) -> None:
        event.stop()
        self.refresh_data()
        self.query_one("#report-preview").focus()  # the keys E, T, D, P work from there

    def action_reload(self) -> None:
        self.refresh_data()

    # --- sections II and III ---------------------------------------------------------------

    def action_edit_section(self, section: str) -> None:
        from domain import reports

        choice = self.choice()
        if choice is None:
            return
        run_db(self, lambda session, _actor: (choice, reports.get_text(
            session, choice.period(), section)),
            on_done=lambda found: self._edit_form(section, *found))

    def _edit_form(self, section: str, choice: Choice, stored: Any) -> None:
        from domain import reports

        period = choice.period()
        intro = _("Each paragraph on its own line; a line ending with \":\" is a heading. "
                  "Enter starts a new line, F2 saves.")
        if stored.inherited(period):
            intro = _("{period} has no text yet: this is the text of {source}, to edit.").format(
                period=period.key, source=stored.source) + " " + intro
        field = FormField("section_text", SECTION_LABELS[section], stored.text,
                          kind="textarea")

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            reports.set_text(session, actor, period, section, v["section_text"])
            return section

        title = _("{section} of the report {period}").format(
            section=_(SECTION_LABELS[section]), period=period.key)
        self.app.push_screen(FormScreen(title, [field], save, intro=intro),
                             when_done(lambda _r: self._saved_text(section)))

    def _saved_text(self, section: str) -> None:
        self.notify(_("{section} saved.").format(section=_(SECTION_LABELS[section])))
        self.refresh_data()

    # --- export ----------------------------------------------------------------------------

    def action_register(self) -> None:
        from domain.text import today

        choice = self.choice()
        if choice is None:
            return
        if self.preview is not None and self.preview.registered is not None:
            self.notify(_("This period is already registered as {number}.").format(
                number=self.preview.registered.number), severity="warning", timeout=10)
            return
        fields = [
            FormField("day", N_("Report date (dd/mm/yyyy)"), vn_date(today()), required=True,
                      check=check_date),
            FormField("number", N_("Number (empty: the next one)"), check=check_int),
        ]

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            return register_report(session, actor, choice, v)

        def confirm(v: dict[str, Any]) -> tuple[str, tuple[str, str]]:
            number = v["number"] or _("the next number of the BC register")
            return (_("Register this report? Its number is taken for good and the report is "
                      "kept as issued."), (number, self._report_title(choice)))

        title = _("Register the report {period}").format(period=choice.period().key)
        self.app.push_screen(FormScreen(title, fields, save, save_label=_("Register"),
                                        confirm=confirm), when_done(self._registered))

    @staticmethod
    def _report_title(choice: Choice) -> str:
        kind = _(KIND_LABELS[choice.kind])
        return _("{kind} report {period}").format(kind=kind, period=choice.period().key)

    def _registered(self, number: str) -> None:
        self.notify(_("Registered as {number}; D and P save it.").format(number=number),
                    timeout=10)
        self.refresh_data()

    def action_export(self, fmt: str) -> None:
        from domain.text import today

        choice = self.choice()
        if choice is None:
            return
        key = choice.period().key
        registered = self.preview.registered if self.preview is not None else None
        fields = [FormField("path", N_("File"), suggested(f"bao-cao-{key}.{fmt}"), required=True,
                            check=check_new_file(f".{fmt}"))]
        if registered is None:
            fields.append(FormField("day", N_("Report date (dd/mm/yyyy)"), vn_date(today()),
                                    required=True, check=check_date))

        def save(session: Any, actor: Any, v: dict[str, Any]) -> Saved:
            return export_report(session, actor, choice, fmt, v)

        shown = registered.number if registered is not None else _("a draft")
        title = _("Save the report {period} ({shown}) as {fmt}").format(
            period=key, shown=shown, fmt=fmt.upper())
        self.app.push_screen(FormScreen(title, fields, save), when_done(self._exported))

    def _exported(self, saved: Saved) -> None:
        if saved.number:
            self.notify(_("Saved {number} as {path}").format(number=saved.number,
                                                             path=saved.path), timeout=10)
        else:
            self.notify(_("Saved {path} (a draft, not registered).").format(path=saved.path))
