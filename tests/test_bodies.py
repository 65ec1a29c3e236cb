"""Licence bodies: only ciphertext stored, erasure by shredding, the storage audit."""

from __future__ import annotations

import hashlib

import pytest
from licence_helpers import PDF, licence_input, ready_services, write_body
from sqlmodel import Session
from test_issuance import issue, outcomes, verify

from ledger.crypto.envelope import DecryptionError
from ledger.errors import LedgerError
from ledger.licences.bodies import associated_data, audit, erase
from ledger.licences.status import find_licence
from ledger.settings import load_settings


@pytest.fixture
def services(tmp_path):
    s = ready_services(load_settings(data_dir=tmp_path / "data"))
    yield s
    s.close()


def stored(services, identifier):
    with Session(services.engine) as session:
        return find_licence(session, identifier)


def test_only_ciphertext_reaches_the_store(services, tmp_path):
    report, _ = issue(services, tmp_path, [licence_input(1, body=write_body(tmp_path))])
    licence = stored(services, report.accepted[0])
    ciphertext = services.store.read(licence.body_ref)
    assert PDF not in ciphertext and b"%PDF" not in ciphertext
    assert licence.body_sha256 == hashlib.sha256(PDF).hexdigest()  # the leaf commits to the plaintext
    assert services.bodies.open(licence.identifier, licence.body_ref, licence.body_key) == PDF


def test_wrong_associated_data_cannot_open_a_body(services, tmp_path):
    report, _ = issue(services, tmp_path, [licence_input(1, body=write_body(tmp_path))])
    licence = stored(services, report.accepted[0])
    other_version = licence.identifier.replace(".001.", ".002.")
    with pytest.raises(DecryptionError):
        services.bodies.open(other_version, licence.body_ref, licence.body_key)
    assert associated_data(licence.identifier) != associated_data(other_version)


def test_erasure_shreds_the_key_and_verification_skips_body(services, tmp_path):
    report, _ = issue(services, tmp_path, [licence_input(1, body=write_body(tmp_path))])
    identifier = report.accepted[0]
    before = stored(services, identifier)
    with Session(services.engine) as session:
        erase(session, services.store, identifier, "PIPL Art. 47: purpose achieved")
    after = stored(services, identifier)
    assert after.body_key is None and after.erased_at is not None and "Art. 47" in after.erase_reason
    with pytest.raises(LedgerError):  # the wrapped key is gone: nothing can open the body
        services.bodies.open(identifier, before.body_ref, after.body_key or "")
    result = verify(services, identifier)
    assert outcomes(result)["BODY"].value == "SKIPPED" and "erased" in result.check("BODY").detail
    assert result.valid  # erased is not invalid: the hash stays anchored
    with Session(services.engine) as session, pytest.raises(LedgerError, match="already erased"):
        erase(session, services.store, identifier, "again")


def test_audit_finds_a_deleted_block_and_a_corrupted_one(services, tmp_path):
    entries = [
        licence_input(i, body=write_body(tmp_path, f"b{i}.pdf", PDF + bytes([i]) * 300_000)) for i in range(4)
    ]
    report, _ = issue(services, tmp_path, entries)
    clean = audit(services.engine, services.bodies)
    assert (clean.checked, clean.ok, clean.missing, clean.corrupt) == (4, 4, [], [])
    deleted, corrupted = (stored(services, i) for i in report.accepted[1:3])
    from ledger.storage.cid import CID

    db = services.store.pack._db()
    db.execute("DELETE FROM block WHERE cid = ?", (CID.parse(deleted.body_ref).to_bytes(),))
    root = CID.parse(corrupted.body_ref).to_bytes()  # the root node, small: kept in the index
    (inline,) = db.execute("SELECT inline FROM block WHERE cid = ?", (root,)).fetchone()
    damaged = bytes([inline[0] ^ 0xFF]) + bytes(inline[1:])
    db.execute("UPDATE block SET inline = ? WHERE cid = ?", (damaged, root))
    found = audit(services.engine, services.bodies)
    assert found.checked == 4 and found.ok == 2
    assert [m.split()[0] for m in found.missing] == [deleted.identifier]
    assert [c.split()[0] for c in found.corrupt] == [corrupted.identifier]
    assert not found.clean


def test_rotated_keyring_still_opens_older_bodies(services, tmp_path):
    report, _ = issue(services, tmp_path, [licence_input(1, body=write_body(tmp_path))])
    old = stored(services, report.accepted[0])
    first_kek = old.body_key.split(":")[0]
    new_kek = services.bodies.keyring.rotate()
    assert new_kek != first_kek
    newer, _ = issue(services, tmp_path, [licence_input(2, body=write_body(tmp_path, "c.pdf"))])
    assert stored(services, newer.accepted[0]).body_key.split(":")[0] == new_kek
    assert services.bodies.open(old.identifier, old.body_ref, old.body_key) == PDF


def test_a_failing_store_stores_nothing(services, tmp_path):
    from sqlalchemy import func, select

    from ledger.licences.bodies import LicenceBodies
    from ledger.licences.issuance import Issuance
    from ledger.models import Licence
    from ledger.storage.kubo import KuboError
    from ledger.storage.kubo_store import KuboStore

    dead = LicenceBodies(KuboStore("http://127.0.0.1:9"), services.bodies.keyring)  # nothing listens
    with pytest.raises(KuboError, match="cannot reach kubo"):
        Issuance(services.engine, dead).issue([(1, licence_input(1, body=write_body(tmp_path)))], tmp_path)
    with Session(services.engine) as session:
        assert session.execute(select(func.count(Licence.id))).scalar_one() == 0
