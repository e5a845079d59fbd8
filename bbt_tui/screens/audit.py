"""The audit log, newest first, paged through the database; V checks the hash chain."""

from __future__ import annotations

import json
from typing import Any

from textual.binding import Binding

from bbt_tui.db import read, run_db
from bbt_tui.labels import AUDIT_ACTION_LABELS, AUDIT_DETAIL_LABELS, label
from bbt_tui.screens.lists import ListScreen
from bbt_tui.text import N_, vn_datetime, yes_no
from bbt_tui.widgets.dialogs import MessageScreen
from bbt_tui.widgets.paged_table import END, PAGE_SIZE, Column, Query, Record, RowSource
from domain.i18n import _, plural
from domain.text import fold

# domain.audit.verify's reasons, so that the catalog translates them.
REASONS = (N_("an entry before it was deleted or inserted"), N_("its content was edited"),
           N_("entries at the end of the chain were deleted"))

# Entries are read this many at a time while a search skips the ones that do not match.
SCAN = 500


def _record(entry: Any) -> Record:
    return Record(key=str(entry.id),
                  cells=(str(entry.id), vn_datetime(entry.at), entry.actor,
                         label(AUDIT_ACTION_LABELS, entry.action), entry.entity,
                         entry.entity_key, "; ".join(detail_lines(entry.detail))[:120]),
                  cursor=entry.id, data=entry)


def detail_lines(detail: str) -> list[str]:
    """An entry's detail (JSON written by domain.audit) as "name: value" lines."""
    try:
        values = json.loads(detail)
    except ValueError:
        return [detail] if detail else []
    if not isinstance(values, dict):
        return [_plain_value(values)]
    return [f"{label(AUDIT_DETAIL_LABELS, key)}: {_plain_value(value)}"
            for key, value in values.items()]


def _plain_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_plain_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_plain_value(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return yes_no(value)
    return "" if value is None else str(value)


class AuditSource(RowSource):
    """Keyset pages over domain.audit.entries (newest first, by id). Entry ids run 1, 2, 3...
    without gaps (the chain's own rule), so "the page above" starts at a known id."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.columns = [Column("id", _("No."), 8, sortable=False),
                        Column("at", _("When"), 17, sortable=False),
                        Column("actor", _("Account"), 14, sortable=False, priority=-1),
                        Column("action", _("Action"), 24, sortable=False),
                        Column("entity", _("Record"), 10, sortable=False, priority=-2),
                        Column("key", _("Key"), 16, sortable=False, priority=-3),
                        Column("detail", _("Change"), sortable=False)]

    @staticmethod
    def _matches(entry: Any, needle: str) -> bool:
        action = label(AUDIT_ACTION_LABELS, entry.action)
        return not needle or needle in fold(
            f"{entry.actor} {entry.action} {action} {entry.entity} {entry.entity_key} "
            f"{entry.detail}")

    def fetch(self, query: Query, *, after: Any = None, before: Any = None,
              limit: int = PAGE_SIZE) -> list[Record]:
        needle = fold(query.search)
        return read(self.app, lambda session, _actor: self._page(session, needle, after,
                                                                 before, limit))

    def _page(self, session: Any, needle: str, after: Any, before: Any, limit: int) -> list[Record]:
        from domain import audit

        if before is None:  # going down: older entries, below `after`
            found: list[Any] = []
            below = after
            while len(found) < limit:
                batch = audit.entries(session, SCAN if needle else limit, before_id=below)
                if not batch:
                    break
                found += [e for e in batch if self._matches(e, needle)]
                below = batch[-1].id
            return [_record(e) for e in found[:limit]]
        # Going up: newer entries, above `before` (END: from the oldest one).
        low = 0 if before is END else int(before)
        above: list[Any] = []
        while len(above) < limit:
            step = SCAN if needle else limit
            batch = audit.entries(session, step, before_id=low + step + 1)
            batch = [e for e in batch if (e.id or 0) > low]
            if not batch:
                break
            above += [e for e in reversed(batch) if self._matches(e, needle)]
            low = batch[0].id or low
        return [_record(e) for e in reversed(above[:limit])]


class AuditScreen(ListScreen):
    AREA = "audit"
    TITLE_TEXT = N_("Audit log")
    HELP = N_("Every change made through BBT: when, by which account, what. Entries are "
              "chained by hash; V checks that none was edited or deleted behind the program's "
              "back. Enter shows an entry in full; End jumps to the oldest.")
    BINDINGS = [Binding("v", "verify", N_("Verify chain"), id="audit.verify")]

    def make_source(self) -> AuditSource:
        return AuditSource(self.app)

    def action_verify(self) -> None:
        from domain import audit

        self.notify(_("Checking the chain…"))
        run_db(self, lambda session, _actor: audit.verify(session), on_done=self._verdict)

    def _verdict(self, verdict: Any) -> None:
        if verdict.ok:
            self.last_verdict = plural(verdict.checked, N_("Audit chain intact: {n} entry."),
                                       N_("Audit chain intact: {n} entries.")).format(
                                           n=verdict.checked)
            self.notify(self.last_verdict, title=_("Verify chain"))
        else:
            self.last_verdict = _("Audit chain broken at entry {id}: {reason}.").format(
                id=verdict.broken_id, reason=_(verdict.reason))
            self.notify(self.last_verdict, title=_("Verify chain"), severity="error",
                        timeout=30)

    last_verdict = ""

    def open_record(self, record: Record) -> None:
        entry = record.data
        body = "\n".join([
            f"{_('When')}: {vn_datetime(entry.at)}",
            f"{_('Account')}: {entry.actor}",
            f"{_('Action')}: {label(AUDIT_ACTION_LABELS, entry.action)} ({entry.action})",
            f"{_('Record')}: {entry.entity} {entry.entity_key}",
            f"{_('Change')}:",
            *[f"  {line}" for line in detail_lines(entry.detail)],
            f"{_('Hash')}: {entry.hash}",
        ])
        self.app.push_screen(MessageScreen(_("Audit entry {id}").format(id=entry.id), body))
