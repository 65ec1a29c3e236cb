"""Tests for ledger.merkle: upstream vectors, known answers, and a naive RFC 6962 reference."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import merkle
from ledger.errors import ProofError, RootMismatchError

# --------------------------------------------------------------------------------------------
# Upstream vectors (transparency-dev/merkle testdata, copied under tests/vectors/rfc6962)
# --------------------------------------------------------------------------------------------

VECTORS = Path(__file__).parent / "vectors" / "rfc6962"

# Where we are deliberately stricter than the upstream Go verifier, which never checks hash
# lengths. This vector uses 16-byte placeholder roots ("don't care 2") for equal sizes; we
# reject any root that is not a 32-byte SHA-256 value.
STRICTER_THAN_UPSTREAM = {
    "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json": "root1 must be 32 bytes",
}


def _vector_params(kind: str) -> list[Any]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    assert files, f"no {kind} vectors under {VECTORS}"
    return [pytest.param(f, id=f.relative_to(VECTORS).as_posix()) for f in files]


def _b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _check_vector(path: Path, verify: Any) -> None:
    case = json.loads(path.read_text())
    rel = path.relative_to(VECTORS).as_posix()
    if rel in STRICTER_THAN_UPSTREAM:
        assert case["wantErr"] is False
        with pytest.raises(ProofError, match=STRICTER_THAN_UPSTREAM[rel]):
            verify(case)
    elif case["wantErr"]:
        with pytest.raises(ProofError):
            verify(case)
    else:
        verify(case)


@pytest.mark.parametrize("path", _vector_params("inclusion"))
def test_inclusion_vector(path: Path) -> None:
    def verify(c: dict[str, Any]) -> None:
        proof = [_b64(p) for p in c["proof"] or []]
        merkle.verify_inclusion(c["leafIdx"], c["treeSize"], _b64(c["leafHash"]), proof, _b64(c["root"]))

    _check_vector(path, verify)


@pytest.mark.parametrize("path", _vector_params("consistency"))
def test_consistency_vector(path: Path) -> None:
    def verify(c: dict[str, Any]) -> None:
        proof = [_b64(p) for p in c["proof"] or []]
        merkle.verify_consistency(c["size1"], c["size2"], _b64(c["root1"]), _b64(c["root2"]), proof)

    _check_vector(path, verify)


def test_vector_counts() -> None:
    assert len(_vector_params("inclusion")) == 98
    assert len(_vector_params("consistency")) == 98


# --------------------------------------------------------------------------------------------
# Known answers
# --------------------------------------------------------------------------------------------

# The eight leaf inputs of the Certificate Transparency reference tests (RFC 6962 test data,
# as kept in transparency-dev/merkle testonly/constants.go).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]  # fmt: skip
# Roots of the first 1..8 of those leaves: transparency-dev/merkle testonly/constants.go
# (RootHashes), identical in the certificate-transparency C++ merkle_tree_test.cc.
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_LEAF_HASHES = [merkle.leaf_hash(d) for d in CT_LEAVES]


def test_empty_root() -> None:
    # SHA-256 of the empty string (FIPS 180-4; `printf '' | sha256sum`).
    expected = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.empty_root().hex() == expected
    assert merkle.root([]).hex() == expected


def test_leaf_hash_of_empty_entry() -> None:
    # `echo -n 00 | xxd -r -p | sha256sum`: SHA256(0x00 || "").
    expected = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert merkle.leaf_hash(b"").hex() == expected


def test_node_hash_prefix() -> None:
    left, right = b"\xaa" * 32, b"\xbb" * 32
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert (merkle.LEAF_PREFIX, merkle.NODE_PREFIX, merkle.HASH_SIZE) == (b"\x00", b"\x01", 32)


@pytest.mark.parametrize("n", range(1, 9))
def test_ct_reference_roots(n: int) -> None:
    assert merkle.root(CT_LEAF_HASHES[:n]).hex() == CT_ROOTS[n - 1]


def test_ct_reference_8_leaf_root() -> None:
    # The RFC 6962 reference 8-leaf tree.
    expected = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert merkle.root(CT_LEAF_HASHES).hex() == expected


# transparency-dev/merkle proof/verify_test.go (inclusionProofs; there the leaf is 1-based).
CT_INCLUSION = [
    (0, 8, [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]),
    (5, 8, [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ]),
    (0, 1, []),
]  # fmt: skip
# transparency-dev/merkle proof/verify_test.go (consistencyProofs).
CT_CONSISTENCY = [
    (1, 8, [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]),
    (6, 8, [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]),
    (2, 5, [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ]),
]  # fmt: skip


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_ct_inclusion_proofs(index: int, size: int, path: list[str]) -> None:
    leaves = CT_LEAF_HASHES[:size]
    assert [p.hex() for p in merkle.inclusion_proof(leaves, index)] == path
    proof = [bytes.fromhex(p) for p in path]
    merkle.verify_inclusion(index, size, leaves[index], proof, bytes.fromhex(CT_ROOTS[size - 1]))


@pytest.mark.parametrize(("size1", "size2", "path"), CT_CONSISTENCY)
def test_ct_consistency_proofs(size1: int, size2: int, path: list[str]) -> None:
    assert [p.hex() for p in merkle.consistency_proof(CT_LEAF_HASHES[:size2], size1)] == path
    merkle.verify_consistency(
        size1,
        size2,
        bytes.fromhex(CT_ROOTS[size1 - 1]),
        bytes.fromhex(CT_ROOTS[size2 - 1]),
        [bytes.fromhex(p) for p in path],
    )


def test_docs_worked_examples() -> None:
    # The values printed in docs/merkle.md §7 (computed with this module, cross-checked against
    # the naive reference below); keep the two in sync.
    lh = CT_LEAF_HASHES
    assert lh[2].hex() == "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"
    assert [p.hex() for p in merkle.inclusion_proof(lh, 2)] == [
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]
    assert [p.hex() for p in merkle.consistency_proof(lh, 3)] == [
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]
    five = [merkle.leaf_hash(f"leaf-{i}".encode()) for i in range(5)]
    assert five[4].hex() == "ea9fc1a1b6e191b460d0d6306e3e870c173f39330f13cda1b70cfc72bdc398ba"
    root5 = "00d21829a5503145348abcf712513eacf2a274211ad83e970202bb5b6d80b286"
    assert merkle.root(five).hex() == root5
    assert merkle.subtree_root(five, 2, 4).hex() == (
        "bd45ff28796704d88bdac51b1df553fda59837b616d6d1cb2114dbc3b087ff69"
    )
    doc_json = {
        "index": 4,
        "size": 5,
        "leaf_hash": "ea9fc1a1b6e191b460d0d6306e3e870c173f39330f13cda1b70cfc72bdc398ba",
        "path": ["bdd1c5ff55b19cb6b0e7c761bf9a6ccaa27fbbfc07b74f1fabb6e911a0bd2ab3"],
    }
    proof = merkle.InclusionProof.from_json(doc_json)
    assert proof == merkle.InclusionProof(4, 5, five[4], tuple(merkle.inclusion_proof(five, 4)))
    proof.verify(bytes.fromhex(root5))


def test_ranges_examples() -> None:
    assert merkle.inclusion_ranges(2, 8) == [(3, 4), (0, 2), (4, 8)]
    assert merkle.inclusion_ranges(4, 5) == [(0, 4)]
    assert merkle.inclusion_ranges(0, 1) == []
    assert merkle.consistency_ranges(3, 8) == [(2, 3), (3, 4), (0, 2), (4, 8)]
    assert merkle.consistency_ranges(4, 8) == [(4, 8)]
    assert merkle.consistency_ranges(5, 5) == []
    assert merkle.consistency_ranges(0, 0) == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: merkle.inclusion_ranges(3, 3), "out of range"),
        (lambda: merkle.inclusion_ranges(0, 0), "out of range"),
        (lambda: merkle.inclusion_ranges(-1, 3), "non-negative"),
        (lambda: merkle.inclusion_ranges(True, 3), "integer"),
        (lambda: merkle.consistency_ranges(4, 3), "larger"),
        (lambda: merkle.consistency_ranges(0, 3), "empty tree"),
        (lambda: merkle.inclusion_proof([b"x" * 32], 1), "out of range"),
        (lambda: merkle.root([b"short"]), "32 bytes"),
        (lambda: merkle.subtree_root([b"x" * 32], 0, 2), "outside"),
        (lambda: merkle.subtree_root([b"x" * 32], 1, 1), "empty"),
    ],
)
def test_building_rejects_bad_arguments(call: Any, message: str) -> None:
    with pytest.raises(ProofError, match=message):
        call()


def test_verify_error_messages() -> None:
    lh = CT_LEAF_HASHES
    r8 = merkle.root(lh)
    proof = merkle.inclusion_proof(lh, 2)
    with pytest.raises(ProofError, match="leaf index 8 is out of range for tree size 8"):
        merkle.verify_inclusion(8, 8, lh[2], proof, r8)
    with pytest.raises(ProofError, match="has 2 hashes, expected 3"):
        merkle.verify_inclusion(2, 8, lh[2], proof[:2], r8)
    with pytest.raises(ProofError, match=r"inclusion proof\[1\] must be 32 bytes, got 31"):
        merkle.verify_inclusion(2, 8, lh[2], [proof[0], proof[1][:31], proof[2]], r8)
    with pytest.raises(ProofError, match="leaf hash must be 32 bytes"):
        merkle.verify_inclusion(2, 8, b"", proof, r8)
    with pytest.raises(RootMismatchError) as info:
        merkle.verify_inclusion(2, 8, lh[3], proof, r8)
    assert info.value.expected == r8
    with pytest.raises(ProofError, match="size1 5 is larger than size2 3"):
        merkle.verify_consistency(5, 3, r8, r8, [])
    with pytest.raises(ProofError, match="sizes are equal but the proof has 1"):
        merkle.verify_consistency(8, 8, r8, r8, [r8])
    with pytest.raises(RootMismatchError):
        merkle.verify_consistency(0, 0, r8, r8, [])
    merkle.verify_consistency(0, 0, merkle.empty_root(), merkle.empty_root(), [])
    merkle.verify_consistency(8, 8, r8, r8, [])


# --------------------------------------------------------------------------------------------
# Naive reference, literally RFC 6962 §2.1 (MTH, PATH, PROOF/SUBPROOF) over raw entries
# --------------------------------------------------------------------------------------------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1), found the slow way."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return _sha(b"")
    if n == 1:
        return _sha(b"\x00" + d[0])
    k = _k(n)
    return _sha(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


# Shapes: how a verifier must combine the proof into root(s). "x" is the leaf, "R1" the old root
# supplied by the caller, integers are positions in the proof list. Two (index, size) or (size1,
# size2) pairs with equal shapes are indistinguishable to any verifier, so a proof valid for one
# is valid for the other; otherwise the swap must be rejected.


def ref_inclusion_shape(m: int, n: int) -> tuple[Any, int]:
    if n == 1:
        return "x", 0
    k = _k(n)
    if m < k:
        e, length = ref_inclusion_shape(m, k)
        return ("N", e, length), length + 1
    e, length = ref_inclusion_shape(m - k, n - k)
    return ("N", length, e), length + 1


def ref_consistency_shape(m: int, n: int, b: bool = True) -> tuple[Any, Any, int]:
    if m == n:
        return ("R1", "R1", 0) if b else (0, 0, 1)
    k = _k(n)
    if m <= k:
        old, new, length = ref_consistency_shape(m, k, b)
        return old, ("N", new, length), length + 1
    old, new, length = ref_consistency_shape(m - k, n - k, False)
    return ("N", length, old), ("N", length, new), length + 1


@cache
def entries(n: int) -> tuple[bytes, ...]:
    """n distinct entries of varied length (0..40 bytes); distinct so subtree hashes differ."""
    out = tuple(
        hashlib.sha256(str(i).encode()).digest()[: i % 37] + i.to_bytes(4, "big") if i else b""
        for i in range(n)
    )
    assert len(set(out)) == n
    return out


@cache
def tree(n: int) -> tuple[list[bytes], list[bytes], bytes]:
    """(entries, leaf hashes, reference root) for a tree of n leaves."""
    d = list(entries(n))
    return d, [merkle.leaf_hash(e) for e in d], ref_mth(d)


def test_reference_agrees_with_ct_known_answers() -> None:
    for n in range(1, 9):
        assert ref_mth(CT_LEAVES[:n]).hex() == CT_ROOTS[n - 1]
    assert entries(300)[0] == b""


def test_mutated_sizes_can_verify_when_shapes_match() -> None:
    # Surprising but inherent to RFC 6962/9162: an inclusion proof does not bind the tree size.
    # Leaf 4 of 5 and leaf 2 of 3 are both "right child of the root with one left sibling", so
    # the same (leaf, proof, root) verifies for both; likewise leaf 0 of 3 and leaf 0 of 4.
    _, lh, r5 = tree(5)
    proof = merkle.inclusion_proof(lh, 4)
    merkle.verify_inclusion(2, 3, lh[4], proof, r5)
    _, lh3, r3 = tree(3)
    merkle.verify_inclusion(0, 4, lh3[0], merkle.inclusion_proof(lh3, 0), r3)
    assert ref_inclusion_shape(4, 5) == ref_inclusion_shape(2, 3)


# --------------------------------------------------------------------------------------------
# Property tests against the reference
# --------------------------------------------------------------------------------------------

SIZES = st.integers(min_value=1, max_value=300)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _flip(value: bytes, bit: int) -> bytes:
    b = bytearray(value)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


def _raises(call: Any) -> bool:
    try:
        call()
    except ProofError:
        return True
    return False


@PROPERTY
@given(n=st.integers(min_value=0, max_value=300))
def test_root_matches_reference(n: int) -> None:
    _, lh, expected = tree(n)
    assert merkle.root(lh) == expected


@PROPERTY
@given(n=SIZES, data=st.data())
def test_inclusion_matches_reference(n: int, data: st.DataObject) -> None:
    d, lh, r = tree(n)
    m = data.draw(st.integers(0, n - 1), label="index")
    proof = merkle.inclusion_proof(lh, m)
    assert proof == ref_path(m, d)
    assert [merkle.subtree_root(lh, s, e) for s, e in merkle.inclusion_ranges(m, n)] == proof
    assert merkle.root_from_inclusion_proof(m, n, lh[m], proof) == r
    merkle.verify_inclusion(m, n, lh[m], proof, r)
    p = merkle.InclusionProof(m, n, lh[m], tuple(proof))
    p.verify(r)
    assert merkle.InclusionProof.from_json(json.loads(json.dumps(p.to_json()))) == p


@PROPERTY
@given(n=SIZES, data=st.data())
def test_consistency_matches_reference(n: int, data: st.DataObject) -> None:
    d, lh, r = tree(n)
    m = data.draw(st.integers(1, n), label="old_size")
    proof = merkle.consistency_proof(lh, m)
    assert proof == (ref_proof(m, d) if m < n else [])
    r1 = tree(m)[2] if m < n else r
    assert merkle.root(lh[:m]) == r1
    merkle.verify_consistency(m, n, r1, r, proof)


@PROPERTY
@given(n=SIZES, data=st.data())
def test_inclusion_tampering_is_rejected(n: int, data: st.DataObject) -> None:
    _, lh, r = tree(n)
    m = data.draw(st.integers(0, n - 1), label="index")
    proof = merkle.inclusion_proof(lh, m)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1), label="element")
        bit = data.draw(st.integers(0, 255), label="bit")
        bad = [*proof[:i], _flip(proof[i], bit), *proof[i + 1 :]]
        with pytest.raises(RootMismatchError):
            merkle.verify_inclusion(m, n, lh[m], bad, r)
    bit = data.draw(st.integers(0, 255), label="leaf/root bit")
    with pytest.raises(RootMismatchError):
        merkle.verify_inclusion(m, n, _flip(lh[m], bit), proof, r)
    with pytest.raises(RootMismatchError):
        merkle.verify_inclusion(m, n, lh[m], proof, _flip(r, bit))
    # Another index in the same tree never verifies.
    if n > 1:
        m2 = data.draw(st.integers(0, n - 1).filter(lambda x: x != m), label="other index")
        with pytest.raises(ProofError):
            merkle.verify_inclusion(m2, n, lh[m], proof, r)
    # Another size verifies exactly when the proof shape is the same (see the test above).
    n2 = data.draw(
        st.sampled_from([n - 1, n + 1, 2 * n, n // 2, n ^ 2, n ^ 1]) | st.integers(0, 2 * n + 2),
        label="other size",
    )
    m3 = data.draw(st.sampled_from([m, m ^ 1, m + 1, m - 1, m // 2]), label="index for size")
    if (m3, n2) != (m, n):
        if 0 <= m3 < n2 and ref_inclusion_shape(m3, n2) == ref_inclusion_shape(m, n):
            merkle.verify_inclusion(m3, n2, lh[m], proof, r)
        else:
            assert _raises(lambda: merkle.verify_inclusion(m3, n2, lh[m], proof, r))


@PROPERTY
@given(n=st.integers(2, 300), data=st.data())
def test_consistency_tampering_is_rejected(n: int, data: st.DataObject) -> None:
    _, lh, r = tree(n)
    m = data.draw(st.integers(1, n - 1), label="old_size")
    r1 = tree(m)[2]
    proof = merkle.consistency_proof(lh, m)
    i = data.draw(st.integers(0, len(proof) - 1), label="element")
    bit = data.draw(st.integers(0, 255), label="bit")
    bad = [*proof[:i], _flip(proof[i], bit), *proof[i + 1 :]]
    with pytest.raises(RootMismatchError):
        merkle.verify_consistency(m, n, r1, r, bad)
    with pytest.raises(RootMismatchError):
        merkle.verify_consistency(m, n, _flip(r1, bit), r, proof)
    with pytest.raises(RootMismatchError):
        merkle.verify_consistency(m, n, r1, _flip(r, bit), proof)
    with pytest.raises(ProofError):
        merkle.verify_consistency(m, n, r1, r, proof[:-1])
    with pytest.raises(ProofError):
        merkle.verify_consistency(m, n, r1, r, [*proof, r])
    m2 = data.draw(st.sampled_from([m - 1, m + 1, m ^ 2, m * 2, 0, n]) | st.integers(0, 2 * n))
    n2 = data.draw(st.sampled_from([n, n - 1, n + 1, n * 2, n // 2, n ^ 2]))
    if (m2, n2) != (m, n):

        def call() -> None:
            merkle.verify_consistency(m2, n2, r1, r, proof)

        if 0 < m2 < n2 and ref_consistency_shape(m2, n2) == ref_consistency_shape(m, n):
            call()
        else:
            assert _raises(call)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_every_bit_flip_is_rejected(n: int) -> None:
    _, lh, r = tree(n)
    for m in range(n):
        proof = merkle.inclusion_proof(lh, m)
        for i, p in enumerate(proof):
            for bit in range(256):
                bad = [*proof[:i], _flip(p, bit), *proof[i + 1 :]]
                assert _raises(lambda b=bad, m=m: merkle.verify_inclusion(m, n, lh[m], b, r))
    for m in range(1, n):
        r1, proof = tree(m)[2], merkle.consistency_proof(lh, m)
        for i, p in enumerate(proof):
            for bit in range(256):
                bad = [*proof[:i], _flip(p, bit), *proof[i + 1 :]]
                assert _raises(lambda b=bad, m=m, r1=r1: merkle.verify_consistency(m, n, r1, r, b))


@pytest.mark.parametrize("n", [4999, 5000])
def test_big_trees_match_reference(n: int) -> None:
    d, lh, r = tree(n)
    assert merkle.root(lh) == r
    for m in [0, 1, n // 2, 4095, 4096, n - 2, n - 1]:
        proof = merkle.inclusion_proof(lh, m)
        assert proof == ref_path(m, d)
        merkle.verify_inclusion(m, n, lh[m], proof, r)
    for m in [1, 2, 1000, 4096, 4097, n - 1]:
        proof = merkle.consistency_proof(lh, m)
        assert proof == ref_proof(m, d)
        merkle.verify_consistency(m, n, ref_mth(d[:m]), r, proof)


# --------------------------------------------------------------------------------------------
# InclusionProof JSON
# --------------------------------------------------------------------------------------------


def _good_json() -> dict[str, Any]:
    lh = CT_LEAF_HASHES
    return merkle.InclusionProof(2, 8, lh[2], tuple(merkle.inclusion_proof(lh, 2))).to_json()


def test_inclusion_proof_json_round_trip() -> None:
    d = _good_json()
    assert set(d) == {"index", "size", "leaf_hash", "path"}
    assert d["index"] == 2 and d["size"] == 8 and len(d["path"]) == 3
    p = merkle.InclusionProof.from_json(json.loads(json.dumps(d)))
    assert p.to_json() == d
    assert p.root().hex() == CT_ROOTS[7]
    p.verify(bytes.fromhex(CT_ROOTS[7]))
    with pytest.raises(RootMismatchError):
        p.verify(bytes.fromhex(CT_ROOTS[6]))
    with pytest.raises(ProofError, match="root must be 32 bytes"):
        p.verify(b"")


def _mutated(**changes: Any) -> dict[str, Any]:
    d = _good_json()
    for k, v in changes.items():
        if v is KeyError:
            del d[k]
        else:
            d[k] = v
    return d


GOOD_HEX = "ab" * 32
MALFORMED_JSON = {
    "not-a-dict": [1, 2],
    "none": None,
    "missing-path": _mutated(path=KeyError),
    "extra-key": _mutated(root=GOOD_HEX),
    "index-string": _mutated(index="2"),
    "index-bool": _mutated(index=True),
    "index-float": _mutated(index=2.0),
    "index-negative": _mutated(index=-1),
    "index-too-big": _mutated(index=8),
    "size-zero": _mutated(size=0, index=0),
    "size-wrong-for-path": _mutated(size=16),
    "leaf-not-hex": _mutated(leaf_hash="zz" * 32),
    "leaf-uppercase": _mutated(leaf_hash="AB" * 32),
    "leaf-spaces": _mutated(leaf_hash="ab " * 21 + "a"),
    "leaf-odd-length": _mutated(leaf_hash="a" * 63),
    "leaf-short": _mutated(leaf_hash="ab" * 31),
    "leaf-bytes": _mutated(leaf_hash=b"\xab" * 32),
    "leaf-none": _mutated(leaf_hash=None),
    "path-string": _mutated(path=GOOD_HEX),
    "path-too-short": _mutated(path=[GOOD_HEX, GOOD_HEX]),
    "path-too-long": _mutated(path=[GOOD_HEX] * 4),
    "path-element-int": _mutated(path=[GOOD_HEX, 7, GOOD_HEX]),
    "path-element-0x": _mutated(path=[GOOD_HEX, "0x" + "ab" * 31, GOOD_HEX]),
}


@pytest.mark.parametrize("bad", MALFORMED_JSON.values(), ids=MALFORMED_JSON.keys())
def test_inclusion_proof_malformed_json(bad: Any) -> None:
    with pytest.raises(ProofError):
        merkle.InclusionProof.from_json(bad)


def test_inclusion_proof_constructor_validates() -> None:
    lh = CT_LEAF_HASHES
    with pytest.raises(ProofError, match="path has 0 hashes, expected 3"):
        merkle.InclusionProof(2, 8, lh[2], ())
    with pytest.raises(ProofError, match="leaf_hash must be 32 bytes"):
        merkle.InclusionProof(0, 1, b"", ())
    p = merkle.InclusionProof(0, 2, lh[0], [lh[1]])  # type: ignore[arg-type]
    assert p.path == (lh[1],)
