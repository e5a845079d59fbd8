"""Every role rule, at the domain level: the TUI and scripts call the domain directly, so its
own check must hold whatever the command line checks first.

Each operation is tried by an actor of every role (and of a role the domain does not know):
the roles named here, written out from SPEC section 6 rather than read from the code, may
act; every other one gets AuthError and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from domain import (
    accounts,
    articles,
    auth,
    dataentry,
    documents,
    imports,
    keys,
    reports,
    subsystems,
    units,
)
from domain import settings as settings_
from domain.auth import SYSTEM, Actor
from domain.errors import AuthError
from tests import rules_support
from tests.rules_support import ROLES, World

world = rules_support.world

Op = Callable[[Session, Actor, int], Any]
EVERYONE = set(ROLES)
PASSPHRASE = "Khoa-bi-mat-2022"


def check_roles(world: World, op: Op, allowed: set[str], clerk_unit: str = "XA1") -> None:
    """op(session, actor, i) succeeds for the allowed roles and is refused for the others."""
    actors = [world.actor(r) if r != "clerk" else world.actor(r, clerk_unit) for r in ROLES]
    actors.append(Actor("ghost", "ghost", world.unit_ids["BBT"], "BBT"))
    before = len(world.audit())
    for i, actor in enumerate(actors):
        if actor.role in allowed:
            world.run(op, actor, i)
        else:
            with pytest.raises(AuthError):
                world.run(op, actor, i)
            assert len(world.audit()) == before, f"{actor.role}: refused but written"
        before = len(world.audit())


def _issued(session: Session, actor: Actor = SYSTEM) -> documents.Document:
    return documents.issue(session, actor, "KH", "BBT", "Kế hoạch", day="2022-03-01")


def _sent(session: Session, to: str = "XA1") -> documents.Document:
    doc = _issued(session)
    documents.send(session, SYSTEM, doc.number, to=[to], purpose="act", due="2022-03-20")
    return doc


def test_units_trainings_and_settings_are_for_admins(world: World) -> None:
    check_roles(world, lambda s, a, i: units.add(s, a, f"N{i}", "Chi bộ", "grassroots"), {"admin"})
    check_roles(world, lambda s, a, i: units.update(s, a, "XA2", name=f"Xã {i}"), {"admin"})
    check_roles(world, lambda s, a, i: units.set_term(s, a, "XA2", "2020-10-01"), {"admin"})
    check_roles(world, lambda s, a, i: units.add_training(s, a, "2022-03-01", "Tập huấn", ["XA1"]),
                {"admin"})
    check_roles(world, lambda s, a, i: settings_.set_value(s, a, "place", f"Bảo Lâm {i}"),
                {"admin"})


def test_accounts_are_for_admins(world: World) -> None:
    def created(session: Session, i: int) -> str:
        name = f"u{i}"
        accounts.add(session, SYSTEM, name, "XA1", "clerk")
        return name

    check_roles(world, lambda s, a, i: accounts.add(s, a, f"n{i}", "XA1", "clerk"), {"admin"})
    check_roles(world, lambda s, a, i: accounts.set_status(s, a, created(s, i), "locked"),
                {"admin"})
    check_roles(world, lambda s, a, i: accounts.reset_password(s, a, created(s, 10 + i)),
                {"admin"})
    check_roles(world, lambda s, a, i: accounts.update(s, a, created(s, 20 + i), role="viewer"),
                {"admin"})


def test_documents_are_registered_and_sent_by_admins_and_operators(world: World) -> None:
    writers = {"admin", "operator"}
    check_roles(world, lambda s, a, i: _issued(s, a), writers)
    check_roles(world, lambda s, a, i: documents.receive(
        s, a, f"{i + 1}-CV/TU", "TU", "2022-03-01", "Công văn", to="BBT"), writers)
    check_roles(world, lambda s, a, i: documents.send(s, a, _issued(s).number, to=["XA1"]),
                writers)


def test_deliveries_are_acted_on_by_admins_operators_and_the_own_units_clerk(world: World
                                                                            ) -> None:
    actors = {"admin", "operator", "clerk"}
    check_roles(world, lambda s, a, i: documents.acknowledge(s, a, _sent(s).number, "XA1"), actors)
    check_roles(world, lambda s, a, i: documents.mark_done(s, a, _sent(s).number, "XA1"), actors)
    check_roles(world, lambda s, a, i: documents.forward(s, a, _sent(s).number, "XA1", "XA2"),
                actors)
    # A clerk of another unit may do none of it.
    for op in (documents.acknowledge, documents.mark_done):
        check_roles(world, lambda s, a, i, op=op: op(s, a, _sent(s).number, "XA1"),
                    {"admin", "operator"}, clerk_unit="XA2")
    check_roles(world, lambda s, a, i: documents.forward(s, a, _sent(s).number, "XA1", "XA2"),
                {"admin", "operator"}, clerk_unit="XA2")


def test_reading_needs_a_known_role_and_a_clerk_reads_its_own_unit(world: World) -> None:
    number = world.run(lambda s: _sent(s).number)
    check_roles(world, lambda s, a, i: documents.listing(s, a), EVERYONE)
    check_roles(world, lambda s, a, i: documents.show(s, a, number), EVERYONE)
    check_roles(world, lambda s, a, i: documents.inbox(s, a, "XA1"), EVERYONE)
    check_roles(world, lambda s, a, i: keys.verify(s, a, number), EVERYONE)
    check_roles(world, lambda s, a, i: imports.export(s, a, "visits"), EVERYONE)
    check_roles(world, lambda s, a, i: reports.build(s, a, reports.period("annual", 2022),
                                                     date(2022, 12, 31)), EVERYONE)
    # The inbox of another unit is closed to a clerk.
    check_roles(world, lambda s, a, i: documents.inbox(s, a, "XA1"),
                EVERYONE - {"clerk"}, clerk_unit="XA2")


def test_keys_are_made_by_admins_and_used_by_admins_and_operators(world: World) -> None:
    check_roles(world, lambda s, a, i: keys.create(s, a, "BBT", PASSPHRASE), {"admin"})
    check_roles(world, lambda s, a, i: keys.revoke(s, a, "BBT") if keys.create(
        s, SYSTEM, "BBT", PASSPHRASE) else None, {"admin"})
    world.run(keys.create, SYSTEM, "BBT", PASSPHRASE)
    check_roles(world, lambda s, a, i: keys.sign(s, a, _issued(s).number, PASSPHRASE),
                {"admin", "operator"})


def test_articles_visits_and_data_entry(world: World) -> None:
    editors = {"admin", "editor"}
    check_roles(world, lambda s, a, i: articles.add(s, a, "Tin", "news", "XA1"), editors)
    check_roles(world, lambda s, a, i: articles.review(
        s, a, articles.add(s, SYSTEM, "Tin", "news", "XA1").id), editors)
    check_roles(world, lambda s, a, i: articles.set_visits(s, a, "2022-01", 100 + i), editors)
    world.run(subsystems.add, SYSTEM, "Đảng viên")  # main: only listed subsystems are tracked
    check_roles(world, lambda s, a, i: dataentry.set_status(
        s, a, "XA1", "Đảng viên", "2022", "entered", on="2022-03-01"), {"admin", "operator"})


def test_reports(world: World) -> None:
    year = reports.period("annual", 2022)
    check_roles(world, lambda s, a, i: reports.set_text(s, a, year, "assessment", f"Nhận xét {i}"),
                {"admin", "operator", "editor"})
    check_roles(world, lambda s, a, i: reports.generate(s, a, year, report_date=date(2022, 12, 31)),
                EVERYONE)


@pytest.mark.parametrize(("kind", "header", "row", "allowed"), [
    ("visits", "month,visitors", "2022-0{i},100", {"admin", "editor"}),
    ("units", "code,name,kind", "I{i},Chi bộ {i},grassroots", {"admin"}),
    ("documents", "number,issuer,date,title,direction",
     "{n}-KH/BBT,BBT,2022-03-01,Kế hoạch,outgoing", {"admin", "operator"}),
])
def test_imports_ask_the_kinds_permission(world: World, tmp_path: Path, kind: str, header: str,
                                          row: str, allowed: set[str]) -> None:
    def run(session: Session, actor: Actor, i: int) -> Any:
        path = tmp_path / f"{kind}{i}.csv"
        path.write_text(f"{header}\n{row.format(i=i + 1, n=i + 1)}\n", encoding="utf-8")
        result = imports.run_import(session, actor, kind, path)
        assert result.written and result.inserted == 1, result.rejected

    check_roles(world, run, allowed)


# SPEC section 6, written out: who may do what.
EXPECTED_PERMISSIONS = {
    "read": EVERYONE,
    "audit.read": {"admin", "viewer"},
    "units.write": {"admin"}, "accounts.write": {"admin"}, "trainings.write": {"admin"},
    "keys.write": {"admin"}, "settings.write": {"admin"},
    "documents.write": {"admin", "operator"}, "documents.sign": {"admin", "operator"},
    "deliveries.act": {"admin", "operator", "clerk"},
    "articles.write": {"admin", "editor"}, "visits.write": {"admin", "editor"},
    "dataentry.write": {"admin", "operator"},
    "reports.write": {"admin", "operator", "editor"},
}


def test_the_permission_table() -> None:
    assert set(auth.PERMISSIONS) == set(EXPECTED_PERMISSIONS)
    for permission, roles in EXPECTED_PERMISSIONS.items():
        assert {r for r in ROLES if Actor("x", r).can(permission)} == roles, permission
    assert not Actor("x", "ghost").can("read")


def test_refusals_say_which_role_and_permission() -> None:
    with pytest.raises(AuthError) as refused:
        auth.require(Actor("x", "viewer"), "documents.write")
    assert str(refused.value) == ("The role 'viewer' is not allowed to do this "
                                  "(documents.write).")
    auth.require(Actor("x", "operator"), "documents.write")
    clerk = Actor("x", "clerk", 5)
    auth.require_own_unit(clerk, 5)
    auth.require_own_unit(Actor("x", "operator", 5), 6)
    with pytest.raises(AuthError) as other_unit:
        auth.require_own_unit(clerk, 6)
    assert str(other_unit.value) == "A unit clerk can only act on its own unit's documents."


def test_deliveries_are_given_back_by_admins_operators_and_the_own_units_clerk(world: World
                                                                              ) -> None:
    def give_back(session: Session, actor: Actor, i: int) -> Any:
        return documents.give_back(session, actor, _sent(session).number, "XA1", "Gửi nhầm")

    check_roles(world, give_back, {"admin", "operator", "clerk"})
    check_roles(world, give_back, {"admin", "operator"}, clerk_unit="XA2")


def test_the_listing_is_read_by_every_known_role(world: World) -> None:
    doc_id = world.run(lambda s: _sent(s).id)
    check_roles(world, lambda s, a, i: list(documents.stream(s, a)), EVERYONE)
    check_roles(world, lambda s, a, i: documents.position(s, a, doc_id), EVERYONE)


def test_documents_are_withdrawn_by_admins_and_operators(world: World) -> None:
    check_roles(world, lambda s, a, i: documents.withdraw(s, a, _issued(s).number, "Nhầm"),
                {"admin", "operator"})
