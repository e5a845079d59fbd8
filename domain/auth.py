"""Passwords, roles and who is acting. Every domain operation checks its actor here, so the
CLI, the TUI and scripts obey the same rules."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

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
# The most common passwords of breach lists, and their Vietnamese favourites (ASVS 5.0 6.2).
COMMON_PASSWORDS = frozenset(
    [
        "123456",
        "12345678",
        "123456789",
        "1234567890",
        "password",
        "password1",
        "qwerty",
        "qwerty123",
        "abc123",
        "111111",
        "000000",
        "11111111",
        "iloveyou",
        "admin",
        "admin123",
        "welcome",
        "letmein",
        "123123",
        "654321",
        "abcd1234",
        "matkhau",
        "matkhau123",
        "anhyeuem",
        "12345678a",
        "88888888",
        "66666666",
        "vietnam",
        "vietnam123",
        "baolam",
        "huyenuy",
        "password123",
        "passw0rd",
        "1q2w3e4r",
        "zaq12wsx",
        "1qaz2wsx",
    ]
)

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


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    unit_id: int | None = None
    unit_code: str = ""

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


# The program itself, for migrations and the first admin created by `bbt init`.
SYSTEM = Actor("system", "admin")


def require(actor: Actor, permission: str) -> None:
    if not actor.can(permission):
        raise AuthError(_("The role '{role}' is not allowed to do this ({permission}).").format(role=actor.role, permission=permission))


def require_own_unit(actor: Actor, unit_id: int) -> None:
    """Clerks see and act on their own unit only."""
    if actor.role == "clerk" and actor.unit_id != unit_id:
        raise AuthError(_("A unit clerk can only act on its own unit's documents."))


# Test suites log in thousands of times; they may ask for a cheap cost (about 1 ms instead of
# 50 ms). The code path stays the same, and a login without this variable rehashes such a
# hash to the production parameters (needs_rehash), so it cannot linger.
TEST_KDF_VARIABLE = "BBT_TEST_CHEAP_PASSWORD_HASH"


def _password_cost() -> tuple[int, int]:
    if os.environ.get(TEST_KDF_VARIABLE) == "1":
        return 1024, 1
    return ARGON2_MEMORY_KIB, ARGON2_ITERATIONS


def hash_password(password: str) -> str:
    memory, iterations = _password_cost()
    kdf = Argon2id(salt=os.urandom(16), length=32, iterations=iterations, lanes=ARGON2_LANES,
                   memory_cost=memory)
    return kdf.derive_phc_encoded(password.encode())


def check_password(password: str, phc: str) -> bool:
    """Constant-time check (the comparison happens inside the KDF's verify)."""
    try:
        Argon2id.verify_phc_encoded(password.encode(), phc)
        return True
    except (InvalidKey, ValueError):
        return False


def needs_rehash(phc: str) -> bool:
    memory, iterations = _password_cost()
    return not phc.startswith(f"$argon2id$v=19$m={memory},t={iterations},p={ARGON2_LANES}$")


# Verified against when the username is unknown, so that the answer takes as long.
_DUMMY_HASH = None


def dummy_check(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    check_password(password, _DUMMY_HASH)


def validate_new_password(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BBTError(_("A password needs at least {MIN_PASSWORD_LENGTH} characters.").format(MIN_PASSWORD_LENGTH=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BBTError(_("A password can have at most {MAX_PASSWORD_LENGTH} characters.").format(MAX_PASSWORD_LENGTH=MAX_PASSWORD_LENGTH))
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or lowered == username.lower():
        raise BBTError(_("This password is too common or equals the username; choose another."))


# No 0/O, 1/l/I: one-time passwords are read aloud over the phone to unit clerks.
_OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password(length: int = 14) -> str:
    return "".join(secrets.choice(_OTP_ALPHABET) for _ in range(length))
