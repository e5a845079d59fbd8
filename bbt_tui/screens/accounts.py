"""Accounts (tài khoản): create, edit, lock and unlock, give a new one-time password."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Select

from bbt_tui.callbacks import when_done
from bbt_tui.db import read, run_db
from bbt_tui.labels import ACCOUNT_STATUS_LABELS, ROLE_LABELS, label, options
from bbt_tui.screens.lists import ListScreen
from bbt_tui.text import N_, vn_datetime, yes_no
from bbt_tui.widgets.dialogs import ConfirmScreen, MessageScreen
from bbt_tui.widgets.form import FormField, FormScreen
from bbt_tui.widgets.paged_table import Column, ListSource, Query, Record
from domain.i18n import _


def account_records(session: Any) -> list[Record]:
    from domain import accounts

    return [
        Record(key=account.username,
               cells=(account.username, account.full_name, code,
                      label(ROLE_LABELS, account.role),
                      label(ACCOUNT_STATUS_LABELS, account.status),
                      yes_no(account.must_change_password), vn_datetime(account.last_login_at)),
               data={"username": account.username, "full_name": account.full_name,
                     "unit": code, "role": account.role, "status": account.status})
        for account, code in accounts.listing(session)
    ]


def unit_options(session: Any) -> list[tuple[str, str]]:
    from domain import units

    return [(f"{u.code} — {u.name}", u.code) for u in units.listing(session) if u.active]


class AccountsScreen(ListScreen):
    AREA = "accounts"
    TITLE_TEXT = N_("Accounts")
    HELP = N_("One account per person: its unit and role decide what it may do. A new account "
              "without a password gets a one-time password, shown once, that must be changed "
              "at the first login. Five wrong passwords in a row lock an account.")
    PERMISSIONS = {"new": "accounts.write", "edit": "accounts.write", "lock": "accounts.write",
                   "unlock": "accounts.write", "reset_password": "accounts.write"}
    BINDINGS = [
        Binding("n", "new", N_("New account"), id="accounts.new"),
        Binding("e", "edit", N_("Edit"), id="accounts.edit"),
        Binding("l", "lock", N_("Lock"), id="accounts.lock"),
        Binding("u", "unlock", N_("Unlock"), id="accounts.unlock"),
        Binding("p", "reset_password", N_("New one-time password"), id="accounts.reset"),
    ]

    def make_source(self) -> ListSource:
        columns = [Column("username", _("Username"), 16), Column("full_name", _("Full name")),
                   Column("unit", _("Unit"), 12, priority=-1), Column("role", _("Role"), 16),
                   Column("status", _("Status"), 10),
                   Column("must_change", _("Must change password"), 10, priority=-2),
                   Column("last_login", _("Last login"), 17, priority=-1)]

        def matches(record: Record, query: Query) -> bool:
            role, status = query.filter("role"), query.filter("status")
            return ((not role or record.data["role"] == role)
                    and (not status or record.data["status"] == status))

        return ListSource(columns, lambda: read(self.app, lambda s, _a: account_records(s)),
                          matches)

    def filters(self) -> list[Widget]:
        return [Select(options(ROLE_LABELS), prompt=_("All roles"), id="role-filter"),
                Select(options(ACCOUNT_STATUS_LABELS), prompt=_("All statuses"),
                       id="status-filter")]

    @on(Select.Changed, "#role-filter")
    def _role(self, event: Select.Changed) -> None:
        self.list.set_filter("role", "" if event.select.is_blank() else str(event.value))

    @on(Select.Changed, "#status-filter")
    def _status(self, event: Select.Changed) -> None:
        self.list.set_filter("status", "" if event.select.is_blank() else str(event.value))

    # --- create and edit -------------------------------------------------------------------

    def _fields(self, units: list[tuple[str, str]], data: dict[str, Any] | None) -> list[FormField]:
        data = data or {}
        return [
            FormField("username", N_("Username"), data.get("username", ""), required=True,
                      disabled=bool(data), placeholder=N_("one word, e.g. vanthu.locthanh"),
                      check=lambda v: _("A username is one word without spaces.")
                      if any(ch.isspace() for ch in v.strip()) else None),
            FormField("full_name", N_("Full name"), data.get("full_name", "")),
            FormField("unit", N_("Unit"), data.get("unit", ""), kind="select", options=units,
                      required=True),
            FormField("role", N_("Role"), data.get("role", ""), kind="select",
                      options=options(ROLE_LABELS), required=True),
        ]

    def action_new(self) -> None:
        run_db(self, lambda session, _actor: unit_options(session), on_done=self._new_form)

    def _new_form(self, units: list[tuple[str, str]]) -> None:
        from domain import accounts

        fields = self._fields(units, None)
        fields.append(FormField("password", N_("Password (empty: a one-time password)"),
                                kind="password"))

        def save(session: Any, actor: Any, v: dict[str, Any]) -> tuple[str, str | None]:
            created = accounts.add(session, actor, v["username"], v["unit"], v["role"],
                                   v["full_name"], v["password"] or None)
            return created.account.username, created.one_time_password

        self.app.push_screen(FormScreen(_("New account"), fields, save), self._created)

    def _created(self, result: tuple[str, str | None] | None) -> None:
        if not result:
            return
        username, one_time = result
        self.changed(_("Account {name} created.").format(name=username), username)
        if one_time:
            self._show_one_time(username, one_time)

    def _show_one_time(self, username: str, one_time: str) -> None:
        self.app.push_screen(MessageScreen(
            _("One-time password for {name}").format(name=username),
            _("Give it to the user now: it is shown only this once and must be changed at "
              "the first login."), secret=one_time))

    def action_edit(self) -> None:
        if self.selected is not None:
            run_db(self, lambda session, _actor: unit_options(session), on_done=self._edit_form)

    def _edit_form(self, units: list[tuple[str, str]]) -> None:
        from domain import accounts

        record = self.selected
        if record is None:
            return
        name = record.key

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            accounts.update(session, actor, name, full_name=v["full_name"], unit=v["unit"],
                            role=v["role"])
            return name

        self.app.push_screen(
            FormScreen(_("Edit account {name}").format(name=name),
                       self._fields(units, record.data), save),
            when_done(lambda _r: self.changed(_("Account {name} saved.").format(name=name),
                                                     name)))

    # --- lock, unlock, reset ---------------------------------------------------------------

    def action_lock(self) -> None:
        record = self.selected
        if record is None:
            return
        name = record.key
        question = _("Lock the account {name}? It can no longer log in until unlocked.").format(
            name=name)
        self.app.push_screen(ConfirmScreen(question, _("Lock")),
                             when_done(lambda _r: self._set_status(name, "locked")))

    def action_unlock(self) -> None:
        if (record := self.selected) is not None:
            self._set_status(record.key, "active")

    def _set_status(self, name: str, status: str) -> None:
        from domain import accounts

        done = (_("Account {name} locked.") if status == "locked"
                else _("Account {name} unlocked.")).format(name=name)
        run_db(self, lambda session, actor: accounts.set_status(session, actor, name, status),
               on_done=lambda _account: self.changed(done, name))

    def action_reset_password(self) -> None:
        from domain import accounts

        record = self.selected
        if record is None:
            return
        name = record.key

        def done(one_time: str) -> None:
            self.changed(_("Account {name} has a new one-time password.").format(name=name), name)
            self._show_one_time(name, one_time)

        def reset() -> None:
            run_db(self, lambda session, actor: accounts.reset_password(session, actor, name),
                   on_done=done)

        question = _("Give {name} a new one-time password? The current password stops "
                     "working.").format(name=name)
        self.app.push_screen(ConfirmScreen(question, _("New password")),
                             when_done(lambda _r: reset()))

    def open_record(self, record: Record) -> None:
        if self.app.actor is not None and self.app.actor.can("accounts.write"):  # type: ignore[attr-defined]
            self.action_edit()
