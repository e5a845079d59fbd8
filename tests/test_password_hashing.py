"""The production Argon2id cost is the default, cheaper hashes are upgraded at login, a
stronger one is never downgraded, and the cheap test cost cannot be reached from a shell."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain import auth

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = "$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture
def production_cost() -> Iterator[None]:
    auth.use_cheap_hash_for_tests(False)
    try:
        yield
    finally:
        auth.use_cheap_hash_for_tests()


def test_default_cost_is_owasp_minimum() -> None:
    code = ("from domain.auth import hash_password, check_password, PHC_PARAMS;"
            "h = hash_password('Mat-khau-dai-2022');"
            f"assert h.startswith({PRODUCTION!r}), h;"
            "assert h.startswith(PHC_PARAMS);"
            "assert check_password('Mat-khau-dai-2022', h);"
            "assert not check_password('Mat-khau-dai-2023', h)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_old_variable_and_the_switch_do_nothing_outside_pytest() -> None:
    """A real shell: the variable the suite once used, and the switch called without pytest
    loaded, both leave the production cost."""
    code = ("from domain import auth; auth.use_cheap_hash_for_tests();"
            f"h = auth.hash_password('Mat-khau-dai-2022'); assert h.startswith({PRODUCTION!r}), h")
    env = {**os.environ, "BBT_TEST_CHEAP_PASSWORD_HASH": "1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_stronger_hash_is_never_downgraded(production_cost: None) -> None:
    strong = auth.hash_password("Mat-khau-dai-2022")
    auth.use_cheap_hash_for_tests()
    assert auth.hash_password("x" * 8).startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert not auth.needs_rehash(strong)
    stronger = strong.replace("m=19456,t=2", "m=65536,t=3")
    assert not auth.needs_rehash(stronger)
    auth.use_cheap_hash_for_tests(False)
    assert not auth.needs_rehash(stronger)
    assert auth.needs_rehash(strong.replace("m=19456,t=2", "m=1024,t=1"))
    assert auth.needs_rehash("not a hash")


def test_cheap_hash_is_upgraded_at_the_next_production_login(bbt) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from domain import accounts
    from domain.db import get_engine, transaction
    from models import Account
    from tests.conftest import make_user

    make_user(bbt, "nguoidung", "BBT", "viewer", "Mat-khau-nguoi-dung")
    engine = get_engine(bbt.url)
    with transaction(engine) as session:
        stored = session.exec(select(Account).where(Account.username == "nguoidung")).one()
        assert "m=1024,t=1" in stored.password_hash
    auth.use_cheap_hash_for_tests(False)
    try:
        with transaction(engine) as session:
            accounts.login(session, "nguoidung", "Mat-khau-nguoi-dung")
    finally:
        auth.use_cheap_hash_for_tests()
    with transaction(engine) as session:
        stored = session.exec(select(Account).where(Account.username == "nguoidung")).one()
        assert stored.password_hash.startswith(PRODUCTION)
    with transaction(engine) as session:  # the cheap test cost does not downgrade it back
        accounts.login(session, "nguoidung", "Mat-khau-nguoi-dung")
    with transaction(engine) as session:
        stored = session.exec(select(Account).where(Account.username == "nguoidung")).one()
        assert stored.password_hash.startswith(PRODUCTION)
