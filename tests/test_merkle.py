"""RFC 9162 section 2.1 Merkle trees: the streaming root equals the RFC's recursive MTH, and
every audit path and consistency proof up to 20 leaves verifies, while tampered ones fail."""

from __future__ import annotations

import hashlib

import pytest

from domain import merkle

LEAVES = [f"leaf {i}".encode() for i in range(21)]


def reference_mth(leaves: list[bytes]) -> bytes:
    """MTH written down as the RFC defines it, independently of the accumulator."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + reference_mth(leaves[:k]) + reference_mth(leaves[k:])).digest()


def root(n: int) -> bytes:
    return merkle.subtree_hash(merkle.in_memory(LEAVES), 0, n)


def test_empty_tree_and_single_leaf() -> None:
    assert root(0) == hashlib.sha256(b"").digest()
    assert root(1) == hashlib.sha256(b"\x00leaf 0").digest()


@pytest.mark.parametrize("n", range(0, 21))
def test_streaming_root_is_the_rfc_mth(n: int) -> None:
    assert root(n) == reference_mth(LEAVES[:n])


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 7])
def test_the_root_does_not_depend_on_how_leaves_are_handed_in(chunk: int,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """Accumulator.extend hashes CHUNK leaves at a time, merging them with the subtrees
    already held: every size, split anywhere into two calls, gives the RFC's root."""
    monkeypatch.setattr(merkle, "CHUNK", chunk)
    for n in range(0, 21):
        for cut in range(0, n + 1):
            acc = merkle.Accumulator()
            acc.extend(LEAVES[:cut])
            acc.extend(iter(LEAVES[cut:n]))
            assert (acc.size, acc.root()) == (n, reference_mth(LEAVES[:n])), (n, cut)

def test_root_depends_on_every_leaf_and_on_order() -> None:
    base = root(13)
    for i in range(13):
        changed = [*LEAVES[:13]]
        changed[i] = b"forged"
        assert merkle.subtree_hash(merkle.in_memory(changed), 0, 13) != base
    swapped = [LEAVES[1], LEAVES[0], *LEAVES[2:13]]
    assert merkle.subtree_hash(merkle.in_memory(swapped), 0, 13) != base


def test_known_consistency_shapes() -> None:
    """The RFC's worked example (section 2.1.5): from 3 to 7 leaves the proof is c, d, g, l
    (4 hashes); from 4 to 7 it is l; from 6 to 7 it is i, j, k."""
    source = merkle.in_memory(LEAVES)
    assert merkle.consistency_proof(3, 7, source) == [
        merkle.leaf_hash(LEAVES[2]), merkle.leaf_hash(LEAVES[3]),
        merkle.subtree_hash(source, 0, 2), merkle.subtree_hash(source, 4, 7)]
    assert merkle.consistency_proof(4, 7, source) == [merkle.subtree_hash(source, 4, 7)]
    assert merkle.consistency_proof(6, 7, source) == [
        merkle.subtree_hash(source, 4, 6), merkle.leaf_hash(LEAVES[6]),
        merkle.subtree_hash(source, 0, 4)]


@pytest.mark.parametrize("n", range(1, 21))
def test_every_consistency_proof_verifies_and_tampering_fails(n: int) -> None:
    source = merkle.in_memory(LEAVES)
    for m in range(0, n + 1):
        proof = merkle.consistency_proof(m, n, source)
        assert len(proof) <= 2 * max(n, 2).bit_length()  # logarithmic
        assert merkle.verify_consistency(m, n, root(m), root(n), proof), (m, n)
        if 0 < m < n:
            assert not merkle.verify_consistency(m, n, root(m), root(n), proof[:-1])
            assert not merkle.verify_consistency(m, n, b"\x00" * 32, root(n), proof)
            assert not merkle.verify_consistency(m, n, root(m), b"\x00" * 32, proof)
            for i in range(len(proof)):
                bad = [*proof]
                bad[i] = hashlib.sha256(bad[i]).digest()
                assert not merkle.verify_consistency(m, n, root(m), root(n), bad), (m, n, i)


@pytest.mark.parametrize("n", range(1, 21))
def test_a_rewritten_past_is_inconsistent(n: int) -> None:
    """The tree of an edited history cannot be proved consistent with the anchored one."""
    forged = [*LEAVES]
    forged[0] = b"forged"
    forged_source = merkle.in_memory(forged)
    for m in range(1, n):
        proof = merkle.consistency_proof(m, n, forged_source)
        new_root = merkle.subtree_hash(forged_source, 0, n)
        assert not merkle.verify_consistency(m, n, root(m), new_root, proof)


@pytest.mark.parametrize("n", range(1, 21))
def test_every_audit_path_verifies_and_tampering_fails(n: int) -> None:
    source = merkle.in_memory(LEAVES)
    for index in range(n):
        path = merkle.inclusion_path(index, n, source)
        leaf = merkle.leaf_hash(LEAVES[index])
        assert len(path) <= max(n, 2).bit_length()
        assert merkle.verify_inclusion(index, n, leaf, path, root(n))
        assert not merkle.verify_inclusion(index, n, merkle.leaf_hash(b"x"), path, root(n))
        if path:
            assert not merkle.verify_inclusion(index, n, leaf, path[:-1], root(n))
        if n > 1:
            other = (index + 1) % n
            assert not merkle.verify_inclusion(other, n, leaf, path, root(n))
