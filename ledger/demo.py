"""The main job, on whatever chain the settings name (the embedded one by default):

deploy the contracts if needed, load the catalog, register the issuing authorities used,
issue a realistic batch of licences across the catalog (bodies included), anchor them, revoke
one licence inside a batch, and verify every licence from its portable package.
"""

from __future__ import annotations

from collections import Counter
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
    return {
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


def summary(result: dict[str, Any]) -> Counter[str]:
    return Counter("valid" if r["valid"] else "invalid" for r in result["results"])
