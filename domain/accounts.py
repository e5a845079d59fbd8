"""Accounts (tài khoản): creation, login with lockout, locking, password resets."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from domain import audit, limits, units
from domain.auth import (
    MAX_FAILED_LOGINS,
    Actor,
    check_password,
    dummy_check,
    generate_password,
    hash_password,
    needs_rehash,
    require,
    validate_new_password,
)
from domain.errors import AuthError, BBTError, NotFound
from domain.i18n import _
from domain.text import nfc
from models import ROLES, Account, Unit, utcnow


@dataclass
class Created:
    account: Account
    one_time_password: str | None  # shown once to the admin, never stored or logged


def get(session: Session, username: str) -> Account:
    account = session.exec(select(Account).where(Account.username == normalise(username))).first()
    if account is None:
        raise NotFound(_("There is no account '{username}'.").format(username=username))
    return account


def normalise(username: str) -> str:
    return limits.text(username, "username").lower()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise BBTError(_("Role '{role}' is unknown; use one of {choices}.").format(role=role, choices=', '.join(ROLES)))
    return role


def add(
    session: Session,
    actor: Actor,
    username: str,
    unit: str,
    role: str,
    full_name: str = "",
    password: str | None = None,
) -> Created:
    require(actor, "accounts.write")
    username = normalise(username)
    if not username or any(ch.isspace() for ch in username):
        raise BBTError(_("A username must be one word without spaces."))
    if session.exec(select(Account).where(Account.username == username)).first():
        raise BBTError(_("The username '{username}' is taken.").format(username=username))
    one_time = None
    if password is None:
        one_time = password = generate_password()
    else:
        validate_new_password(password, username)
    account = Account(
        username=username,
        full_name=nfc(full_name),
        unit_id=units.get(session, unit).id,  # type: ignore[arg-type]
        role=check_role(role),
        password_hash=hash_password(password),
        must_change_password=one_time is not None,
    )
    session.add(account)
    session.flush()
    audit.record(session, actor, "account.add", "account", username, unit=unit, role=role)
    return Created(account, one_time)


def login(session: Session, username: str, password: str) -> Account:
    """Check a password. The caller commits even on failure, so the counter sticks.

    The deliberately slow Argon2id check runs between two short transactions: on SQLite
    every transaction holds the write lock from its first statement (BEGIN IMMEDIATE), so
    checking inside one would make every other command wait for each login. The second
    transaction locks the account row, so guesses made in parallel all count.
    """
    account = session.exec(select(Account).where(Account.username == normalise(username))).first()
    seen = (account.username, account.status, account.password_hash) if account else None
    session.rollback()  # nothing written yet: end the read before the slow check
    if account is None or seen is None or seen[1] != "active":
        dummy_check(password)  # as slow as a real check: no hint which usernames exist
        if account is None or seen is None:
            raise AuthError(_("Wrong username or password."))
        raise AuthError(_("The account '{username}' is {status}; ask an admin.").format(username=seen[0], status=seen[1]))
    valid = check_password(password, seen[2])
    session.refresh(account, with_for_update=True)
    if account.status != "active":  # locked meanwhile, by an admin or by parallel guesses
        raise AuthError(_("The account '{username}' is {status}; ask an admin.").format(username=account.username, status=account.status))
    if not valid or account.password_hash != seen[2]:
        account.failed_logins += 1
        if account.failed_logins >= MAX_FAILED_LOGINS:
            account.status = "locked"
            audit.record(session, actor_of(session, account), "account.lockout", "account",
                         account.username, failed_logins=account.failed_logins)
        session.add(account)
        raise AuthError(_("Wrong username or password."))
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.failed_logins = 0
    account.last_login_at = utcnow()
    session.add(account)
    return account


def actor_of(session: Session, account: Account) -> Actor:
    unit = session.get(Unit, account.unit_id)
    return Actor(account.username, account.role, account.unit_id, unit.code if unit else "")


def change_password(session: Session, actor: Actor, old: str, new: str) -> None:
    account = get(session, actor.username)
    if not check_password(old, account.password_hash):
        raise AuthError(_("The current password is wrong."))
    if old == new:
        raise BBTError(_("The new password must differ from the current one."))
    validate_new_password(new, account.username)
    account.password_hash = hash_password(new)
    account.must_change_password = False
    session.add(account)
    audit.record(session, actor, "account.change_password", "account", account.username)


def set_status(session: Session, actor: Actor, username: str, status: str) -> Account:
    require(actor, "accounts.write")
    account = get(session, username)
    if account.username == actor.username and status != "active":
        raise BBTError(_("You cannot lock your own account."))
    account.status = status
    if status == "active":
        account.failed_logins = 0
    session.add(account)
    audit.record(session, actor, f"account.{'unlock' if status == 'active' else 'lock'}",
                 "account", account.username, status=status)
    return account


def reset_password(session: Session, actor: Actor, username: str) -> str:
    """A new one-time password (returned once); the account must change it at next login."""
    require(actor, "accounts.write")
    account = get(session, username)
    one_time = generate_password()
    account.password_hash = hash_password(one_time)
    account.must_change_password = True
    account.failed_logins = 0
    if account.status == "locked":
        account.status = "active"
    session.add(account)
    audit.record(session, actor, "account.reset_password", "account", account.username)
    return one_time


def update(
    session: Session, actor: Actor, username: str, *, full_name: str | None = None,
    unit: str | None = None, role: str | None = None,
) -> Account:
    require(actor, "accounts.write")
    account = get(session, username)
    changes: dict[str, object] = {}
    if full_name is not None and nfc(full_name) != account.full_name:
        account.full_name = changes["full_name"] = nfc(full_name)
    if unit is not None:
        unit_id = units.get(session, unit).id
        if unit_id != account.unit_id:
            account.unit_id, changes["unit"] = unit_id, unit  # type: ignore[assignment]
    if role is not None and role != account.role:
        account.role = changes["role"] = check_role(role)
    if changes:
        session.add(account)
        audit.record(session, actor, "account.update", "account", account.username, **changes)
    return account


def listing(session: Session, unit: str | None = None) -> list[tuple[Account, str]]:
    query = select(Account, Unit.code).join(Unit, col(Unit.id) == Account.unit_id)
    if unit:
        query = query.where(Unit.code == units.get(session, unit).code)
    return list(session.exec(query.order_by(col(Account.username))))


def as_row(account: Account, unit_code: str) -> dict[str, object]:
    """The import columns plus read-only state; no password material, ever."""
    return {
        "username": account.username,
        "full_name": account.full_name,
        "unit": unit_code,
        "role": account.role,
        "status": account.status,
        "must_change_password": account.must_change_password,
        "last_login": account.last_login_at.isoformat() if account.last_login_at else None,
    }
