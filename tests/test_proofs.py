"""Proofs that hold against someone who can write the database (SPEC section 7.2), each
attack performed on SQLite and PostgreSQL: audit anchors and Merkle consistency proofs, the
genesis entry, seals checked against recomputed fingerprints, the audit chain and an exported
trust list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import Bbt


def sql(url: str, statement: str, **params: Any) -> list[Any]:
    from domain.db import get_engine

    with get_engine(url).begin() as conn:
        result = conn.execute(text(statement), params)
        return list(result) if result.returns_rows else []


def seed(bbt: Bbt, *codes: str) -> None:
    for code in codes:
        bbt.ok("unit", "add", code, f"Đơn vị {code}", "--kind", "other")


def anchor(bbt: Bbt, path: Path) -> dict[str, Any]:
    bbt.ok("audit", "anchor", "-o", str(path))
    return json.loads(path.read_text())


def rewrite_chain_from(url: str, first_id: int) -> None:
    """What an attacker with write access does: recompute every hash from `first_id` on and
    the head, so that the chain agrees with itself again."""
    from sqlmodel import Session, col, select

    from domain import audit
    from domain.db import get_engine
    from models import AuditEntry, AuditHead

    with Session(get_engine(url)) as session:
        prev = audit.GENESIS
        for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
            if entry.id >= first_id:
                entry.prev_hash, entry.hash = prev, audit.entry_hash(prev, entry)
                session.add(entry)
            prev = entry.hash
        head = session.get(AuditHead, 1)
        assert head is not None
        head.hash = prev
        session.add(head)
        session.commit()


# ---------------------------------------------------------------- genesis and anchors


def test_init_writes_the_genesis_entry(bbt: Bbt) -> None:
    entries = bbt.json("audit", "list", "--limit", "1000")
    assert entries[-1]["action"] == "audit.genesis" and entries[-1]["id"] == 1
    assert [e["action"] for e in entries[-3:-1]] == ["account.add", "unit.add"]
    bbt.ok("audit", "verify")


def test_emptied_chain_fails(bbt: Bbt) -> None:
    seed(bbt, "A")
    sql(bbt.url, "DELETE FROM audit_entry")
    sql(bbt.url, "DELETE FROM audit_head")
    result = bbt("audit", "verify")
    assert result.exit_code == 1 and "empty" in result.stderr


def test_chain_that_starts_elsewhere_fails(bbt: Bbt) -> None:
    """Drop the genesis and the first entries, renumber the rest and rehash: the chain agrees
    with itself but no longer starts at the genesis."""
    seed(bbt, "A", "B")
    sql(bbt.url, "DELETE FROM audit_entry WHERE id <= 3")
    sql(bbt.url, "UPDATE audit_entry SET id = id - 3")
    sql(bbt.url, "UPDATE audit_head SET last_id = last_id - 3")
    rewrite_chain_from(bbt.url, 1)
    result = bbt("audit", "verify")
    assert result.exit_code == 1 and "genesis" in result.stderr


def test_anchor_file_is_private_json_and_never_overwritten(bbt: Bbt, tmp_path: Path) -> None:
    seed(bbt, "A")
    path = tmp_path / "anchor.json"
    kept = anchor(bbt, path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert kept["entries"] == 4 and len(kept["last_hash"]) == 64 and len(kept["merkle_root"]) == 64
    assert kept["last_hash"] == bbt.json("audit", "list", "--limit", "1")[0]["hash"]
    assert kept["time"]
    assert bbt("audit", "anchor", "-o", str(path)).exit_code == 1
    printed = json.loads(bbt.ok("audit", "anchor").stdout)
    assert printed["merkle_root"] == kept["merkle_root"]


def test_anchor_holds_while_the_chain_grows(bbt: Bbt, tmp_path: Path) -> None:
    seed(bbt, "A")
    path = tmp_path / "anchor.json"
    anchor(bbt, path)
    seed(bbt, "B", "C")
    out = bbt.ok("audit", "verify", "--anchor", str(path)).stdout
    assert "6 entries" in out and "entry 4" in out
    proved = bbt.ok("audit", "prove", "--from", str(path))
    assert "Consistent" in proved.stdout


def test_deleting_everything_fails_against_the_anchor(bbt: Bbt, tmp_path: Path) -> None:
    seed(bbt, "A")
    path = tmp_path / "anchor.json"
    anchor(bbt, path)
    sql(bbt.url, "DELETE FROM audit_entry")
    sql(bbt.url, "DELETE FROM audit_head")
    assert bbt("audit", "verify", "--anchor", str(path)).exit_code == 1
    assert bbt("audit", "prove", "--from", str(path)).exit_code == 1


def test_cut_tail_with_head_fixed_up_fails_against_the_anchor(bbt: Bbt, tmp_path: Path) -> None:
    seed(bbt, "A", "B", "C")
    path = tmp_path / "anchor.json"
    anchor(bbt, path)
    sql(bbt.url, "DELETE FROM audit_entry WHERE id > 4")
    sql(bbt.url, "UPDATE audit_head SET last_id = 4, "
                 "hash = (SELECT hash FROM audit_entry WHERE id = 4)")
    bbt.ok("audit", "verify")  # without the anchor the cut cannot be seen
    result = bbt("audit", "verify", "--anchor", str(path))
    assert result.exit_code == 1 and "shorter than the anchor" in result.stderr
    assert bbt("audit", "prove", "--from", str(path)).exit_code == 1


def test_cut_tail_then_new_entries_fail_against_the_anchor(bbt: Bbt, tmp_path: Path) -> None:
    """Cut the anchored tail and let the chain grow past its length again: the entry at the
    anchored position now has another hash."""
    seed(bbt, "A", "B", "C")
    path = tmp_path / "anchor.json"
    anchor(bbt, path)
    sql(bbt.url, "DELETE FROM audit_entry WHERE id > 4")
    sql(bbt.url, "UPDATE audit_head SET last_id = 4, "
                 "hash = (SELECT hash FROM audit_entry WHERE id = 4)")
    seed(bbt, "D", "E", "F")
    bbt.ok("audit", "verify")
    result = bbt("audit", "verify", "--anchor", str(path))
    assert result.exit_code == 1 and "differs from the anchor" in result.stderr
    proved = bbt("audit", "prove", "--from", str(path), "--json")
    assert proved.exit_code == 1 and json.loads(proved.stdout)["consistent"] is False


def test_edited_entry_rehashed_fails_against_the_anchor(bbt: Bbt, tmp_path: Path) -> None:
    seed(bbt, "A", "B")
    path = tmp_path / "anchor.json"
    anchor(bbt, path)
    seed(bbt, "C")
    sql(bbt.url, "UPDATE audit_entry SET actor = 'someone' WHERE id = 3")
    assert bbt("audit", "verify").exit_code == 1  # a plain edit breaks the chain itself
    rewrite_chain_from(bbt.url, 3)
    bbt.ok("audit", "verify")  # a rewrite agrees with itself...
    assert bbt("audit", "verify", "--anchor", str(path)).exit_code == 1  # ...not the anchor
    proved = bbt("audit", "prove", "--from", str(path), "--json")
    assert proved.exit_code == 1
    assert "not an extension" in proved.stderr


def test_consistency_proof_is_logarithmic_and_checks_out(bbt: Bbt, tmp_path: Path) -> None:
    from domain import merkle

    seed(bbt, "A", "B")
    path = tmp_path / "anchor.json"
    old = anchor(bbt, path)
    seed(bbt, *[f"U{i}" for i in range(20)])
    proof = bbt.json("audit", "prove", "--from", str(path))
    assert proof["old_size"] == old["entries"] == 5 and proof["size"] == 25
    assert proof["consistent"] and 0 < len(proof["proof"]) <= 2 * (25).bit_length()
    current = json.loads(bbt.ok("audit", "anchor").stdout)
    assert proof["root"] == current["merkle_root"]
    # anyone can check the proof with the two roots alone
    assert merkle.verify_consistency(5, 25, bytes.fromhex(old["merkle_root"]),
                                     bytes.fromhex(current["merkle_root"]),
                                     [bytes.fromhex(h) for h in proof["proof"]])


def test_not_an_anchor_is_one_sentence(bbt: Bbt, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"entries": "many"}')
    for args in (("audit", "verify", "--anchor", str(bad)), ("audit", "prove", "--from", str(bad)),
                 ("audit", "verify", "--anchor", str(tmp_path / "missing.json"))):
        result = bbt(*args)
        assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.stderr


# ---------------------------------------------------------------- seals and the trust list

PASSPHRASE = "cum-tu-bi-mat-cua-ban-bien-tap"
KEY_ENV = {"BBT_KEY_PASSPHRASE": PASSPHRASE}


def sealed_document(bbt: Bbt, title: str = "Kế hoạch số hóa") -> str:
    from domain import documents, keys, units
    from domain.auth import Actor
    from domain.db import get_engine, transaction

    admin = Actor("admin", "admin")
    with transaction(get_engine(bbt.url)) as session:
        if not keys.active_keys(session, units.get(session, "BBT")):
            keys.create(session, admin, "BBT", PASSPHRASE)
        doc = documents.issue(session, admin, "KH", "BBT", title, "2022-06-10", signer="Linh")
        keys.sign(session, admin, doc.number, PASSPHRASE)
        return doc.number


def forge(url: str, number: str, *, keep_fingerprint: bool = True, new_row: bool = False,
          audited: bool = False) -> None:
    """Edit a sealed document and seal it again with the attacker's own key, put into the
    database behind BBT's back: over the unit's key row, or as a new key row."""
    import hashlib

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from domain import audit, documents, keys
    from domain.auth import SYSTEM
    from domain.db import get_engine, transaction
    from models import SigningKey

    private = Ed25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    public = private.public_key().public_bytes(raw, serialization.PublicFormat.Raw)
    fingerprint = hashlib.sha256(public).hexdigest()
    with transaction(get_engine(url)) as session:
        doc = documents.get(session, number)
        doc.title = "Kế hoạch đã bị sửa"
        if new_row:
            key = SigningKey(unit_id=doc.issuer_id, public_key=public, wrapped_private_key=b"-",
                             kdf_salt=b"-", nonce=b"-", fingerprint=fingerprint)
            session.add(key)
            session.flush()
            doc.signing_key_id = key.id
        else:
            key = session.get(SigningKey, doc.signing_key_id)
            key.public_key = public
            if not keep_fingerprint:
                key.fingerprint = fingerprint
        if audited:  # the hashes need no secret: the forger appends a matching entry
            audit.record(session, SYSTEM, "key.create", "signing_key", fingerprint,
                         unit="BBT", public_key=public.hex())
        doc.signature = private.sign(keys.digest(
            doc, "BBT", documents.attachment_bytes(session, doc), doc.signed_at))
        session.add_all([doc, key])


def export_trust(bbt: Bbt, path: Path) -> dict[str, Any]:
    bbt.ok("key", "export-trust", "-o", str(path))
    return json.loads(path.read_text())


def test_trust_list_lists_every_key_with_validity(bbt: Bbt, tmp_path: Path) -> None:
    import hashlib

    number = sealed_document(bbt)
    bbt.ok("key", "create", "--unit", "BBT", env=KEY_ENV)  # rotation: the first key retires
    path = tmp_path / "trust.json"
    trust = export_trust(bbt, path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert bbt("key", "export-trust", "-o", str(path)).exit_code == 1  # never overwritten
    assert [k["unit"] for k in trust["keys"]] == ["BBT", "BBT"]
    first, second = trust["keys"]
    for key in trust["keys"]:
        assert key["fingerprint"] == hashlib.sha256(bytes.fromhex(key["public_key"])).hexdigest()
    assert first["valid_until"] is not None and second["valid_until"] is None
    out = bbt.ok("doc", "verify", number, "--trust", str(path)).stdout
    assert "valid seal" in out and "trust list" in out


@pytest.mark.parametrize(("forgery", "complaint"), [
    ({"keep_fingerprint": True}, "fingerprint does not match"),  # the public key replaced
    ({"keep_fingerprint": False}, "not in the audit trail"),  # ... with its own fingerprint
    ({"new_row": True}, "not in the audit trail"),  # a key row inserted
])
def test_a_forged_key_fails(bbt: Bbt, tmp_path: Path, forgery: dict[str, bool],
                            complaint: str) -> None:
    number = sealed_document(bbt)
    trust = tmp_path / "trust.json"
    export_trust(bbt, trust)
    forge(bbt.url, number, **forgery)
    plain = bbt("doc", "verify", number)
    assert plain.exit_code == 1 and complaint in plain.stderr
    assert bbt("doc", "verify", number, "--trust", str(trust)).exit_code == 1
    # a trust list is never written over a planted or replaced key
    assert bbt("key", "export-trust", "-o", str(tmp_path / "again.json")).exit_code == 1


def test_forger_who_also_writes_the_audit_chain_fails_only_against_the_trust_list(
        bbt: Bbt, tmp_path: Path) -> None:
    """Without a secret nothing inside the database can tell a forged key entry from a real
    one; the trust list kept outside can (SECURITY.md says so)."""
    number = sealed_document(bbt)
    trust = tmp_path / "trust.json"
    export_trust(bbt, trust)
    forge(bbt.url, number, new_row=True, audited=True)
    assert bbt("doc", "verify", number).exit_code == 0  # the documented limit
    with_trust = bbt("doc", "verify", number, "--trust", str(trust))
    assert with_trust.exit_code == 1 and "not on the trust list" in with_trust.stderr


def test_clearing_a_revocation_does_not_revive_the_key(bbt: Bbt, tmp_path: Path) -> None:
    """Revoke the unit's key, clear `revoked_at` behind BBT's back and seal with the old key:
    the audited revocation still counts."""
    first = sealed_document(bbt)
    bbt.ok("key", "revoke", "--unit", "BBT")
    trust = tmp_path / "trust.json"
    export_trust(bbt, trust)
    sql(bbt.url, "UPDATE signing_key SET revoked_at = NULL")
    later = sealed_document(bbt, "Văn bản niêm phong sau khi thu hồi khóa")
    result = bbt("doc", "verify", later)
    assert result.exit_code == 1 and "revoked before" in result.stderr
    assert bbt("doc", "verify", later, "--trust", str(trust)).exit_code == 1
    assert "revoked later" in bbt.ok("doc", "verify", first, "--trust", str(trust)).stdout


def test_key_created_after_the_export_is_not_trusted(bbt: Bbt, tmp_path: Path) -> None:
    trust = tmp_path / "trust.json"
    export_trust(bbt, trust)
    number = sealed_document(bbt)
    bbt.ok("doc", "verify", number)
    assert bbt("doc", "verify", number, "--trust", str(trust)).exit_code == 1


def test_a_damaged_trust_list_is_refused(bbt: Bbt, tmp_path: Path) -> None:
    number = sealed_document(bbt)
    trust = tmp_path / "trust.json"
    data = export_trust(bbt, trust)
    data["keys"][0]["public_key"] = "00" * 32  # its fingerprint no longer matches
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = bbt("doc", "verify", number, "--trust", str(bad))
    assert result.exit_code == 1 and "not a trust list" in result.stderr


def test_verify_and_prove_walk_the_chain_in_pages(bbt: Bbt, tmp_path: Path,
                                                  monkeypatch: Any) -> None:
    """Bounded memory: the chain is read a keyset page at a time; with pages of two entries
    every page boundary is crossed, and the results are those of one page."""
    from domain import audit

    seed(bbt, "A", "B", "C")
    path = tmp_path / "anchor.json"
    whole = anchor(bbt, path)
    seed(bbt, "D", "E")
    single = bbt.json("audit", "prove", "--from", str(path))
    monkeypatch.setattr(audit, "PAGE", 2)
    assert json.loads(bbt.ok("audit", "anchor").stdout)["merkle_root"] == single["root"]
    assert bbt.json("audit", "prove", "--from", str(path)) == single
    bbt.ok("audit", "verify", "--anchor", str(path))
    sql(bbt.url, "UPDATE audit_entry SET detail = '{}' WHERE id = 5")
    result = bbt("audit", "verify")
    assert result.exit_code == 1 and "entry 5" in result.stderr
    assert whole["entries"] == 6
