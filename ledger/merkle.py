"""The project's one Merkle tree: RFC 9162 / RFC 6962 with SHA-256.

Leaf hash ``SHA256(0x00 || entry)``, node hash ``SHA256(0x01 || left || right)``, a tree of
``n > 1`` leaves splits at the largest power of two strictly less than ``n``, and the empty
tree's root is ``SHA256("")``. Everything here is pure computation: no I/O.

Proof building comes in two layers so storage can fetch only what it needs:
``inclusion_ranges`` / ``consistency_ranges`` name the subtrees (half-open leaf ranges) whose
roots form a proof, and ``inclusion_proof`` / ``consistency_proof`` fill them in with
``subtree_root``. See docs/merkle.md for the format an outside verifier needs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.errors import ProofError, RootMismatchError

__all__ = [
    "HASH_SIZE",
    "LEAF_PREFIX",
    "NODE_PREFIX",
    "InclusionProof",
    "consistency_proof",
    "consistency_ranges",
    "empty_root",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "root",
    "root_from_inclusion_proof",
    "subtree_root",
    "verify_consistency",
    "verify_inclusion",
]

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32

_sha256 = hashlib.sha256
_EMPTY_ROOT = _sha256(b"").digest()
_HEX_DIGITS = frozenset("0123456789abcdef")


# --- hashing -------------------------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    """Hash of one log entry: SHA256(0x00 || entry)."""
    return _sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an interior node: SHA256(0x01 || left || right)."""
    return _sha256(NODE_PREFIX + left + right).digest()


def empty_root() -> bytes:
    """Root of the tree with no leaves: SHA256 of the empty string."""
    return _EMPTY_ROOT


def subtree_root(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """Merkle Tree Hash of the leaves in the half-open range [start, end), which must be non-empty.

    Hashes level by level, carrying an unpaired last node up unchanged; this yields exactly the
    RFC shape (split at the largest power of two below n) without recursion.
    """
    if not 0 <= start < end <= len(leaf_hashes):
        raise ProofError(f"leaf range [{start}, {end}) is empty or outside 0..{len(leaf_hashes)}")
    level = list(leaf_hashes[start:end])
    lengths = set(map(len, level))
    if lengths != {HASH_SIZE}:
        bad = sorted(lengths - {HASH_SIZE})
        raise ProofError(f"leaf hashes must be {HASH_SIZE} bytes; got lengths {bad}")
    sha, prefix = _sha256, NODE_PREFIX
    while len(level) > 1:
        pairs = zip(level[0::2], level[1::2], strict=False)  # odd last node handled below
        paired = [sha(prefix + a + b).digest() for a, b in pairs]
        if len(level) & 1:
            paired.append(level[-1])
        level = paired
    return level[0]


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Merkle Tree Hash of a whole tree given its leaf hashes (empty tree -> empty_root())."""
    if not leaf_hashes:
        return _EMPTY_ROOT
    return subtree_root(leaf_hashes, 0, len(leaf_hashes))


def tree_levels(leaf_hashes: Sequence[bytes]) -> list[list[bytes]]:
    """All levels of the tree, leaves first, root last.

    Pairing neighbours left to right and carrying an unpaired last node up unchanged builds
    exactly the RFC 6962 tree (its left subtrees are always perfect), so one pass serves
    every inclusion proof of a batch.
    """
    if not leaf_hashes:
        raise ProofError("a tree needs at least one leaf")
    levels = [list(leaf_hashes)]
    sha256 = hashlib.sha256
    while len(levels[-1]) > 1:
        below = levels[-1]
        above = [sha256(NODE_PREFIX + below[i] + below[i + 1]).digest() for i in range(0, len(below) - 1, 2)]
        if len(below) % 2:
            above.append(below[-1])
        levels.append(above)
    return levels


def inclusion_proofs(leaf_hashes: Sequence[bytes]) -> list[list[bytes]]:
    """The inclusion proof of every leaf, in O(n log n) instead of O(n) per proof."""
    levels = tree_levels(leaf_hashes)
    proofs = []
    for index in range(len(leaf_hashes)):
        path, i = [], index
        for level in levels[:-1]:
            sibling = i ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            i >>= 1
        proofs.append(path)
    return proofs


# --- which subtrees a proof needs ----------------------------------------------------------


def _split(n: int) -> int:
    """Largest power of two strictly less than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProofError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 0:
        raise ProofError(f"{name} must be non-negative, got {value}")
    return value


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose subtree roots form the inclusion proof of `index` in a tree of `size`.

    Ordered as RFC 9162 §2.1.3.1 PATH: from the sibling next to the leaf up to the root's child.
    """
    _check_int("index", index)
    _check_int("size", size)
    if index >= size:
        raise ProofError(f"leaf index {index} is out of range for tree size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        mid = start + _split(end - start)
        if index < mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start = mid
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose subtree roots form the consistency proof from `old_size` to `new_size`.

    Ordered as RFC 9162 §2.1.4.1 PROOF/SUBPROOF. Equal sizes need no proof (empty list). A proof
    from the empty tree is undefined (RFC requires 0 < old_size) and raises ProofError.
    """
    _check_int("old_size", old_size)
    _check_int("new_size", new_size)
    if old_size > new_size:
        raise ProofError(f"old size {old_size} is larger than new size {new_size}")
    if old_size == new_size:
        return []
    if old_size == 0:
        raise ProofError("no consistency proof exists from the empty tree (old size 0)")
    ranges: list[tuple[int, int]] = []
    start, end, complete = 0, new_size, True
    m = old_size  # invariant: the first m leaves of [start, end) are the old tree's
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            m -= k
            complete = False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


# --- building proofs from leaf hashes ------------------------------------------------------


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Inclusion proof (audit path) of leaf `index` in the tree of all `leaf_hashes`."""
    ranges = inclusion_ranges(index, len(leaf_hashes))
    return [subtree_root(leaf_hashes, s, e) for s, e in ranges]


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Consistency proof from the first `old_size` leaves to all of `leaf_hashes`."""
    ranges = consistency_ranges(old_size, len(leaf_hashes))
    return [subtree_root(leaf_hashes, s, e) for s, e in ranges]


# --- verification --------------------------------------------------------------------------


def _check_hash(name: str, value: object) -> bytes:
    if not isinstance(value, bytes):
        raise ProofError(f"{name} must be bytes, got {type(value).__name__}")
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} must be {HASH_SIZE} bytes, got {len(value)}")
    return value


def inclusion_proof_length(index: int, size: int) -> int:
    """Hashes in the inclusion proof of `index` in a tree of `size` leaves, in O(1): the
    levels below the split from the right edge, plus the left siblings above it."""
    _check_int("index", index)
    _check_int("size", size)
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is out of range for tree size {size}")
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _check_proof(proof: Sequence[bytes], expected_len: int, what: str) -> None:
    if len(proof) != expected_len:
        raise ProofError(f"{what} has {len(proof)} hashes, expected {expected_len} for these tree sizes")
    for i, p in enumerate(proof):
        _check_hash(f"{what}[{i}]", p)


def root_from_inclusion_proof(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes]) -> bytes:
    """Root implied by an inclusion proof (RFC 9162 §2.1.3.2); raises ProofError if malformed."""
    _check_hash("leaf hash", leaf_hash)
    _check_proof(proof, inclusion_proof_length(index, size), "inclusion proof")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:  # left child: climb to where it is a right child
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    return r


def verify_inclusion(index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Check that `leaf_hash` is leaf `index` of the tree of `size` with `root`; raise if not."""
    _check_hash("root", root)
    calculated = root_from_inclusion_proof(index, size, leaf_hash, proof)
    if calculated != root:
        raise RootMismatchError(root, calculated)


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree (size2, root2) extends the tree (size1, root1) (RFC 9162 §2.1.4.2).

    Equal sizes need an empty proof and equal roots (the empty tree's root for size 0). A check
    from size1 == 0 to a bigger tree proves nothing and is rejected as malformed.
    """
    _check_int("size1", size1)
    _check_int("size2", size2)
    _check_hash("root1", root1)
    _check_hash("root2", root2)
    if size1 > size2:
        raise ProofError(f"size1 {size1} is larger than size2 {size2}")
    if size1 == size2:
        if proof:
            raise ProofError(f"sizes are equal but the proof has {len(proof)} hashes, expected 0")
        if size1 == 0 and root1 != _EMPTY_ROOT:
            raise RootMismatchError(_EMPTY_ROOT, root1)
        if root1 != root2:
            raise RootMismatchError(root1, root2)
        return
    if size1 == 0:
        raise ProofError("consistency from the empty tree (size1 0) proves nothing; rejected")
    _check_proof(proof, len(consistency_ranges(size1, size2)), "consistency proof")

    path = list(proof)
    if size1 & (size1 - 1) == 0:  # exact power of two: the old root is itself a proof node
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:  # left child: climb to where it is a right child
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the path to the root")
    if fr != root1:
        raise RootMismatchError(root1, fr)
    if sr != root2:
        raise RootMismatchError(root2, sr)


# --- serialisable inclusion proof ----------------------------------------------------------


def _from_hex(name: str, value: object) -> bytes:
    if not isinstance(value, str):
        raise ProofError(f"{name} must be a hex string, got {type(value).__name__}")
    if len(value) != 2 * HASH_SIZE or not _HEX_DIGITS.issuperset(value):
        raise ProofError(f"{name} must be {2 * HASH_SIZE} lowercase hex digits, got {value!r:.80}")
    return bytes.fromhex(value)


@dataclass(frozen=True)
class InclusionProof:
    """A self-contained inclusion proof; always well formed once constructed."""

    index: int
    size: int
    leaf_hash: bytes
    path: tuple[bytes, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", tuple(self.path))
        _check_hash("leaf_hash", self.leaf_hash)
        _check_proof(self.path, inclusion_proof_length(self.index, self.size), "path")

    def root(self) -> bytes:
        """The root this proof leads to."""
        return root_from_inclusion_proof(self.index, self.size, self.leaf_hash, self.path)

    def verify(self, root: bytes) -> None:
        """Raise ProofError / RootMismatchError unless the proof leads to `root`."""
        verify_inclusion(self.index, self.size, self.leaf_hash, self.path, root)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict: integers, and lowercase hex for hashes."""
        return {
            "index": self.index,
            "size": self.size,
            "leaf_hash": self.leaf_hash.hex(),
            "path": [p.hex() for p in self.path],
        }

    @classmethod
    def from_json(cls, d: object) -> InclusionProof:
        """Parse `to_json` output; anything malformed raises ProofError."""
        if not isinstance(d, Mapping):
            raise ProofError(f"inclusion proof must be a JSON object, got {type(d).__name__}")
        keys = set(d)
        expected = {"index", "size", "leaf_hash", "path"}
        if keys != expected:
            missing, extra = sorted(expected - keys), sorted(map(str, keys - expected))
            raise ProofError(f"inclusion proof keys: missing {missing}, unexpected {extra}")
        path = d["path"]
        if not isinstance(path, list):
            raise ProofError(f"path must be a list, got {type(path).__name__}")
        return cls(
            index=_check_int("index", d["index"]),
            size=_check_int("size", d["size"]),
            leaf_hash=_from_hex("leaf_hash", d["leaf_hash"]),
            path=tuple(_from_hex(f"path[{i}]", p) for i, p in enumerate(path)),
        )
