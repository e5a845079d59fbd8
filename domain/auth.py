"""Passwords, roles and who is acting. Every domain operation checks its actor here, so the
CLI, the TUI and scripts obey the same rules."""

from __future__ import annotations

import functools
import gzip
import os
import re
import secrets
import sys
import unicodedata
from dataclasses import dataclass, field
from importlib import resources

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from domain.errors import AuthError, BBTError
from domain.i18n import _

# OWASP's minimum for argon2id (SPEC section 6): 19 MiB, 2 passes, 1 lane.
ARGON2_MEMORY_KIB = 19456
ARGON2_ITERATIONS = 2
ARGON2_LANES = 1
PHC_PARAMS = f"$argon2id$v=19$m={ARGON2_MEMORY_KIB},t={ARGON2_ITERATIONS},p={ARGON2_LANES}$"

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
MAX_FAILED_LOGINS = 5
# Vietnamese favourites, besides the shipped list of the most common passwords of public
# breach corpora (domain/data/README.md says where it comes from; ASVS 5.0 6.2.4).
VIETNAMESE_COMMON = frozenset(
    ["matkhau", "matkhau123", "anhyeuem", "emyeuanh", "12345678a", "88888888", "66666666",
     "vietnam", "vietnam123", "baolam", "huyenuy", "huyenuy123", "bienbtap", "banbientap"]
)


@functools.cache
def common_passwords() -> frozenset[str]:
    data = resources.files("domain").joinpath("data/common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode().split()) | VIETNAMESE_COMMON


PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"admin", "operator", "editor", "clerk", "viewer"}),
    # The audit trail names every record (document titles too): admins and auditors only.
    "audit.read": frozenset({"admin", "viewer"}),
    "units.write": frozenset({"admin"}),
    "accounts.write": frozenset({"admin"}),
    "trainings.write": frozenset({"admin"}),
    "keys.write": frozenset({"admin"}),
    "settings.write": frozenset({"admin"}),
    "documents.write": frozenset({"admin", "operator"}),
    "documents.sign": frozenset({"admin", "operator"}),
    # Clerks act on deliveries too, but only their own unit's (documents.require_unit).
    "deliveries.act": frozenset({"admin", "operator", "clerk"}),
    "articles.write": frozenset({"admin", "editor"}),
    "visits.write": frozenset({"admin", "editor"}),
    "dataentry.write": frozenset({"admin", "operator"}),
    "reports.write": frozenset({"admin", "operator", "editor"}),
}


# What spans the whole database (settings, copies, the audit trail of every unit) is for
# unscoped accounts only (SPEC 7.5; domain.scope limits everything else).
UNSCOPED_ONLY = frozenset({"settings.write", "audit.read"})


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    unit_id: int | None = None
    unit_code: str = ""
    # Scoped administration (domain.scope): the root of the subtree this actor is limited to,
    # and the ids of that subtree (computed once per command or TUI action, so not compared:
    # a unit added under the root does not end a session).
    scope_unit_id: int | None = None
    scope_code: str = ""
    scope: frozenset[int] | None = field(default=None, compare=False)

    def can(self, permission: str) -> bool:
        if permission in UNSCOPED_ONLY and self.scope_unit_id is not None:
            return False
        return self.role in PERMISSIONS[permission]


# The program itself, for migrations and the first admin created by `bbt init`.
SYSTEM = Actor("system", "admin")


def require(actor: Actor, permission: str) -> None:
    if permission in UNSCOPED_ONLY and actor.scope_unit_id is not None:
        raise outside_scope(actor)
    if not actor.can(permission):
        raise AuthError(_("The role '{role}' is not allowed to do this ({permission}).").format(role=actor.role, permission=permission))


def outside_scope(actor: Actor) -> AuthError:
    """The refusal (exit 3) of a scoped actor reaching beyond its subtree."""
    return AuthError(_("Your account is limited to the units under {code}; this lies outside "
                       "them.").format(code=actor.scope_code))


def require_own_unit(actor: Actor, unit_id: int) -> None:
    """Clerks see and act on their own unit only."""
    if actor.role == "clerk" and actor.unit_id != unit_id:
        raise AuthError(_("A unit clerk can only act on its own unit's documents."))


# Test suites log in thousands of times; they may ask for a cheap cost (about 1 ms instead of
# 50 ms). Only a test run can: the switch is a call made in-process by tests/conftest.py and
# honoured only while pytest is loaded, never an environment variable a shell could set.
# A cheaper target never downgrades a stored hash (needs_rehash only ever strengthens).
_cheap_for_tests = False


def use_cheap_hash_for_tests(enabled: bool = True) -> None:
    global _cheap_for_tests
    _cheap_for_tests = enabled and "pytest" in sys.modules


def _password_cost() -> tuple[int, int]:
    if _cheap_for_tests and "pytest" in sys.modules:
        return 1024, 1
    return ARGON2_MEMORY_KIB, ARGON2_ITERATIONS


def normalise_password(password: str) -> str:
    """Passwords are compared in NFC: "ế" typed precomposed or decomposed is one password."""
    return unicodedata.normalize("NFC", password)


def hash_password(password: str) -> str:
    memory, iterations = _password_cost()
    kdf = Argon2id(salt=os.urandom(16), length=32, iterations=iterations, lanes=ARGON2_LANES,
                   memory_cost=memory)
    return kdf.derive_phc_encoded(normalise_password(password).encode())


def check_password(password: str, phc: str) -> bool:
    """Constant-time check (the comparison happens inside the KDF's verify). A hash made
    before passwords were normalised may hold a decomposed password: tried as typed too."""
    candidates = dict.fromkeys([normalise_password(password), password])
    return any(_verify(candidate, phc) for candidate in candidates)


def _verify(password: str, phc: str) -> bool:
    try:
        Argon2id.verify_phc_encoded(password.encode(), phc)
        return True
    except (InvalidKey, ValueError):
        return False


_PHC_COST = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$")


def needs_rehash(phc: str) -> bool:
    """True when the stored hash is weaker than the current target (or unreadable); a
    stronger one is kept as it is."""
    memory, iterations = _password_cost()
    found = _PHC_COST.match(phc)
    if found is None:
        return True
    stored_memory, stored_iterations, lanes = map(int, found.groups())
    return stored_memory < memory or stored_iterations < iterations or lanes < ARGON2_LANES


# Verified against when the username is unknown, so that the answer takes as long.
_DUMMY_HASH = None


def dummy_check(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    check_password(password, _DUMMY_HASH)


def validate_new_password(password: str, username: str = "") -> None:
    """ASVS 5.0 6.2: a minimum length, no composition rules, and no password that a guesser
    tries first: the most common ones, one character repeated, the username."""
    password = normalise_password(password)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BBTError(_("A password needs at least {MIN_PASSWORD_LENGTH} characters.").format(MIN_PASSWORD_LENGTH=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BBTError(_("A password can have at most {MAX_PASSWORD_LENGTH} characters.").format(MAX_PASSWORD_LENGTH=MAX_PASSWORD_LENGTH))
    lowered = password.casefold()
    if len(set(lowered)) == 1:
        raise BBTError(_("A password of one character repeated is guessed at once; choose "
                         "another."))
    if lowered in common_passwords() or lowered == normalise_password(username).casefold():
        raise BBTError(_("This password is too common or equals the username; choose another."))


# No 0/O, 1/l/I: one-time passwords are read aloud over the phone to unit clerks.
_OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password(length: int = 14) -> str:
    return "".join(secrets.choice(_OTP_ALPHABET) for _ in range(length))
