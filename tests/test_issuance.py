"""The licence pipeline end to end on the embedded chain: issue, anchor, status, verify."""

from __future__ import annotations

import json

import pytest
from licence_helpers import (
    ISSUER,
    OTHER_ISSUER,
    TYPE_OTHER,
    TYPE_PERSON,
    licence_input,
    ready_services,
    write_body,
)
from sqlalchemy import func, select
from sqlmodel import Session

from ledger.licences.issuance import Issuance, IssueReport
from ledger.licences.package import build_package
from ledger.licences.status import find_licence, queue_change
from ledger.licences.verify import Outcome, verify_package
from ledger.models import ActionKind, Batch, BatchState, Licence, LicenceState, Outbox
from ledger.settings import load_settings


@pytest.fixture
def services(tmp_path, database_url):
    """The pipeline over the embedded chain, on SQLite and on PostgreSQL."""
    s = ready_services(load_settings(data_dir=tmp_path / "data", database_url=database_url))
    yield s
    s.close()


def issue(services, tmp_path, entries, anchor=True):
    report = services.issuance().issue(list(enumerate(entries, 1)), tmp_path)
    anchored = services.anchorer(batch_size=1000).run(force=True) if anchor else None
    return report, anchored


def package_of(services, identifier):
    with Session(services.engine) as session:
        licence = find_licence(session, identifier)
        return build_package(
            licence, session.get(Batch, licence.batch_id), services.contracts.registry.address
        )


def verify(services, identifier, **kwargs):
    data = package_of(services, identifier).to_json()
    return verify_package(data, registry=services.contracts.registry, bodies=services.body_opener(), **kwargs)


def outcomes(result):
    return {c.name: c.status for c in result.checks}


def test_issue_anchor_and_verify_every_check(services, tmp_path):
    body = write_body(tmp_path)
    report, anchored = issue(services, tmp_path, [licence_input(1, body=body)])
    assert not report.rejected and len(report.accepted) == 1
    assert (anchored.anchored, anchored.licences) == (1, 1)
    result = verify(services, report.accepted[0])
    assert result.valid, result.to_json()
    assert set(outcomes(result).values()) == {Outcome.VALID}


def test_bulk_good_lines_pass_bad_lines_are_reported_and_nothing_half_stored(services, tmp_path):
    entries = [licence_input(i) for i in range(10)]
    entries[2] = licence_input(2, type_code="11100000000013338W999")  # unknown type
    entries[4] = licence_input(4, face={"KZ_ZYLB": "建筑工程"})  # required face field missing
    entries[6] = licence_input(6, face={"KZ_ZYLB": "水利", "KZ_ZCRQ": "20240105"})  # not in the enum
    entries[7] = licence_input(7, holders=[{"name": "李", "code": "110105194912310021", "code_type": "111"}])
    entries[8] = licence_input(8, issuer_uscc=OTHER_ISSUER)  # not authorised for this type
    report, anchored = issue(services, tmp_path, entries)
    reasons = {r.line: r.reason for r in report.rejected}
    assert sorted(reasons) == [3, 5, 7, 8, 9]
    assert "unknown licence type" in reasons[3]
    assert "face.KZ_ZCRQ: required" in reasons[5]
    assert "face.KZ_ZYLB" in reasons[7] and "not one of" in reasons[7]
    assert "holders.0.code" in reasons[8] and "check" in reasons[8]
    assert "not authorised" in reasons[9]
    with Session(services.engine) as session:
        assert session.execute(select(func.count(Licence.id))).scalar_one() == 5
        assert session.execute(select(func.count(Outbox.licence_id))).scalar_one() == 0
    assert anchored.licences == 5


def test_duplicate_identifier_and_version_is_refused(services, tmp_path):
    report, _ = issue(
        services, tmp_path, [licence_input(1, serial="2024DUP1"), licence_input(2, serial="2024DUP1")]
    )
    assert len(report.accepted) == 1 and "appears twice" in report.rejected[0].reason
    again, _ = issue(services, tmp_path, [licence_input(3, serial="2024DUP1")])
    assert "exists" in again.rejected[0].reason


@pytest.mark.parametrize(
    ("data", "needle"),
    [(b"GIF89a" + b"\x00" * 50, "not a PDF"), (b"%PDF-" + b"0" * (1024 * 1024 + 1), "over the limit")],
)
def test_bad_bodies_are_refused(services, tmp_path, data, needle):
    name = write_body(tmp_path, "bad.bin", data)
    issuance = Issuance(services.engine, services.bodies, max_body=1024 * 1024)
    report = issuance.issue([(1, licence_input(1, body=name))], tmp_path)
    assert needle in report.rejected[0].reason and not report.accepted


def test_revoke_one_inside_a_batch_and_status_at_an_earlier_block(services, tmp_path):
    report, _ = issue(services, tmp_path, [licence_input(i) for i in range(6)])
    target = report.accepted[3]
    before = services.client.w3.eth.block_number
    with Session(services.engine) as session:
        queue_change(session, target, ActionKind.REVOKE, 7)
        session.commit()
    assert services.anchorer().run().actions == 1
    for identifier in report.accepted:
        result = verify(services, identifier)
        if identifier == target:
            assert (
                outcomes(result)["STATUS"] is Outcome.INVALID and "revoked" in result.check("STATUS").detail
            )
            assert outcomes(result)["INTEGRITY"] is Outcome.VALID
        else:
            assert result.valid, result.to_json()
    assert verify(services, target, at_block=before).valid  # before the revocation


def test_suspend_and_reinstate(services, tmp_path):
    report, _ = issue(services, tmp_path, [licence_input(1)])
    identifier = report.accepted[0]
    for kind, valid in ((ActionKind.SUSPEND, False), (ActionKind.REINSTATE, True)):
        with Session(services.engine) as session:
            queue_change(session, identifier, kind, 2)
            session.commit()
        services.anchorer().run()
        assert verify(services, identifier).valid is valid


def test_a_new_version_supersedes_the_old_one(services, tmp_path):
    report, _ = issue(services, tmp_path, [licence_input(1, serial="2024RENEW")])
    old = report.accepted[0]
    renewal, anchored = issue(services, tmp_path, [licence_input(1, supersedes=old, valid_until="20300101")])
    new = renewal.accepted[0]
    assert new.split(".")[-2] == "002" and new.split(".")[:-2] == old.split(".")[:-2]
    assert anchored.actions == 1
    old_result = verify(services, old)
    assert "superseded" in old_result.check("STATUS").detail and not old_result.valid
    assert verify(services, new).valid


def test_tampered_packages_fail_integrity(services, tmp_path):
    report, _ = issue(services, tmp_path, [licence_input(1)])
    good = package_of(services, report.accepted[0]).to_json()
    registry = services.contracts.registry
    for name in good["fields"]:
        bad = json.loads(json.dumps(good))
        bad["fields"][name]["value"] += "x"
        result = verify_package(bad, registry=registry)
        expected = Outcome.INVALID
        assert outcomes(result)["INTEGRITY"] is expected or outcomes(result)["FORMAT"] is expected, name
        assert not result.valid
    for i in range(len(good["proof"]["path"])):
        for position in (0, 31, 63):
            bad = json.loads(json.dumps(good))
            path = bad["proof"]["path"][i]
            bad["proof"]["path"][i] = (
                path[:position] + ("0" if path[position] != "0" else "1") + path[position + 1 :]
            )
            assert outcomes(verify_package(bad, registry=registry))["INTEGRITY"] is Outcome.INVALID
    bad = json.loads(json.dumps(good))
    bad["fields"]["KZ_ZYLB"]["salt"] = "00" * 16
    assert outcomes(verify_package(bad, registry=registry))["INTEGRITY"] is Outcome.INVALID


def test_selective_disclosure_still_verifies(services, tmp_path):
    report, _ = issue(services, tmp_path, [licence_input(1)])
    package = package_of(services, report.accepted[0])
    hidden = package.redact(["CZZTDM.0", "CZZT.0", "KZ_PYDW"])
    data = hidden.to_json()
    assert "value" not in data["fields"]["CZZTDM.0"] and "11010519491231002X" not in json.dumps(data)
    assert verify_package(data, registry=services.contracts.registry).valid
    with pytest.raises(Exception, match="cannot be hidden"):
        package.redact(["ZZBS"])


def test_unreachable_chain_is_error_never_invalid(services, tmp_path):
    report, _ = issue(services, tmp_path, [licence_input(1)])
    data = package_of(services, report.accepted[0]).to_json()
    result = verify_package(data, registry=None, chain_problem="cannot reach http://127.0.0.1:9")
    assert outcomes(result)["ANCHOR"] is Outcome.ERROR and outcomes(result)["STATUS"] is Outcome.ERROR
    assert outcomes(result)["INTEGRITY"] is Outcome.VALID
    assert not result.valid


def test_contract_refuses_a_batch_when_the_catalog_check_is_bypassed(services, tmp_path):
    # OTHER_ISSUER is registered on chain for TYPE_OTHER only; force a TYPE_PERSON licence into
    # its outbox as if the catalog check had been skipped.
    report, _ = issue(services, tmp_path, [licence_input(1)], anchor=False)
    with Session(services.engine) as session:
        licence = find_licence(session, report.accepted[0])
        licence.issuer_uscc = OTHER_ISSUER
        session.add(licence)
        session.commit()
    anchored = services.anchorer().run()
    assert "LicenceRegistryNotAuthorisedForType" in anchored.errors[0]
    with Session(services.engine) as session:
        batch = session.execute(select(Batch)).scalar_one()
        assert batch.state is BatchState.FAILED and "NotAuthorisedForType" in batch.error
        assert find_licence(session, report.accepted[0]).state is LicenceState.SEALED


def test_a_mined_but_unrecorded_anchor_is_recovered_from_chain_events(services, tmp_path):
    report, _ = issue(services, tmp_path, [licence_input(i) for i in range(3)], anchor=False)
    anchorer = services.anchorer()
    from ledger.licences.anchoring import AnchorReport

    anchorer.seal(AnchorReport(), force=True)
    with Session(services.engine) as session:
        batch = session.execute(select(Batch)).scalar_one()
    # the transaction is mined, then the process dies before recording it
    from ledger.chain.contracts import code_hash

    receipt = services.contracts.registry.anchor_batch(
        services.keys.get(ISSUER), code_hash(TYPE_PERSON), batch.root, batch.size
    )
    result = anchorer.run()
    assert (result.anchored, result.recovered, result.licences) == (0, 1, 3)
    with Session(services.engine) as session:
        batch = session.execute(select(Batch)).scalar_one()
        assert batch.tx_hash == "0x" + bytes(receipt["transactionHash"]).hex()
        assert batch.block == receipt["blockNumber"]
    assert all(verify(services, i).valid for i in report.accepted)
    assert TYPE_OTHER  # the other type stays untouched


def test_parallel_preparation_gives_the_same_result(services, tmp_path):
    entries = [licence_input(i, serial=f"2024P{i:05d}") for i in range(300)]
    entries[10] = licence_input(10, type_code="11100000000013338W999")
    entries[20] = licence_input(20, serial="2024P00021")  # the same identifier as line 22
    report = IssueReport()
    issuance = services.issuance()
    for _ in issuance.issue_iter(list(enumerate(entries, 1)), tmp_path, report, workers=2):
        pass
    assert len(report.accepted) == 298
    assert [r.line for r in report.rejected] == [11, 22]
    assert "unknown licence type" in report.rejected[0].reason and "twice" in report.rejected[1].reason
    anchored = services.anchorer().run()
    assert anchored.licences == 298


def test_batches_wait_for_their_window_or_their_size(services, tmp_path):
    from ledger.licences.anchoring import Anchorer, AnchorReport

    issue(services, tmp_path, [licence_input(i) for i in range(5)], anchor=False)
    waiting = Anchorer(
        services.engine,
        services.client,
        services.contracts,
        services.keys,
        batch_size=10,
        window_seconds=3600,
    )
    report = AnchorReport()
    waiting.seal(report, force=False)
    assert report.sealed == 0  # 5 < 10 and the oldest has not waited an hour
    by_size = Anchorer(
        services.engine, services.client, services.contracts, services.keys, batch_size=2, window_seconds=3600
    )
    by_size.seal(report, force=False)
    assert report.sealed == 2  # two full batches of 2; the fifth licence keeps waiting
    impatient = Anchorer(
        services.engine, services.client, services.contracts, services.keys, batch_size=10, window_seconds=0
    )
    impatient.seal(report, force=False)
    assert report.sealed == 3


@pytest.mark.parametrize("workers", [0, 2])
def test_bulk_verification_finds_the_revoked_and_the_tampered(services, tmp_path, workers):
    from ledger.licences.bulk_verify import verify_all

    report, _ = issue(services, tmp_path, [licence_input(i) for i in range(20)])
    with Session(services.engine) as session:
        queue_change(session, report.accepted[4], ActionKind.REVOKE, 7)
        tampered = find_licence(session, report.accepted[9])
        tampered.record = tampered.record.replace("张9", "李9")  # an altered database row
        session.add(tampered)
        session.commit()
    services.anchorer().run()
    summary = verify_all(
        services.engine,
        services.contracts.registry,
        services.bodies,
        settings=services.settings,
        workers=workers,
    )
    assert (summary["checked"], summary["valid"]) == (20, 18)
    assert summary["failed_checks"] == {"STATUS": 1, "INTEGRITY": 1}
    assert sorted(summary["invalid"]) == sorted([report.accepted[4], report.accepted[9]])


def test_full_batches_are_anchored_between_chunks(services, tmp_path):
    from ledger.licences.anchoring import AnchorReport

    anchorer = services.anchorer(batch_size=1000)
    early, report = AnchorReport(), IssueReport()
    entries = [licence_input(i, serial=f"2024E{i:05d}") for i in range(2500)]
    for _ in services.issuance().issue_iter(
        list(enumerate(entries, 1)),
        tmp_path,
        report,
        between_chunks=lambda: anchorer.anchor_full_batches(early),
    ):
        pass
    assert (early.sealed, early.anchored, early.licences) == (2, 2, 2000)  # after the first chunk of 2,000
    rest = anchorer.run()
    assert (rest.sealed, rest.licences) == (1, 500)
    with Session(services.engine) as session:
        assert (
            session.execute(
                select(func.count(Licence.id)).where(Licence.state == LicenceState.ANCHORED)
            ).scalar_one()
            == 2500
        )
