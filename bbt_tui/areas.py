"""The areas of the program (one screen each), who may open them, and in which order they
appear in the navigation bar. A new area is one line here plus its screen module."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from textual.screen import Screen

from bbt_tui.text import N_
from domain.auth import Actor

ALL_ROLES = frozenset({"admin", "operator", "editor", "clerk", "viewer"})


@dataclass(frozen=True)
class Area:
    name: str
    title: str  # English msgid, translated where shown
    roles: frozenset[str]
    screen: str  # "module:Class", imported on first use so that launching stays fast


AREAS: list[Area] = [
    Area("inbox", N_("Inbox"), frozenset({"clerk"}), "bbt_tui.screens.inbox:InboxScreen"),
    Area("dashboard", N_("Dashboard"), ALL_ROLES - {"clerk"},
         "bbt_tui.screens.dashboard:DashboardScreen"),
    Area("documents", N_("Documents"), frozenset({"admin", "operator", "viewer"}),
         "bbt_tui.screens.documents:DocumentsScreen"),
    Area("late", N_("Late units"), frozenset({"admin", "operator", "viewer"}),
         "bbt_tui.screens.late_units:LateUnitsScreen"),
    Area("articles", N_("Articles"), frozenset({"admin", "editor", "viewer"}),
         "bbt_tui.screens.articles:ArticlesScreen"),
    Area("visits", N_("Visitors"), frozenset({"admin", "editor", "viewer"}),
         "bbt_tui.screens.articles:VisitsScreen"),
    Area("dataentry", N_("Data entry"), frozenset({"admin", "operator", "viewer"}),
         "bbt_tui.screens.dataentry:DataEntryScreen"),
    Area("stats", N_("Statistics"), ALL_ROLES - {"clerk"}, "bbt_tui.screens.stats:StatsScreen"),
    Area("reports", N_("Reports"), ALL_ROLES - {"clerk"},
         "bbt_tui.screens.reports:ReportsScreen"),
    Area("units", N_("Units"), frozenset({"admin", "operator", "viewer"}),
         "bbt_tui.screens.units:UnitsScreen"),
    Area("accounts", N_("Accounts"), frozenset({"admin", "viewer"}),
         "bbt_tui.screens.accounts:AccountsScreen"),
    Area("trainings", N_("Trainings"), frozenset({"admin", "viewer"}),
         "bbt_tui.screens.trainings:TrainingsScreen"),
    Area("keys", N_("Signing keys"), frozenset({"admin", "viewer"}),
         "bbt_tui.screens.keys:KeysScreen"),
    Area("imports", N_("Imports"), frozenset({"admin", "operator", "editor"}),
         "bbt_tui.screens.imports:ImportsScreen"),
    Area("audit", N_("Audit log"), frozenset({"admin", "viewer"}),
         "bbt_tui.screens.audit:AuditScreen"),
    Area("settings", N_("Settings"), frozenset({"admin", "viewer"}),
         "bbt_tui.screens.settings:SettingsScreen"),
]

# A clerk's day starts in its unit's inbox, everybody else's with the dashboard.
HOME_FALLBACK = "dashboard"
# What spans the whole database is not for an account limited to a subtree (domain.scope).
WHOLE_DATABASE = frozenset({"audit", "settings", "imports"})


def by_name(name: str) -> Area:
    return next(a for a in AREAS if a.name == name)


def visible(actor: Actor | None) -> list[Area]:
    if actor is None:
        return []
    shown = [a for a in AREAS if actor.role in a.roles
             and not (actor.scope_unit_id is not None and a.name in WHOLE_DATABASE)]
    return shown or [by_name(HOME_FALLBACK)]


def home(actor: Actor) -> str:
    return visible(actor)[0].name


def make_screen(area: Area) -> Screen:
    module_name, class_name = area.screen.split(":")
    return getattr(importlib.import_module(module_name), class_name)()
