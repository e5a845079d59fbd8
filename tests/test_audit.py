"""The audit chain detects rows edited, deleted or inserted behind the program's back."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.conftest import Bbt


def _exec(url: str, sql: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _seed(bbt: Bbt) -> None:
    for code in ("A", "B", "C"):
        bbt.ok("unit", "add", code, f"Đơn vị {code}", "--kind", "other")


def test_intact_chain_verifies(bbt: Bbt) -> None:
    _seed(bbt)
    out = bbt.ok("audit", "verify").stdout
    assert "6 entries" in out  # genesis, unit BBT, admin, three units
    actions = [e["action"] for e in bbt.json("audit", "list")]
    assert actions[:3] == ["unit.add"] * 3


def test_edited_entry_detected(bbt: Bbt) -> None:
    _seed(bbt)
    _exec(bbt.url, "UPDATE audit_entry SET actor = 'someone' WHERE id = 3")
    r = bbt("audit", "verify")
    assert r.exit_code == 1 and "entry 3" in r.stderr and "edited" in r.stderr


def test_deleted_entry_detected(bbt: Bbt) -> None:
    _seed(bbt)
    _exec(bbt.url, "DELETE FROM audit_entry WHERE id = 2")
    r = bbt("audit", "verify")
    assert r.exit_code == 1 and "entry 3" in r.stderr


def test_deleted_tail_detected(bbt: Bbt) -> None:
    _seed(bbt)
    _exec(bbt.url, "DELETE FROM audit_entry WHERE id = 5")
    assert bbt("audit", "verify").exit_code == 1


def test_inserted_entry_detected(bbt: Bbt) -> None:
    _seed(bbt)
    _exec(bbt.url, "UPDATE audit_entry SET id = id + 100 WHERE id >= 4")
    _exec(bbt.url, "UPDATE audit_entry SET id = id - 99 WHERE id >= 100")
    _exec(bbt.url, "INSERT INTO audit_entry (id, at, actor, action, entity, entity_key, detail,"
          " prev_hash, hash) SELECT 4, at, actor, action, entity, entity_key, detail, hash,"
          " hash FROM audit_entry WHERE id = 3")
    assert bbt("audit", "verify").exit_code == 1
