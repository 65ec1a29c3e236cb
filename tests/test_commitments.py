"""Field commitments: the fast canonical form equals RFC 8785, and the documented vector holds."""

from __future__ import annotations

import hashlib

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import merkle
from ledger.licences.commitments import field_digest, field_digests, leaf_entry, leaf_hash

DOC_FIELDS = {
    "ZZBS": "1.2.156.3005.2.11100000000013338W001.11110115MB0000001U.2024A1B2C3.001.Q",
    "ZZLXDM": "11100000000013338W001",
    "ZZBFJGDM": "11110115MB0000001U",
    "CZZT.0": "张三",
    "ZZYXQJZRQ": "20290104",
}
DOC_SALTS = {k: (bytes([i + 1]) * 16).hex() for i, k in enumerate(DOC_FIELDS)}


@settings(max_examples=500)
@given(
    key=st.from_regex(r"\A[A-Z][A-Z0-9_]{0,12}(\.[0-9]{1,2})?\Z"),
    value=st.text(st.characters(exclude_categories=("Cs",))),
    salt=st.binary(min_size=16, max_size=16).map(bytes.hex),
)
def test_fast_canonical_form_equals_rfc8785(key, value, salt):
    reference = hashlib.sha256(rfc8785.dumps({"k": key, "s": salt, "v": value})).digest()
    assert field_digest(key, value, salt) == reference


def test_documented_vector():
    digests = field_digests(DOC_FIELDS, DOC_SALTS)
    assert digests["CZZT.0"].hex() == "b323c67c90b622654f058209f5b59cae5a98ad239eb9d25d66e8ed2b29ea6686"
    entry = leaf_entry(digests)
    assert entry.startswith(b"certledger/licence/v1\x00") and len(entry) == 22 + 5 * 32
    assert (
        leaf_hash(DOC_FIELDS, DOC_SALTS).hex()
        == "70c5c907631a21cd2307cfed91db171332c4b77ae29ecb3b5020645068b57bf7"
    )
    assert merkle.leaf_hash(entry) == leaf_hash(DOC_FIELDS, DOC_SALTS)


def test_order_of_fields_does_not_matter_but_every_value_and_salt_does():
    reordered = dict(reversed(list(DOC_FIELDS.items())))
    assert leaf_hash(reordered, DOC_SALTS) == leaf_hash(DOC_FIELDS, DOC_SALTS)
    for name in DOC_FIELDS:
        assert leaf_hash({**DOC_FIELDS, name: DOC_FIELDS[name] + " "}, DOC_SALTS) != leaf_hash(
            DOC_FIELDS, DOC_SALTS
        )
        assert leaf_hash(DOC_FIELDS, {**DOC_SALTS, name: "00" * 16}) != leaf_hash(DOC_FIELDS, DOC_SALTS)


@given(st.integers(1, 300))
def test_all_proofs_at_once_equal_single_proofs(n):
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    proofs = merkle.inclusion_proofs(leaves)
    assert merkle.tree_levels(leaves)[-1] == [merkle.root(leaves)]
    for i in sorted({0, n - 1, n // 2, (7 * n) // 9}):
        assert proofs[i] == merkle.inclusion_proof(leaves, i)


@settings(max_examples=200)
@given(
    st.dictionaries(
        st.from_regex(r"\A[A-Z][A-Z0-9_]{0,12}(\.[0-9]{1,2})?\Z"),
        st.text(st.characters(exclude_categories=("Cs",))),
        max_size=12,
    )
)
def test_canonical_record_equals_rfc8785(fields):
    from ledger.licences.commitments import canonical_record

    assert canonical_record(fields).encode("utf-8") == rfc8785.dumps(fields)
