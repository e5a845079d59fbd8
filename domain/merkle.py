"""Merkle tree hashes and proofs exactly as Certificate Transparency defines them
(RFC 9162 section 2.1), over the audit chain's entries.

MTH({})     = SHA-256()
MTH({d0})   = SHA-256(0x00 || d0)
MTH(D[n])   = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of 2 < n

A consistency proof between the tree of an old anchor (m leaves) and today's tree (n leaves)
has at most about 2 log2(n) hashes, yet proves that today's first m leaves are exactly the
anchored ones. Leaves are read through a `LeafSource` (start, end) -> leaves in that range, so
that a million audit entries are streamed from the database, never held in memory: every
function here keeps O(log n) hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from hashlib import sha256
from itertools import islice

LeafSource = Callable[[int, int], Iterable[bytes]]

_LEAF, _NODE = b"\x00", b"\x01"
# Leaves hashed together by Accumulator.extend: 4096 x 32 bytes.
CHUNK = 4096


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE + left + right).digest()


def split_point(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Accumulator:
    """MTH of a stream of leaves in O(log n) memory: the perfect subtrees of the binary
    decomposition of the size so far, largest first; folded from the right they give the
    RFC's root, because MTH always splits off the largest perfect left subtree."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append leaves, CHUNK at a time: a chunk is hashed a level at a time, each level
        in one comprehension rather than a Python loop per leaf, and memory stays bounded
        by CHUNK however many leaves come."""
        feed = iter(leaves)
        while chunk := list(islice(feed, CHUNK)):
            self.size += len(chunk)
            self._fold([sha256(_LEAF + data).digest() for data in chunk])

    def _fold(self, nodes: list[bytes]) -> None:
        """Merge adjacent subtree hashes of one size (1, then 2, 4...) with the stack: the
        stack's subtree of that size, if any, stands just left of them; an odd one out on
        the right is a perfect subtree of the new decomposition."""
        size, odd = 1, []
        while nodes:
            if self._stack and self._stack[-1][0] == size:
                nodes = [self._stack.pop()[1], *nodes]
            if len(nodes) % 2:
                odd.append((size, nodes.pop()))
            nodes = [sha256(_NODE + left + right).digest()
                     for left, right in zip(nodes[::2], nodes[1::2], strict=True)]
            size *= 2
        self._stack.extend(reversed(odd))

    def root(self) -> bytes:
        if not self._stack:
            return hashlib.sha256(b"").digest()
        digest = self._stack[-1][1]
        for _size, left in reversed(self._stack[:-1]):
            digest = node_hash(left, digest)
        return digest


def subtree_hash(source: LeafSource, start: int, end: int) -> bytes:
    """MTH(D[start:end])."""
    acc = Accumulator()
    acc.extend(source(start, end))
    return acc.root()


def in_memory(leaves: Sequence[bytes]) -> LeafSource:
    return lambda start, end: leaves[start:end]


def inclusion_path(index: int, size: int, source: LeafSource, offset: int = 0) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1: the audit path of leaf `index`."""
    if size <= 1:
        return []
    k = split_point(size)
    if index < k:
        return [*inclusion_path(index, k, source, offset),
                subtree_hash(source, offset + k, offset + size)]
    return [*inclusion_path(index - k, size - k, source, offset + k),
            subtree_hash(source, offset, offset + k)]


def consistency_proof(old_size: int, size: int, source: LeafSource) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 section 2.1.4.1 (empty when m is 0 or m == n)."""
    if not 0 < old_size < size:
        return []
    return _subproof(old_size, size, source, 0, True)


def _subproof(m: int, n: int, source: LeafSource, offset: int, complete: bool) -> list[bytes]:
    if m == n:
        return [] if complete else [subtree_hash(source, offset, offset + n)]
    k = split_point(n)
    if m <= k:
        return [*_subproof(m, k, source, offset, complete),
                subtree_hash(source, offset + k, offset + n)]
    return [*_subproof(m - k, n - k, source, offset + k, False),
            subtree_hash(source, offset, offset + k)]


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes],
                     root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2, for the leaf hash `leaf`."""
    if index >= size:
        return False
    fn, sn, digest = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            digest = node_hash(digest, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and digest == root


def verify_consistency(old_size: int, size: int, old_root: bytes, root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2. An empty old tree is consistent with every tree; equal
    sizes need equal roots and an empty proof."""
    if old_size > size:
        return False
    if old_size == size:
        return not proof and old_root == root
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first = second = path[0]
    for sibling in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first, second = node_hash(sibling, first), node_hash(sibling, second)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            second = node_hash(second, sibling)
        fn, sn = fn >> 1, sn >> 1
    return first == old_root and second == root and sn == 0
