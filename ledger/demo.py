"""The main job, on whatever chain the settings name (the embedded one by default):

deploy the contracts if needed, load the catalog, register the issuing authorities used,
issue a realistic batch of licences across the catalog (bodies included), anchor them, revoke
one licence inside a batch, and verify every licence from its portable package.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from ledger.catalog.loader import load_catalog
from ledger.chain.deploy import deploy, open_deployment
from ledger.chain.keys import DEV_CHAIN_IDS
from ledger.errors import ConfigError, DeploymentError
from ledger.issuers import register_issuer
from ledger.licences.package import build_package
from ledger.licences.status import queue_change
from ledger.licences.verify import verify_package
from ledger.models import ActionKind, Batch, Licence
from ledger.sample import SampleMaker, sample_pdf, sample_types
from ledger.services import Services

REASON_REVOKED = 7  # status code 07 吊销


def run_demo(s: Services, *, types: int = 12, per_type: int = 4) -> dict[str, Any]:
    client = s.client
    if client.chain_id not in DEV_CHAIN_IDS:
        raise ConfigError(
            f"the demo uses development keys and runs only on dev chains {sorted(DEV_CHAIN_IDS)}"
        )
    deployed_now = False
    try:
        contracts = s.contracts
    except DeploymentError:
        deploy(client, s.registrar, s.settings.data_dir)
        contracts = open_deployment(client, s.settings.data_dir)
        s.__dict__["contracts"] = contracts
        deployed_now = True

    with Session(s.engine) as session:
        load_catalog(session)
        session.commit()
        chosen = _spread(sample_types(session), types)
        for issuer in sorted({t.issuer for t in chosen}):
            register_issuer(session, client, contracts, s.keys, s.registrar, issuer)

    bodies = s.settings.data_dir / "samples"
    bodies.mkdir(parents=True, exist_ok=True)
    maker, entries = SampleMaker(), []
    for t in chosen:
        for k in range(per_type):
            name = f"{t.code}-{len(entries)}.pdf"
            (bodies / name).write_bytes(sample_pdf(f"certledger sample {t.code} #{k}"))
            entries.append((len(entries) + 1, maker.licence(t, len(entries), body=name)))
    report = s.issuance().issue(entries, bodies)
    if report.rejected:
        raise ConfigError(f"sample licences were refused: {report.rejected[:3]}")
    anchoring = s.anchorer().run(force=True)

    revoked = report.accepted[per_type // 2]  # inside the first batch
    with Session(s.engine) as session:
        queue_change(session, revoked, ActionKind.REVOKE, REASON_REVOKED)
        session.commit()
    s.anchorer().run(force=False)

    results = []
    with Session(s.engine) as session:
        licences = session.execute(select(Licence).where(Licence.identifier.in_(report.accepted))).scalars()
        by_id = {lic.identifier: lic for lic in licences}
        names = {t.code: t.name for t in chosen}
        for identifier in report.accepted:
            licence = by_id[identifier]
            package = build_package(licence, session.get(Batch, licence.batch_id), contracts.registry.address)
            result = verify_package(package.to_json(), registry=contracts.registry, bodies=s.body_opener())
            results.append({"type": names[licence.type_code], **result.to_json()})
    from ledger.demo_window import run_window_demo

    window_case = run_window_demo(s, report.accepted)
    archive = run_archive_demo(s, report.accepted)
    return {
        "window_case": window_case,
        "archive": archive,
        "chain_id": client.chain_id,
        "chain": client.description,
        "deployed_now": deployed_now,
        "address_book": contracts.deployment.to_json(),
        "issued": len(report.accepted),
        "types": len(chosen),
        "batches": anchoring.anchored + anchoring.recovered,
        "revoked": revoked,
        "results": results,
    }


def _spread(types: list, count: int) -> list:  # type: ignore[type-arg]
    """`count` types across departments-worth of the catalog: persons and organisations alike."""
    persons = [t for t in types if t.holder_category == "person"]
    orgs = [t for t in types if t.holder_category != "person"]
    step_p, step_o = max(1, len(persons) // (count - count // 2)), max(1, len(orgs) // (count // 2))
    return persons[::step_p][: count - count // 2] + orgs[::step_o][: count // 2]


def run_archive_demo(s: Services, identifiers: list[str]) -> dict[str, Any]:
    """Archive three sample case files that used the licences, audit the archive (it passes),
    flip one byte of one stored package and audit again (it is pinpointed), then restore it."""
    import hashlib
    import json as _json
    import tempfile

    from ledger.catalog.queries import list_matters

    with Session(s.engine) as session:
        matters = list_matters(session)[:3]
        packages_of = {}
        for identifier in identifiers[:3]:
            licence = session.execute(select(Licence).where(Licence.identifier == identifier)).scalar_one()
            package = build_package(
                licence, session.get(Batch, licence.batch_id), s.contracts.registry.address
            )
            hidden = [k for k in package.fields if k.startswith(("CZZTDM", "CZZT."))]  # minimum disclosure
            packages_of[identifier] = (package.redact(hidden).to_json(), licence.holder_key)
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, (matter, identifier) in enumerate(zip(matters, identifiers[:3], strict=False)):
            use_copy, holder_key = packages_of[identifier]
            case_dir = Path(tmp) / f"case{n}"
            case_dir.mkdir()
            (case_dir / "application.pdf").write_bytes(sample_pdf(f"application for {matter.code}"))
            (case_dir / "licence-use-copy.json").write_text(
                _json.dumps(use_copy, ensure_ascii=False), "utf-8"
            )
            (case_dir / "consent.json").write_text(
                _json.dumps({"sample": True, "matter": matter.code, "licence": identifier}), "utf-8"
            )
            closed = datetime.now(UTC).replace(microsecond=0)
            case = {
                "matter_code": matter.code,
                "matter_name": matter.name,
                "case_number": f"DX{closed:%Y%m%d%H%M%S}{n:02d}",
                "window": "A12",
                "staff": "窗口人员01",
                "department": matter.department,
                "holder_ref": "hr1:" + hashlib.sha256(f"demo|{holder_key}".encode()).hexdigest()[:32],
                "opened_at": (closed - timedelta(minutes=20)).isoformat(),
                "closed_at": closed.isoformat(),
                "files": [
                    {"path": "application.pdf", "title": "申请表", "kind": "application"},
                    {"path": "licence-use-copy.json", "title": "证照加注件", "kind": "licence_use_copy"},
                    {"path": "consent.json", "title": "授权同意凭证 (示例)", "kind": "consent_receipt"},
                ],
            }
            (case_dir / "case.json").write_text(_json.dumps(case, ensure_ascii=False), "utf-8")
            records.append(
                s.archive.add(
                    case_dir,
                    fonds=s.settings.archive_fonds,
                    retention="Y30",
                    created_by=s.settings.archive_unit,
                    archivist=s.settings.archivist,
                )
            )
    s.logs.checkpoint("archive")
    clean = _audit(s)
    target = records[len(records) // 2]
    tampered = None
    if _flip_stored_byte(s, target.cid):
        tampered = _audit(s)
        _flip_stored_byte(s, target.cid)  # restore, so the next run starts from a clean archive
    return {
        "packages": [r.archive_no for r in records],
        "audit": clean,
        "tampered_package": target.archive_no if tampered else None,
        "audit_after_tampering": tampered,
    }


def _audit(s: Services) -> dict[str, Any]:
    from archive.audit_logs import audit_log
    from archive.logs import LOGS

    logs = [audit_log(s.logs, name) for name in LOGS]
    packages = s.archive.audit()
    failed = [p.to_json() for p in packages if not p.ok]
    return {
        "ok": all(r.ok for r in logs) and not failed,
        "logs": [r.to_json() for r in logs],
        "packages": {"checked": len(packages), "failed": failed},
    }


def _flip_stored_byte(s: Services, cid: str) -> bool:
    """Flip one byte of a stored package's root block (embedded store only): a demonstration
    of silent corruption. Calling it twice restores the block."""
    from ledger.storage import EmbeddedStore
    from ledger.storage.cid import CID

    if not isinstance(s.store, EmbeddedStore):
        return False
    db = s.store.pack._db()
    key = CID.parse(cid).to_bytes()
    row = db.execute("SELECT inline FROM block WHERE cid = ?", (key,)).fetchone()
    if row is None or row[0] is None:
        return False
    data = bytearray(row[0])
    data[len(data) // 2] ^= 0x01
    db.execute("UPDATE block SET inline = ? WHERE cid = ?", (bytes(data), key))
    return True
