"""The vectors of docs/consent.md, recomputed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.consent.receipts import HolderRefs, canonical, challenge_for, check_signature, key_id, sign
from ledger.licences.issuance import holder_key

DOC = (Path(__file__).parent.parent / "docs" / "consent.md").read_text("utf-8")


def _statement() -> dict:
    line = next(ln for ln in DOC.splitlines() if ln.startswith('{"case_number"'))
    return json.loads(line)


def test_statement_in_the_document_is_canonical_and_its_challenge_matches() -> None:
    statement = _statement()
    assert canonical(statement).decode() == next(
        ln for ln in DOC.splitlines() if ln.startswith('{"case_number"')
    )
    assert (
        challenge_for(statement).hex() == "549edb2af92da100002701c5eba1e9b168fbe0e388b3d30269d995802c52807b"
    )
    digest = hashlib.sha256(canonical(statement)).hexdigest()
    assert digest == "f6befeef44a02281fb618b1730c211a1642b240d9cbaf19690e3d9a02d1c7ff5"
    assert challenge_for(statement).hex() in DOC and digest in DOC
    changed = {**statement, "purpose": statement["purpose"] + "。"}
    assert challenge_for(changed) != challenge_for(statement)


def test_service_signature_vector() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    digest = hashlib.sha256(canonical(_statement())).hexdigest()
    doc = sign({"format": "certledger.consent-receipt/1", "statement_sha256": digest}, key, key_id(key))
    assert doc["signature"]["key_id"] == "139e3940e64b5491"
    assert doc["signature"]["value"] in DOC
    assert check_signature(doc, key.public_key())
    assert not check_signature({**doc, "statement_sha256": "0" * 64}, key.public_key())


def test_holder_ref_vector(tmp_path: Path) -> None:
    hk = holder_key("111", "11010519491231002X")
    assert hk == "4a6062558a16ef5dfb628a48886f6f0eb3d2bbee53eafc97d8cdaf5556081a93"
    (tmp_path / "secret").write_bytes(bytes(range(32)))
    assert HolderRefs(tmp_path / "secret").ref(hk) == "hr1:87bc446d484209dac6169a7943aa7095"
    assert "hr1:87bc446d484209dac6169a7943aa7095" in DOC
