"""Accounts: creation, passwords (length boundaries, the username), login and lockout, locks,
resets, and the audit entry each of them writes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session

from domain import accounts, auth, settings
from domain.auth import SYSTEM, Actor
from domain.errors import AuthError, BBTError, NotFound
from models import Setting, utcnow
from tests import rules_support
from tests.rules_support import World

world = rules_support.world
ADMIN = Actor("admin-bbt", "admin")
GOOD = "Mat-khau-2022"


def add(world: World, name: str = "clerk1", password: str | None = GOOD, role: str = "clerk"
        ) -> accounts.Created:
    return world.run(accounts.add, ADMIN, name, "XA1", role, "Nguyễn Văn A", password)


def login(world: World, name: str, password: str) -> accounts.Account:
    """As the CLI does: the transaction commits even when the login fails."""
    from domain.db import transaction

    with transaction(world.engine) as session:
        try:
            return accounts.login(session, name, password)
        except AuthError as failed:
            session.commit()
            raise failed


@pytest.mark.parametrize(("password", "problem"), [
    ("a" * 7, "A password needs at least 8 characters."),
    ("a" * 257, "A password can have at most 256 characters."),
    ("Clerk1", "A password needs at least 8 characters."),
    ("QWERTY123", "This password is too common or equals the username; choose another."),
    ("Matkhau123", "This password is too common or equals the username; choose another."),
    ("Nhanvien01", "This password is too common or equals the username; choose another."),
])
def test_a_new_password_is_refused_when_short_long_common_or_the_username(
        password: str, problem: str) -> None:
    with pytest.raises(BBTError) as refused:
        auth.validate_new_password(password, "NhanVien01")
    assert str(refused.value) == problem


@pytest.mark.parametrize("password", ["k7m2p9q4", "xy" * 128, "nhanvien0"])
def test_the_length_boundaries_are_allowed(password: str) -> None:
    auth.validate_new_password(password, "nhanvien01")


def test_adding_normalises_the_username_and_records_it(world: World) -> None:
    created = add(world, "  Clerk1".strip().upper())
    account = created.account
    assert (account.username, account.role, account.full_name) == ("clerk1", "clerk",
                                                                    "Nguyễn Văn A")
    assert created.one_time_password is None and not account.must_change_password
    assert account.unit_id == world.unit_ids["XA1"] and account.status == "active"
    entry = world.audit("account.add")[-1]
    assert (entry.entity, entry.entity_key, entry.actor) == ("account", "clerk1", "admin-bbt")
    assert json.loads(entry.detail) == {"unit": "XA1", "role": "clerk"}
    assert GOOD not in entry.detail


def test_an_account_without_a_password_gets_a_one_time_one(world: World) -> None:
    created = add(world, password=None)
    otp = created.one_time_password
    assert otp and len(otp) == 14 and created.account.must_change_password
    assert not set(otp) & set("0O1lI")
    assert login(world, "clerk1", otp).must_change_password
    assert otp not in world.audit("account.add")[-1].detail


@pytest.mark.parametrize(("name", "role", "password", "problem"), [
    ("hai tu", "clerk", GOOD, "A username must be one word without spaces."),
    ("", "clerk", GOOD, "A username must be one word without spaces."),
    ("clerk2", "boss", GOOD, "Role 'boss' is unknown; use one of admin, operator, editor, "
                             "clerk, viewer."),
    ("clerk2", "clerk", "clerk2", "A password needs at least 8 characters."),
    ("clerk2x9", "clerk", "CLERK2X9", "This password is too common or equals the username; "
                                      "choose another."),
    ("Clerk1", "clerk", GOOD, "The username 'clerk1' is taken."),
])
def test_adding_refuses(world: World, name: str, role: str, password: str, problem: str) -> None:
    add(world)
    with pytest.raises(BBTError) as refused:
        add(world, name, password, role)
    assert str(refused.value) == problem
    assert len(world.audit("account.add")) == 1


def test_five_wrong_passwords_lock_the_account_four_do_not(world: World) -> None:
    add(world)
    for _ in range(4):
        with pytest.raises(AuthError, match="^Wrong username or password.$"):
            login(world, "clerk1", "wrong-password")
    assert world.read(lambda s: accounts.get(s, "clerk1")).failed_logins == 4
    assert login(world, "CLERK1", GOOD).failed_logins == 0  # a success starts again
    assert world.audit("account.lockout") == []
    for _ in range(5):
        with pytest.raises(AuthError):
            login(world, "clerk1", "wrong-password")
    account = world.read(lambda s: accounts.get(s, "clerk1"))
    assert (account.status, account.failed_logins) == ("locked", 5)
    entry = world.audit("account.lockout")[-1]
    assert (entry.entity, entry.entity_key, entry.actor, entry.detail) == (
        "account", "clerk1", "clerk1", '{"failed_logins": 5, "minutes": 15}')
    with pytest.raises(AuthError) as refused:
        login(world, "clerk1", GOOD)
    assert str(refused.value) == ("The account 'clerk1' is locked for 15 more minute(s) after "
                                  "too many wrong passwords; an admin can unlock it now.")


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(world: World) -> None:
    with pytest.raises(AuthError) as refused:
        login(world, "nobody", GOOD)
    assert str(refused.value) == "Wrong username or password."


def test_a_login_records_its_time(world: World) -> None:
    add(world)
    assert world.read(lambda s: accounts.get(s, "clerk1")).last_login_at is None
    assert login(world, "clerk1", GOOD).last_login_at is not None


def test_locking_unlocking_and_never_ones_own(world: World) -> None:
    add(world)
    for _ in range(2):
        with pytest.raises(AuthError):
            login(world, "clerk1", "wrong-password")
    locked = world.run(accounts.set_status, ADMIN, "clerk1", "locked")
    assert (locked.status, locked.failed_logins) == ("locked", 2)
    unlocked = world.run(accounts.set_status, ADMIN, "clerk1", "active")
    assert (unlocked.status, unlocked.failed_logins) == ("active", 0)
    lock, unlock = world.audit("account.lock")[-1], world.audit("account.unlock")[-1]
    assert (lock.entity, lock.entity_key, lock.detail) == ("account", "clerk1",
                                                           '{"status": "locked"}')
    assert (unlock.entity, unlock.entity_key, unlock.detail) == ("account", "clerk1",
                                                                 '{"status": "active"}')
    own = Actor("clerk1", "admin")
    with pytest.raises(BBTError, match="^You cannot lock your own account.$"):
        world.run(accounts.set_status, own, "clerk1", "disabled")
    assert world.run(accounts.set_status, own, "clerk1", "active").status == "active"


def test_a_reset_gives_a_one_time_password_and_unlocks(world: World) -> None:
    add(world)
    for _ in range(5):
        with pytest.raises(AuthError):
            login(world, "clerk1", "wrong-password")
    one_time = world.run(accounts.reset_password, ADMIN, "clerk1")
    account = world.read(lambda s: accounts.get(s, "clerk1"))
    assert (account.status, account.failed_logins, account.must_change_password) == (
        "active", 0, True)
    assert login(world, "clerk1", one_time).username == "clerk1"
    with pytest.raises(AuthError):
        login(world, "clerk1", GOOD)
    entry = world.audit("account.reset_password")[-1]
    assert (entry.entity, entry.entity_key, entry.detail) == ("account", "clerk1", "{}")
    world.run(accounts.set_status, ADMIN, "clerk1", "disabled")
    world.run(accounts.reset_password, ADMIN, "clerk1")
    assert world.read(lambda s: accounts.get(s, "clerk1")).status == "disabled"


def test_changing_ones_password(world: World) -> None:
    one_time = add(world, password=None).one_time_password
    me = Actor("clerk1", "clerk")
    with pytest.raises(AuthError, match="^The current password is wrong.$"):
        world.run(accounts.change_password, me, "wrong", "Mat-khau-moi-1")
    with pytest.raises(BBTError, match="^The new password must differ from the current one.$"):
        world.run(accounts.change_password, me, one_time, one_time)
    with pytest.raises(BBTError, match="^This password is too common"):
        world.run(accounts.change_password, me, one_time, "abcd1234")
    world.run(accounts.change_password, me, one_time, "Mat-khau-moi-1")
    account = login(world, "clerk1", "Mat-khau-moi-1")
    assert not account.must_change_password
    entry = world.audit("account.change_password")[-1]
    assert (entry.entity, entry.entity_key, entry.actor, entry.detail) == (
        "account", "clerk1", "clerk1", "{}")


def test_a_new_password_may_not_be_the_username(world: World) -> None:
    one_time = add(world, "nhanvien01", password=None).one_time_password
    with pytest.raises(BBTError, match="^This password is too common or equals the username"):
        world.run(accounts.change_password, Actor("nhanvien01", "clerk"), one_time, "NhanVien01")


def test_updating_records_only_what_changed(world: World) -> None:
    add(world)
    world.run(accounts.update, ADMIN, "clerk1", full_name="Nguyễn Văn A", unit="XA1",
              role="clerk")
    assert world.audit("account.update") == []
    account = world.run(accounts.update, ADMIN, "clerk1", full_name="Trần Thị B", unit="XA2",
                        role="operator")
    assert (account.full_name, account.unit_id, account.role) == (
        "Trần Thị B", world.unit_ids["XA2"], "operator")
    entry = world.audit("account.update")[-1]
    assert (entry.entity, entry.entity_key) == ("account", "clerk1")
    assert json.loads(entry.detail) == {"full_name": "Trần Thị B", "unit": "XA2",
                                        "role": "operator"}
    with pytest.raises(BBTError, match="^Role 'boss' is unknown"):
        world.run(accounts.update, ADMIN, "clerk1", role="boss")


def test_listing_and_rows_hold_no_password_material(world: World) -> None:
    world.run(accounts.add, ADMIN, "ed", "XA2", "editor", "", GOOD)  # not in name order
    add(world, "clerk2")
    add(world, "clerk1")
    assert [a.username for a, _ in world.read(lambda s: accounts.listing(s, "XA1"))] == [
        "clerk1", "clerk2"]
    assert [(a.username, code) for a, code in world.read(accounts.listing)] == [
        ("clerk1", "XA1"), ("clerk2", "XA1"), ("ed", "XA2")]
    login(world, "clerk1", GOOD)
    account, code = world.read(accounts.listing)[0]
    row = accounts.as_row(account, code)
    assert row == {"username": "clerk1", "full_name": "Nguyễn Văn A", "unit": "XA1",
                   "role": "clerk", "status": "active", "must_change_password": False,
                   "last_login": account.last_login_at.isoformat()}
    assert account.last_login_at is not None
    assert accounts.as_row(world.read(accounts.listing)[1][0], "XA1")["last_login"] is None
    with pytest.raises(NotFound, match="^There is no account 'ghost'.$"):
        world.read(lambda s: accounts.get(s, "ghost"))
    actor = world.read(lambda s: accounts.actor_of(s, accounts.get(s, "ed")))
    assert actor == Actor("ed", "editor", world.unit_ids["XA2"], "XA2")


def test_the_dummy_check_is_made_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "_DUMMY_HASH", None)
    auth.dummy_check("x")
    made = auth._DUMMY_HASH
    assert made is not None and made.startswith("$argon2id$")
    auth.dummy_check("y")
    assert made == auth._DUMMY_HASH


def test_one_time_passwords_avoid_look_alike_characters() -> None:
    assert len(auth.generate_password()) == 14 and len(auth.generate_password(20)) == 20
    many = "".join(auth.generate_password() for _ in range(200))
    assert set(many) <= set(auth._OTP_ALPHABET) and not set(many) & set("0O1lIio")
    assert len(set(many)) > 40


def test_an_account_locked_during_the_password_check_is_refused(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The slow check runs outside any transaction; an admin may lock the account meanwhile."""
    add(world)
    checked = auth.check_password

    def check_while_an_admin_locks(password: str, phc: str) -> bool:
        world.run(accounts.set_status, ADMIN, "clerk1", "locked")
        return checked(password, phc)

    monkeypatch.setattr(accounts, "check_password", check_while_an_admin_locks)
    with pytest.raises(AuthError) as refused:
        login(world, "clerk1", GOOD)
    assert str(refused.value) == "The account 'clerk1' is locked; ask an admin."
    assert world.read(lambda s: accounts.get(s, "clerk1")).failed_logins == 0


def test_a_hash_has_a_16_byte_salt_and_a_32_byte_digest() -> None:
    """OWASP's Argon2id recommendation; PHC strings write both in unpadded base64."""
    salt, digest = auth.hash_password("Mat-khau-2022").split("$")[-2:]
    assert (len(salt), len(digest)) == (22, 43)  # 16 and 32 bytes
    assert auth.hash_password("Mat-khau-2022").split("$")[-2] != salt


def test_password_hashes_carry_their_cost_and_are_upgraded_when_it_changes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    cheap = auth.hash_password("Mat-khau-2022")
    assert cheap.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert auth.check_password("Mat-khau-2022", cheap)
    assert not auth.check_password("Mat-khau-2023", cheap)
    assert not auth.check_password("Mat-khau-2022", "not a hash")
    assert not auth.needs_rehash(cheap)
    monkeypatch.setattr(auth, "_cheap_for_tests", False)  # the production cost
    assert auth.needs_rehash(cheap)
    assert auth._password_cost() == (19456, 2)
    assert not auth.needs_rehash(auth.PHC_PARAMS + "salt$hash")
    assert auth.PHC_PARAMS == "$argon2id$v=19$m=19456,t=2,p=1$"


def test_a_login_upgrades_a_cheaper_hash(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    world.run(accounts.add, ADMIN, "clerk1", "XA1", "clerk", password=GOOD)
    assert world.read(lambda s: accounts.get(s, "clerk1")).full_name == ""
    monkeypatch.setattr(auth, "_cheap_for_tests", False)  # the production cost
    login(world, "clerk1", GOOD)
    upgraded = world.read(lambda s: accounts.get(s, "clerk1")).password_hash
    assert upgraded.startswith(auth.PHC_PARAMS) and auth.check_password(GOOD, upgraded)



# ---------------------------------------------------------------- lockouts that grow


def lockout(world: World, name: str = "clerk1") -> int:
    """Five wrong passwords; the minutes the lockout's audit entry gives."""
    for _ in range(5):
        with pytest.raises(AuthError):
            login(world, name, "wrong-password")
    return int(json.loads(world.audit("account.lockout")[-1].detail)["minutes"])


def edit_account(world: World, name: str = "clerk1", **values: object) -> None:
    def edit(session: Session) -> None:
        account = accounts.get(session, name)
        for key, value in values.items():
            setattr(account, key, value)
        session.add(account)

    world.run(edit)


def set_lockout_minutes(world: World, value: str) -> None:
    """Written as stored, unchecked: an older or hand-edited database may hold anything."""
    world.run(lambda s: s.add(Setting(key="lockout_minutes", value=value)))


def refusal(world: World) -> str:
    with pytest.raises(AuthError) as refused:
        login(world, "clerk1", GOOD)
    return str(refused.value)


def test_each_lockout_lasts_twice_as_long_until_an_admin_unlocks(world: World) -> None:
    add(world)
    world.run(settings.set_value, SYSTEM, "lockout_minutes", "120")
    assert lockout(world) == 120
    assert "locked for 120 more minute(s)" in refusal(world)
    for minutes, count in ((240, 2), (480, 3)):
        edit_account(world, locked_until=utcnow() - timedelta(seconds=1))  # ran out
        assert lockout(world) == minutes
        assert world.read(lambda s: accounts.get(s, "clerk1")).lockouts == count
    world.run(accounts.set_status, ADMIN, "clerk1", "active")  # an admin's unlock forgets
    assert world.read(lambda s: accounts.get(s, "clerk1")).lockouts == 0
    assert lockout(world) == 120


def test_the_doubling_stops_at_1024_times(world: World) -> None:
    add(world)
    set_lockout_minutes(world, "1")
    edit_account(world, lockouts=12)
    assert lockout(world) == 1024


def test_the_last_minute_of_a_lockout_shows_as_one(world: World) -> None:
    add(world)
    lockout(world)
    edit_account(world, locked_until=utcnow() + timedelta(seconds=30))
    assert "locked for 1 more minute(s)" in refusal(world)


@pytest.mark.parametrize(("stored", "minutes"), [("0", 1), ("1", 1), ("abc", 15)])
def test_a_stored_lockout_setting_is_at_least_one_minute_or_the_default(
        world: World, stored: str, minutes: int) -> None:
    add(world)
    set_lockout_minutes(world, stored)
    assert lockout(world) == minutes


# ---------------------------------------------------------------- recovery and sessions


def test_recovery_resets_an_admins_password_and_lifts_every_lock(world: World) -> None:
    add(world, "quantri", role="admin")
    lockout(world, "quantri")
    edit_account(world, "quantri", lockouts=3)
    recovered = world.run(accounts.recover, "quantri", "Mat-khau-moi-2023")
    assert (recovered.status, recovered.failed_logins, recovered.locked_until,
            recovered.lockouts, recovered.must_change_password) == ("active", 0, None, 0, False)
    assert login(world, "quantri", "Mat-khau-moi-2023").username == "quantri"
    entry = world.audit("account.recover")[-1]
    assert (entry.actor, entry.entity, entry.entity_key) == (
        "(database holder)", "account", "quantri")


def test_recovery_is_for_admins_with_a_good_password(world: World) -> None:
    add(world)
    add(world, "quantri", role="admin")
    with pytest.raises(BBTError, match="^Only an admin account is recovered this way"):
        world.run(accounts.recover, "clerk1", "Mat-khau-moi-2023")
    with pytest.raises(BBTError, match="at least 8 characters"):
        world.run(accounts.recover, "quantri", "short")
    with pytest.raises(NotFound):
        world.run(accounts.recover, "nobody", "Mat-khau-moi-2023")
    assert world.audit("account.recover") == []
    assert login(world, "quantri", GOOD).username == "quantri"


def test_a_session_ends_when_its_account_is_locked_disabled_or_changed(world: World) -> None:
    add(world)
    actor = world.read(lambda s: accounts.actor_of(s, accounts.get(s, "clerk1")))
    assert actor == Actor("clerk1", "clerk", world.unit_ids["XA1"], "XA1")
    assert world.run(accounts.recheck, actor) == actor
    changes: list[dict[str, object]] = [
        {"status": "locked"}, {"status": "disabled"}, {"role": "viewer"},
        {"unit_id": world.unit_ids["XA2"]}]
    for change in changes:
        edit_account(world, **change)
        with pytest.raises(accounts.SessionEnded):
            world.run(accounts.recheck, actor)
        edit_account(world, status="active", role="clerk", unit_id=world.unit_ids["XA1"])
        assert world.run(accounts.recheck, actor) == actor
    with pytest.raises(accounts.SessionEnded, match="locked or disabled"):
        world.run(accounts.recheck, Actor("nobody", "clerk", world.unit_ids["XA1"], "XA1"))
    edit_account(world, role="viewer")
    with pytest.raises(accounts.SessionEnded, match="role or unit was changed"):
        world.run(accounts.recheck, actor)


# ---------------------------------------------------------------- the hash's cost


def test_a_hash_weaker_in_any_of_its_costs_is_redone_a_stronger_one_kept() -> None:
    memory, iterations = auth._password_cost()

    def phc(m: int, t: int, p: int) -> str:
        return f"$argon2id$v=19$m={m},t={t},p={p}$c2FsdHNhbHRzYWx0$ZGlnZXN0"

    assert auth.needs_rehash("not a hash at all")
    assert not auth.needs_rehash(phc(memory, iterations, 1))
    assert not auth.needs_rehash(phc(memory * 2, iterations + 1, 2))
    assert auth.needs_rehash(phc(memory - 1, iterations, 1))
    assert auth.needs_rehash(phc(memory, iterations - 1, 1))
    assert auth.needs_rehash(phc(memory, iterations, 0))


def test_the_cheap_cost_of_test_runs_is_a_switch() -> None:
    auth.use_cheap_hash_for_tests(False)
    try:
        assert auth._password_cost() == (auth.ARGON2_MEMORY_KIB, auth.ARGON2_ITERATIONS)
    finally:
        auth.use_cheap_hash_for_tests()
    assert auth._password_cost() == (1024, 1)
