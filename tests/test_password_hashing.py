"""The production Argon2id cost is the default, and cheaper hashes are upgraded at login."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_default_cost_is_owasp_minimum() -> None:
    code = ("import os; os.environ.pop('BBT_TEST_CHEAP_PASSWORD_HASH', None);"
            "from domain.auth import hash_password, check_password, PHC_PARAMS;"
            "h = hash_password('Mat-khau-dai-2022');"
            "assert h.startswith('$argon2id$v=19$m=19456,t=2,p=1$'), h;"
            "assert h.startswith(PHC_PARAMS);"
            "assert check_password('Mat-khau-dai-2022', h);"
            "assert not check_password('Mat-khau-dai-2023', h)")
    env = {k: v for k, v in __import__("os").environ.items()
           if k != "BBT_TEST_CHEAP_PASSWORD_HASH"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_cheap_hash_is_upgraded_at_the_next_production_login(
        bbt, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
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
    monkeypatch.delenv("BBT_TEST_CHEAP_PASSWORD_HASH")
    with transaction(engine) as session:
        accounts.login(session, "nguoidung", "Mat-khau-nguoi-dung")
    with transaction(engine) as session:
        stored = session.exec(select(Account).where(Account.username == "nguoidung")).one()
        assert stored.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
