"""Who may do what: the permissions no scoped account holds, and passwords refused at once."""

from __future__ import annotations

import pytest

from domain.auth import UNSCOPED_ONLY, Actor, require, validate_new_password
from domain.errors import AuthError, BBTError

SCOPED_ADMIN = Actor("admin-hu", "admin", unit_id=2, unit_code="HU", scope_unit_id=2,
                     scope_code="HU")


def test_a_scoped_admin_is_refused_only_what_spans_the_whole_database() -> None:
    for permission in sorted(UNSCOPED_ONLY):
        assert not SCOPED_ADMIN.can(permission), permission
        with pytest.raises(AuthError) as refused:
            require(SCOPED_ADMIN, permission)
        assert str(refused.value) == (
            "Your account is limited to the units under HU; this lies outside them.")
        require(Actor("admin", "admin"), permission)  # the unscoped admin may
    for permission in ("read", "units.write", "accounts.write", "keys.write"):
        assert SCOPED_ADMIN.can(permission), permission
        require(SCOPED_ADMIN, permission)


def test_a_password_of_one_character_repeated_is_refused_with_its_reason() -> None:
    for password in ("aaaaaaaa", "AaAaAaAa"):
        with pytest.raises(BBTError) as refused:
            validate_new_password(password)
        assert str(refused.value) == (
            "A password of one character repeated is guessed at once; choose another.")
