"""Accounts (tài khoản): creation, login with lockout, locking, password resets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from domain import audit, limits, scope, settings, units, vocab
from domain.auth import (
    MAX_FAILED_LOGINS,
    SYSTEM,
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
from models import ROLES, Account, Unit, as_utc, utcnow


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
    role = vocab.code("role", role)
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
    *,
    scope_code: str | None = None,
) -> Created:
    """A new account. `scope_code` limits it to that unit's subtree ('' for none); left out,
    a scoped admin's account gets the admin's own scope, an unscoped admin's none."""
    require(actor, "accounts.write")
    unit_row = units.get(session, unit)
    scope.require_in_scope(actor, unit_row.id)
    scope_root = (actor.scope_unit_id if scope_code is None
                  else _scope_root(session, actor, scope_code))
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
        unit_id=unit_row.id,  # type: ignore[arg-type]
        role=check_role(role),
        scope_unit_id=scope_root,
        password_hash=hash_password(password),
        must_change_password=one_time is not None,
    )
    session.add(account)
    session.flush()
    audit.record(session, actor, "account.add", "account", username, unit=unit, role=role,
                 **({"scope": scope_code} if scope_root else {}))
    return Created(account, one_time)


def _scope_root(session: Session, actor: Actor, code: str) -> int | None:
    """The unit an account's scope starts at: only an unscoped admin makes an account
    unscoped (''), and a scoped admin hands out no more than its own subtree."""
    if not code:
        scope.require_unscoped(actor)
        return None
    root = units.get(session, code)
    scope.require_in_scope(actor, root.id)
    return root.id


def require_changeable(actor: Actor, account: Account) -> None:
    """A scoped admin changes only accounts of its subtree that are scoped inside it: never
    an unscoped account, which could then be used to see everything."""
    scope.require_in_scope(actor, account.unit_id)
    if scope.is_scoped(actor):
        scope.require_in_scope(actor, account.scope_unit_id)


def login(session: Session, username: str, password: str) -> Account:
    """Check a password. The caller commits even on failure, so the counter sticks.

    The deliberately slow Argon2id check runs between two short transactions: on SQLite
    every transaction holds the write lock from its first statement (BEGIN IMMEDIATE), so
    checking inside one would make every other command wait for each login. The second
    transaction locks the account row, so guesses made in parallel all count.
    """
    account = session.exec(select(Account).where(Account.username == normalise(username))).first()
    seen = (account.username, account.status, account.password_hash,
            account.locked_until) if account else None
    session.rollback()  # nothing written yet: end the read before the slow check
    now = utcnow()
    if account is None or seen is None:
        dummy_check(password)  # as slow as a real check: no hint which usernames exist
        raise AuthError(_("Wrong username or password."))
    if seen[1] != "active" and not _lock_over(seen[1], seen[3], now):
        dummy_check(password)
        raise _refusal(seen[0], seen[1], seen[3], now)
    valid = check_password(password, seen[2])
    session.refresh(account, with_for_update=True)
    if _lock_over(account.status, account.locked_until, now):
        _clear_lock(account, forget_lockouts=False)
        audit.record(session, SYSTEM, "account.lock_expired", "account", account.username)
    if account.status != "active":  # locked meanwhile, by an admin or by parallel guesses
        raise _refusal(account.username, account.status, account.locked_until, now)
    if not valid or account.password_hash != seen[2]:
        _count_failure(session, account, now)
        raise AuthError(_("Wrong username or password."))
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.failed_logins = account.lockouts = 0
    account.last_login_at = now
    session.add(account)
    return account


def _lock_over(status: str, locked_until: datetime | None, now: datetime) -> bool:
    """A lockout for wrong passwords ends by itself (ASVS 5.0 6.3: no malicious lockout of
    an account for good); an admin's lock has no end."""
    return status == "locked" and locked_until is not None and as_utc(locked_until) <= now


def _refusal(username: str, status: str, locked_until: datetime | None,
             now: datetime) -> AuthError:
    if status == "locked" and locked_until is not None:
        minutes = max(1, math.ceil((as_utc(locked_until) - now).total_seconds() / 60))
        return AuthError(_("The account '{username}' is locked for {minutes} more minute(s) "
                           "after too many wrong passwords; an admin can unlock it now.").format(
            username=username, minutes=minutes))
    return AuthError(_("The account '{username}' is {status}; ask an admin.").format(
        username=username, status=status))


def _count_failure(session: Session, account: Account, now: datetime) -> None:
    account.failed_logins += 1
    if account.failed_logins >= MAX_FAILED_LOGINS:
        minutes = lockout_minutes(session) * 2 ** min(account.lockouts, 10)
        account.status = "locked"
        account.locked_until = now + timedelta(minutes=minutes)
        account.lockouts += 1
        audit.record(session, actor_of(session, account), "account.lockout", "account",
                     account.username, failed_logins=account.failed_logins, minutes=minutes)
    session.add(account)


def _clear_lock(account: Account, *, forget_lockouts: bool) -> None:
    """Active again. A lockout that ran out keeps its count (the next one lasts twice as
    long); an admin's unlock, a reset or a recovery forgets it."""
    account.status = "active"
    account.failed_logins = 0
    account.locked_until = None
    if forget_lockouts:
        account.lockouts = 0


def lockout_minutes(session: Session) -> int:
    try:
        return max(1, int(settings.get(session, "lockout_minutes")))
    except ValueError:
        return int(settings.DEFAULTS["lockout_minutes"])


def actor_of(session: Session, account: Account) -> Actor:
    unit = session.get(Unit, account.unit_id)
    root = session.get(Unit, account.scope_unit_id) if account.scope_unit_id else None
    actor = Actor(account.username, account.role, account.unit_id, unit.code if unit else "",
                  scope_unit_id=account.scope_unit_id, scope_code=root.code if root else "")
    return scope.with_scope(session, actor)


class SessionEnded(AuthError):
    """The account behind an open session was locked, disabled or changed."""


def recheck(session: Session, actor: Actor) -> Actor:
    """A session (TUI, `bbt serve`) re-reads its account before every action, so that a lock,
    a deactivation or a change of role or unit bites at once, not at the next login."""
    account = session.exec(select(Account).where(Account.username == actor.username)).first()
    if account is None or account.status != "active":
        raise SessionEnded(_("Your account was locked or disabled; you are signed out."))
    fresh = actor_of(session, account)
    if fresh != actor:
        raise SessionEnded(_("Your account's role or unit was changed; sign in again."))
    return fresh  # with its subtree as it is now


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
    require_changeable(actor, account)
    if account.username == actor.username and status != "active":
        raise BBTError(_("You cannot lock your own account."))
    if status == "active":
        _clear_lock(account, forget_lockouts=True)
    else:
        account.status, account.locked_until = status, None  # an admin's lock has no end
    session.add(account)
    audit.record(session, actor, f"account.{'unlock' if status == 'active' else 'lock'}",
                 "account", account.username, status=status)
    return account


def reset_password(session: Session, actor: Actor, username: str) -> str:
    """A new one-time password (returned once); the account must change it at next login."""
    require(actor, "accounts.write")
    account = get(session, username)
    require_changeable(actor, account)
    one_time = generate_password()
    account.password_hash = hash_password(one_time)
    account.must_change_password = True
    if account.status == "locked":
        _clear_lock(account, forget_lockouts=True)
    account.failed_logins = 0
    session.add(account)
    audit.record(session, actor, "account.reset_password", "account", account.username)
    return one_time


# Whoever holds the database itself (the SQLite file, the PostgreSQL URL with its password)
# can already change every row; `recover` lets them do it properly and on the record, so the
# organisation can never be locked out of its own database.
RECOVERY = Actor("(database holder)", "admin")


def recover(session: Session, username: str, password: str) -> Account:
    """Reset an admin's password and lift any lock, without logging in (audited)."""
    account = get(session, username)
    if account.role != "admin":
        raise BBTError(_("Only an admin account is recovered this way; that admin then "
                         "resets the others."))
    validate_new_password(password, account.username)
    account.password_hash = hash_password(password)
    account.must_change_password = False
    _clear_lock(account, forget_lockouts=True)
    session.add(account)
    audit.record(session, RECOVERY, "account.recover", "account", account.username)
    return account


def update(
    session: Session, actor: Actor, username: str, *, full_name: str | None = None,
    unit: str | None = None, role: str | None = None, scope_code: str | None = None,
) -> Account:
    """Change an account; `scope_code` '' makes it unscoped (an unscoped admin only)."""
    require(actor, "accounts.write")
    account = get(session, username)
    require_changeable(actor, account)
    changes: dict[str, object] = {}
    if full_name is not None and nfc(full_name) != account.full_name:
        account.full_name = changes["full_name"] = nfc(full_name)
    if unit is not None:
        unit_id = units.get(session, unit).id
        scope.require_in_scope(actor, unit_id)
        if unit_id != account.unit_id:
            account.unit_id, changes["unit"] = unit_id, unit  # type: ignore[assignment]
    if role is not None and check_role(role) != account.role:
        account.role = changes["role"] = check_role(role)
    if scope_code is not None:
        root = _scope_root(session, actor, scope_code)
        if root != account.scope_unit_id:
            account.scope_unit_id, changes["scope"] = root, scope_code or None
    if changes:
        session.add(account)
        audit.record(session, actor, "account.update", "account", account.username, **changes)
    return account


def listing(session: Session, unit: str | None = None, *, actor: Actor | None = None
            ) -> list[tuple[Account, str]]:
    """Accounts with their unit's code, of the actor's scope (domain.scope)."""
    query = select(Account, Unit.code).join(Unit, col(Unit.id) == Account.unit_id)
    query = scope.where_units(query, actor, Account.unit_id)
    if unit:
        query = query.where(Unit.code == units.visible(session, actor, unit).code)
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
