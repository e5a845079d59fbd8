"""Nobody is locked out for good (ASVS 5.0 6.3), on SQLite and PostgreSQL: five wrong
passwords lock an account for `lockout_minutes`, doubling on repeats; an admin unlocks
earlier; whoever holds the database recovers an admin without logging in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from tests.conftest import ADMIN_PASSWORD, Bbt

PASSWORD = "Mat-khau-van-thu-2022"
WRONG = "Sai-mat-khau-1234"


def sql(url: str, statement: str, **params: Any) -> list[Any]:
    from domain.db import get_engine

    with get_engine(url).begin() as conn:
        result = conn.execute(text(statement), params)
        return list(result) if result.returns_rows else []


def state(url: str, username: str) -> tuple[str, int, datetime | None, int]:
    from models import as_utc

    status, failed, until, lockouts = sql(
        url, "SELECT status, failed_logins, locked_until, lockouts FROM account "
             "WHERE username = :u", u=username)[0]
    if isinstance(until, str):  # SQLite through plain SQL
        until = datetime.fromisoformat(until)
    return status, failed, as_utc(until) if until else None, lockouts


def lock_minutes(url: str, username: str) -> float:
    until = state(url, username)[2]
    assert until is not None
    return (until - datetime.now(UTC)).total_seconds() / 60


def expire_lock(url: str, username: str) -> None:
    """Time passes: the lock's end moves into the past."""
    sql(url, "UPDATE account SET locked_until = :t WHERE username = :u",
        t=datetime.now(UTC) - timedelta(seconds=1), u=username)


def clerk(bbt: Bbt) -> tuple[Bbt, Bbt]:
    bbt.ok("account", "add", "vt", "--unit", "BBT", "--role", "clerk", "--password-stdin",
           input=PASSWORD + "\n")
    return bbt.as_("vt", PASSWORD), bbt.as_("vt", WRONG)


def five_wrong(wrong: Bbt) -> None:
    for _ in range(5):
        assert wrong("doc", "list").exit_code == 3


def test_five_wrong_passwords_lock_for_a_while_then_it_ends(bbt: Bbt) -> None:
    right, wrong = clerk(bbt)
    five_wrong(wrong)
    assert state(bbt.url, "vt")[0] == "locked"
    assert 14 < lock_minutes(bbt.url, "vt") <= 15
    refused = right("doc", "list")
    assert refused.exit_code == 3 and "locked for 15 more minute" in refused.stderr
    expire_lock(bbt.url, "vt")
    right.ok("doc", "list")
    assert state(bbt.url, "vt") == ("active", 0, None, 0)
    actions = [e["action"] for e in bbt.json("audit", "list")]
    assert {"account.lockout", "account.lock_expired"} <= set(actions)
    bbt.ok("audit", "verify")


def test_each_repeat_doubles_the_lock_and_a_good_login_forgets(bbt: Bbt) -> None:
    right, wrong = clerk(bbt)
    bbt.ok("settings", "set", "lockout_minutes", "5")
    five_wrong(wrong)
    assert 4 < lock_minutes(bbt.url, "vt") <= 5
    expire_lock(bbt.url, "vt")
    five_wrong(wrong)  # the guesser goes on after the lock ran out
    assert 9 < lock_minutes(bbt.url, "vt") <= 10
    expire_lock(bbt.url, "vt")
    five_wrong(wrong)
    assert 19 < lock_minutes(bbt.url, "vt") <= 20
    expire_lock(bbt.url, "vt")
    right.ok("doc", "list")  # the owner logs in: the next lock is short again
    five_wrong(wrong)
    assert 4 < lock_minutes(bbt.url, "vt") <= 5


def test_wrong_passwords_during_a_lock_do_not_extend_it(bbt: Bbt) -> None:
    _right, wrong = clerk(bbt)
    five_wrong(wrong)
    before = state(bbt.url, "vt")
    five_wrong(wrong)
    assert state(bbt.url, "vt") == before


def test_an_admin_unlocks_earlier(bbt: Bbt) -> None:
    right, wrong = clerk(bbt)
    five_wrong(wrong)
    bbt.ok("account", "unlock", "vt")
    assert state(bbt.url, "vt") == ("active", 0, None, 0)
    right.ok("doc", "list")


def test_an_admins_lock_has_no_end(bbt: Bbt) -> None:
    right, _wrong = clerk(bbt)
    bbt.ok("account", "lock", "vt")
    assert state(bbt.url, "vt")[2] is None
    refused = right("doc", "list")
    assert refused.exit_code == 3 and "locked; ask an admin" in refused.stderr


def test_lockout_minutes_is_a_checked_setting(bbt: Bbt) -> None:
    for bad in ("0", "7x", "abc", "9" * 5000, "1441"):
        result = bbt("settings", "set", "lockout_minutes", bad)
        assert result.exit_code == 1 and "whole number" in result.stderr, bad


def test_the_only_admin_locked_out_is_recovered_by_the_database_holder(bbt: Bbt) -> None:
    """The organisation can never be locked out: with no login at all, whoever holds the
    database resets the only admin's password, which also lifts the lock."""
    guesser = bbt.as_("admin", WRONG)
    for _ in range(5):
        guesser("doc", "list")
    assert state(bbt.url, "admin")[0] == "locked"
    assert bbt("doc", "list").exit_code == 3
    anonymous = Bbt(bbt.url)  # no BBT_USER, no BBT_PASSWORD
    again = anonymous("init", "--admin", "rescue", "--password-stdin",
                      input="Mat-khau-cuu-ho-2022\n")
    assert "Already initialised" in again.stdout  # init is no way in
    new_password = "Mat-khau-khoi-phuc-2022"
    anonymous.ok("account", "recover", "admin", "--password-stdin", input=new_password + "\n")
    assert state(bbt.url, "admin") == ("active", 0, None, 0)
    assert bbt("doc", "list").exit_code == 3  # the old password is gone
    admin = bbt.as_("admin", new_password)
    admin.ok("doc", "list")
    entry = admin.json("audit", "list")[0]
    assert entry["action"] == "account.recover" and entry["key"] == "admin"
    assert entry["actor"] == "(database holder)"
    admin.ok("audit", "verify")


def test_recover_is_for_admins_and_obeys_the_password_policy(bbt: Bbt) -> None:
    clerk(bbt)
    anonymous = Bbt(bbt.url)
    refused = anonymous("account", "recover", "vt", "--password-stdin",
                        input="Mat-khau-khoi-phuc-2022\n")
    assert refused.exit_code == 1 and "Only an admin" in refused.stderr
    weak = anonymous("account", "recover", "admin", "--password-stdin", input="aaaaaaaa\n")
    assert weak.exit_code == 1
    missing = anonymous("account", "recover", "nobody", "--password-stdin",
                        input="Mat-khau-khoi-phuc-2022\n")
    assert missing.exit_code == 1
    bbt.ok("doc", "list")  # nothing changed: the admin's password still works
    assert ADMIN_PASSWORD
