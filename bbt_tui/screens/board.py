"""The board's jobs in the TUI, opened from the screens where their users work: the late
units with the reminder letter (from Documents, L: the late units' area), the month's royalty sheet and the
last feed sync (from Articles, Y and F), the editorial queue (a figure of the dashboard)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bbt_tui.db import run_db
from bbt_tui.text import N_, number, vn_datetime
from bbt_tui.widgets.dialogs import MessageScreen, TableScreen
from bbt_tui.widgets.files import expand, suggested
from bbt_tui.widgets.paged_table import Column, Record
from domain.i18n import _, plural

if TYPE_CHECKING:
    from sqlmodel import Session

    from domain.auth import Actor


# ---------------------------------------------------------------- dashboard: the queue


def queue_figure(session: Session, _actor: Actor) -> tuple[int, str]:
    from domain import editorial

    rows = editorial.queue(session)
    if not rows:
        return 0, _("nothing waiting")
    days = max(r["days_waiting"] for r in rows)
    return len(rows), plural(days, N_("the oldest has waited {days} day"),
                             N_("the oldest has waited {days} days")).format(days=number(days))


# ---------------------------------------------------------------- late units


def open_late_units(screen: Any) -> None:
    """Documents, L: the late units have their own area (bbt_tui.screens.late_units)."""
    screen.app.show_area("late")


# ---------------------------------------------------------------- royalties and the feed


def royalty_view(session: Session, month: str) -> tuple[Any, list[Record]]:
    from domain import royalties

    sheet = royalties.sheet(session, month)
    records = [Record(key=f"{i}", cells=(
        line["author"], line["unit"], number(line["news"]), number(line["features"]),
        number(line["photos"]), number(line["slogans"]), number(line["documents"]),
        number(line["amount"])), data=line) for i, line in enumerate(sheet.lines)]
    return sheet, records


def open_royalties(screen: Any, month: str) -> None:
    """The month's sheet (the month filter's, else this month's), saved as XLSX/DOCX/PDF."""
    from domain.text import today

    month = month or today().strftime("%Y-%m")

    def show(result: tuple[Any, list[Record]]) -> None:
        sheet, records = result
        columns = [Column("author", _("Author")), Column("unit", _("Unit"), 13),
                   Column("news", _("News"), 5), Column("features", _("Features"), 5),
                   Column("photos", _("Photos"), 5), Column("slogans", _("Slogans"), 5),
                   Column("documents", _("Documents"), 5), Column("amount", _("Amount"), 12)]
        intro = _("Total {total} đồng: {words}.").format(total=number(sheet.total),
                                                        words=sheet.total_words)
        screen.app.push_screen(TableScreen(
            _("Royalties {month}").format(month=month), columns, records, intro=intro,
            save_as=suggested(f"nhuan-but-{month}.xlsx"),
            save=lambda path: save_royalties(screen.app, sheet, path)))

    run_db(screen, lambda session, _actor: royalty_view(session, month), on_done=show)


def save_royalties(app: Any, sheet: Any, text: str) -> str | None:
    """Write the sheet in the format of the file's extension; a refusal as a sentence."""
    from bbt_tui.db import describe, read
    from domain import output, royalty_sheet
    from domain.errors import BBTError

    path: Path = expand(text)
    try:
        royalty_sheet.check_output(path)
        output.check_target(path)
        content = read(app, lambda session, _actor: royalty_sheet.render(session, sheet, path))
        output.write_private(path, content)
    except BBTError as exc:
        return describe(exc)
    app.notify(_("Saved {path}.").format(path=path))
    return None


def feed_summary(session: Session, _actor: Actor) -> str:
    from domain import feeds, units

    last = feeds.last_sync(session)
    if last is None:
        return _("No website feed has been read yet (bbt article sync-feed).")
    unit = units.by_id(session)[last.unit_id].code
    lines = [_("{when}: {source} for {unit}, {added} added of {entries} entries.").format(
        when=vn_datetime(last.at), source=last.source, unit=unit, added=last.added,
        entries=last.entries)]
    lines += [f"• {title}" for title in last.added_titles.splitlines()]
    return "\n".join(lines)


def open_feed_summary(screen: Any) -> None:
    run_db(screen, feed_summary, on_done=lambda text: screen.app.push_screen(
        MessageScreen(_("Last website feed sync"), text)))

