"""Log in; a one-time password must be replaced before anything else."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from bbt_tui.db import describe
from bbt_tui.text import N_
from bbt_tui.widgets.form import FormField, FormScreen
from bbt_tui.widgets.nav import BBTFooter
from domain.auth import MIN_PASSWORD_LENGTH, Actor
from domain.i18n import _


class LoginScreen(Screen):
    TITLE_TEXT = N_("Log in")
    HELP = N_("Type your username and password, then Enter. Five wrong passwords in a row "
              "lock the account: an administrator unlocks it or gives a new one-time password.")
    BINDINGS = [Binding("f1", "app.help", N_("Help"))]

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="login-box"):
            yield Static(_("BBT — Editorial Board"), id="login-title")
            yield Static(_("Documents, articles, data entry and reports"), id="login-subtitle")
            yield Label(_("Username"))
            yield Input(id="username", placeholder=_("e.g. vanthu"))
            yield Label(_("Password"))
            yield Input(id="password", password=True)
            yield Static("", id="login-error", classes="form-error")
            yield Button(_("Log in"), variant="primary", id="login")
        yield BBTFooter()

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()

    @on(Input.Submitted, "#username")
    def _to_password(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login")
    def submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username or not password:
            self.show_error(_("Type a username and a password."))
            return
        self.query_one("#login-error", Static).update(_("Checking…"))
        self.query_one("#login", Button).disabled = True
        self.run_worker(lambda: self._check(username, password), thread=True, group="login",
                        exit_on_error=False)

    def _check(self, username: str, password: str) -> None:
        from domain import accounts, settings
        from domain.db import transaction
        from domain.errors import AuthError

        app: Any = self.app
        failure: Exception | None = None
        try:
            with transaction(app.engine) as session:
                try:
                    account = accounts.login(session, username, password)
                except AuthError as exc:
                    failure = exc  # commit the failed-login counter all the same
                else:
                    actor = accounts.actor_of(session, account)
                    must_change = account.must_change_password
                    keymap = settings.get(session, "keymap")
        except Exception as exc:  # the database could not be opened
            failure = exc
        if failure is not None:
            app.call_from_thread(self.show_error, describe(failure))
            return
        app.call_from_thread(self._passed, actor, must_change, password, keymap)

    def show_error(self, message: str) -> None:
        self.query_one("#login-error", Static).update(message)
        self.query_one("#login", Button).disabled = False
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()

    def _passed(self, actor: Actor, must_change: bool, password: str, keymap: str) -> None:
        app: Any = self.app
        if not must_change:
            app.signed_in(actor, keymap)
            return

        def changed(result: object) -> None:
            if result:
                app.signed_in(actor, keymap)
            else:
                self.show_error(_("The one-time password must be changed before you continue."))

        app.push_screen(change_password_form(actor, password), changed)


def change_password_form(actor: Actor, current: str | None) -> FormScreen:
    """With `current` known (just typed at login) only the new password is asked."""
    from domain import accounts

    def long_enough(value: str) -> str | None:
        if len(value) < MIN_PASSWORD_LENGTH:
            return _("A password needs at least {n} characters.").format(n=MIN_PASSWORD_LENGTH)
        return None

    def same(values: dict[str, Any]) -> dict[str, str]:
        if values["new"] != values["again"]:
            return {"again": _("The two passwords differ.")}
        if values["new"] == (current or values.get("current")):
            return {"new": _("The new password must differ from the current one.")}
        return {}

    fields = [] if current is not None else [
        FormField("current", N_("Current password"), kind="password", required=True)]
    fields += [
        FormField("new", N_("New password"), kind="password", required=True, check=long_enough),
        FormField("again", N_("New password again"), kind="password", required=True),
    ]
    intro = _("You logged in with a one-time password. Choose your own password now "
              "(at least {n} characters; a sentence is easy to remember).").format(
        n=MIN_PASSWORD_LENGTH) if current is not None else ""

    def save(session: Any, _actor: Any, values: dict[str, Any]) -> bool:
        accounts.change_password(session, actor, current or values["current"], values["new"])
        return True

    return FormScreen(_("Change password"), fields, save, intro=intro, cross_check=same)
