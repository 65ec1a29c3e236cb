"""The batcher: seals outbox licences into per-type Merkle batches, anchors each root in one
transaction, stores every licence's proof, and sends queued status changes.

Crash safety: a batch is sealed (root and members recorded, outbox rows removed) in one
database transaction before anything is sent. Before sending, the chain is asked whether the
root is already anchored - a transaction mined but not recorded before a crash is recognised
there and its block and hash are recovered from the BatchAnchored event - so a root is never
anchored twice (the contract would refuse it anyway).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import Engine, bindparam, delete, func, insert, select, update
from sqlmodel import Session

from ledger import merkle
from ledger.chain.client import ChainClient
from ledger.chain.contracts import AnchoredLeaf, LeafStatus, code_hash
from ledger.chain.deploy import Contracts
from ledger.errors import ContractRevert
from ledger.issuers import IssuerKeys
from ledger.licences.status import TARGET, ready_actions
from ledger.models import (
    ActionKind,
    ActionState,
    Batch,
    BatchState,
    Licence,
    LicenceState,
    LicenceStatus,
    Outbox,
    StatusAction,
    utcnow,
)

CHAIN_STATUS = {
    LeafStatus.ACTIVE: LicenceStatus.ACTIVE,
    LeafStatus.SUSPENDED: LicenceStatus.SUSPENDED,
    LeafStatus.REVOKED: LicenceStatus.REVOKED,
    LeafStatus.SUPERSEDED: LicenceStatus.SUPERSEDED,
}


@dataclass
class AnchorReport:
    sealed: int = 0
    anchored: int = 0
    recovered: int = 0
    licences: int = 0
    actions: int = 0
    errors: list[str] = field(default_factory=list)


def anchored_leaf(licence: Licence, batch: Batch) -> AnchoredLeaf:
    path = licence.proof or b""
    proof = merkle.InclusionProof(
        licence.leaf_index,
        batch.size,
        licence.leaf_hash,
        tuple(path[i : i + 32] for i in range(0, len(path), 32)),
    )
    return AnchoredLeaf(batch.root, proof)


class Anchorer:
    def __init__(
        self,
        engine: Engine,
        client: ChainClient,
        contracts: Contracts,
        keys: IssuerKeys,
        *,
        batch_size: int = 10_000,
        window_seconds: float = 0.0,
    ) -> None:
        self.engine = engine
        self.client = client
        self.contracts = contracts
        self.keys = keys
        self.batch_size = batch_size
        self.window_seconds = window_seconds

    def run(self, *, force: bool = True) -> AnchorReport:
        """Seal what is due, anchor every sealed batch, send every ready status change."""
        report = AnchorReport()
        self.seal(report, force=force)
        self.anchor(report)
        self.apply_actions(report)
        return report

    # ----- sealing -----

    def seal(self, report: AnchorReport, *, force: bool) -> None:
        with Session(self.engine) as session:
            rows = session.execute(
                select(
                    Licence.id, Licence.type_code, Licence.issuer_uscc, Licence.leaf_hash, Outbox.created_at
                )
                .join(Outbox, Outbox.licence_id == Licence.id)
                .order_by(Licence.type_code, Licence.issuer_uscc, Licence.id)
            ).all()
        now = utcnow()
        for (type_code, issuer), group in groupby(rows, key=lambda r: (r[1], r[2])):
            members = list(group)
            oldest = min(r[4] for r in members)
            due = (
                force
                or len(members) >= self.batch_size
                or (now - oldest).total_seconds() >= self.window_seconds
            )
            if not due:
                continue
            for start in range(0, len(members), self.batch_size):
                chunk = members[start : start + self.batch_size]
                if len(chunk) < self.batch_size and not force and start > 0:
                    break
                self._seal_one(type_code, issuer, chunk)
                report.sealed += 1

    def anchor_full_batches(self, report: AnchorReport) -> None:
        """Seal and anchor only groups that fill whole batches: called between chunks of a bulk
        issue, so anchoring overlaps with the preparation of the next chunks."""
        with Session(self.engine) as session:
            groups = session.execute(
                select(Licence.type_code, Licence.issuer_uscc, func.count())
                .join(Outbox, Outbox.licence_id == Licence.id)
                .group_by(Licence.type_code, Licence.issuer_uscc)
            ).all()
            for type_code, issuer, count in groups:
                if count < self.batch_size:
                    continue
                rows = session.execute(
                    select(Licence.id, Licence.type_code, Licence.issuer_uscc, Licence.leaf_hash)
                    .join(Outbox, Outbox.licence_id == Licence.id)
                    .where(Licence.type_code == type_code, Licence.issuer_uscc == issuer)
                    .order_by(Licence.id)
                    .limit(count // self.batch_size * self.batch_size)
                ).all()
                for start in range(0, len(rows), self.batch_size):
                    self._seal_one(type_code, issuer, rows[start : start + self.batch_size])
                    report.sealed += 1
        if report.sealed:
            self.anchor(report)

    def _seal_one(self, type_code: str, issuer: str, members: list) -> None:
        leaves = [bytes(r[3]) for r in members]
        with Session(self.engine) as session, session.begin():
            batch_id = session.execute(
                insert(Batch).returning(Batch.id),
                [
                    {
                        "type_code": type_code,
                        "issuer_uscc": issuer,
                        "root": merkle.root(leaves),
                        "size": len(leaves),
                        "state": BatchState.SEALED,
                        "created_at": utcnow(),
                    }
                ],
            ).scalar_one()
            # leaf order is licence id order: the leaf index is set with the proof, when anchored
            session.execute(
                update(Licence)
                .where(Licence.id.in_([r[0] for r in members]))
                .values(batch_id=batch_id, state=LicenceState.SEALED)
            )
            session.execute(delete(Outbox).where(Outbox.licence_id.in_([r[0] for r in members])))

    # ----- anchoring -----

    def anchor(self, report: AnchorReport) -> None:
        registry = self.contracts.registry
        with Session(self.engine) as session:
            sealed = list(session.execute(select(Batch).where(Batch.state == BatchState.SEALED)).scalars())
        for batch in sealed:
            account = self.keys.get(batch.issuer_uscc)
            if account is None:
                report.errors.append(
                    f"batch {batch.id}: issuer {batch.issuer_uscc} has no chain account; "
                    "run `certledger issuer register`"
                )
                continue
            on_chain = registry.batch(batch.root)
            if on_chain is None:
                try:
                    receipt = registry.anchor_batch(
                        account, code_hash(batch.type_code), batch.root, batch.size
                    )
                except ContractRevert as exc:
                    self._fail(batch, str(exc))
                    report.errors.append(f"batch {batch.id}: the registry refused it: {exc}")
                    continue
                block, tx = receipt["blockNumber"], "0x" + bytes(receipt["transactionHash"]).hex()
                report.anchored += 1
            else:
                block, tx = on_chain.block_number, self._find_anchor_tx(batch.root, on_chain.block_number)
                report.recovered += 1
            report.licences += self._finish(batch, block, tx)

    def _find_anchor_tx(self, root: bytes, block: int) -> str | None:
        event = self.contracts.registry.contract.events.BatchAnchored()
        for log in self.client.events(event, block, block, argument_filters={"root": root}):
            return "0x" + bytes(log["transactionHash"]).hex()
        return None

    def _finish(self, batch: Batch, block: int, tx: str | None) -> int:
        with Session(self.engine) as session, session.begin():
            members = session.execute(
                select(Licence.id, Licence.leaf_hash).where(Licence.batch_id == batch.id).order_by(Licence.id)
            ).all()
            proofs = merkle.inclusion_proofs([bytes(m[1]) for m in members])
            session.connection().execute(
                update(Licence.__table__)
                .where(Licence.__table__.c.id == bindparam("lid"))
                .values(leaf_index=bindparam("idx"), proof=bindparam("path"), state=LicenceState.ANCHORED),
                [
                    {"lid": m[0], "idx": i, "path": b"".join(p)}
                    for i, (m, p) in enumerate(zip(members, proofs, strict=True))
                ],
            )
            session.execute(
                update(Batch)
                .where(Batch.id == batch.id)
                .values(
                    state=BatchState.ANCHORED,
                    block=block,
                    tx_hash=tx,
                    chain_id=self.client.chain_id,
                    anchored_at=utcnow(),
                )
            )
        return len(members)

    def _fail(self, batch: Batch, error: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(Batch).where(Batch.id == batch.id).values(state=BatchState.FAILED, error=error)
            )

    # ----- status changes -----

    def apply_actions(self, report: AnchorReport) -> None:
        registry = self.contracts.registry
        with Session(self.engine) as session:
            for action in ready_actions(session):
                licence = session.get(Licence, action.licence_id)
                leaf = anchored_leaf(licence, session.get(Batch, licence.batch_id))
                account = self.keys.get(licence.issuer_uscc)
                if account is None:
                    report.errors.append(
                        f"{licence.identifier}: issuer {licence.issuer_uscc} has no chain account"
                    )
                    continue
                target = TARGET[action.kind]
                current = registry.status(licence.leaf_hash)
                if CHAIN_STATUS[current.status] is target and current.block_number:
                    action.block = current.block_number  # sent before a crash: just record it
                else:
                    try:
                        receipt = self._send(action, leaf, account, session)
                    except ContractRevert as exc:
                        action.state, action.error = ActionState.FAILED, str(exc)
                        report.errors.append(f"{licence.identifier}: {action.kind.value} refused: {exc}")
                        session.add(action)
                        session.commit()
                        continue
                    action.block = receipt["blockNumber"]
                    action.tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
                action.state = ActionState.DONE
                licence.status = target
                session.add_all([action, licence])
                session.commit()
                report.actions += 1

    def _send(self, action: StatusAction, leaf: AnchoredLeaf, account, session: Session):  # type: ignore[no-untyped-def]
        registry = self.contracts.registry
        if action.kind is ActionKind.SUPERSEDE:
            successor = session.get(Licence, action.successor_id)
            return registry.supersede(
                account, leaf, anchored_leaf(successor, session.get(Batch, successor.batch_id)), action.reason
            )
        send = {
            ActionKind.SUSPEND: registry.suspend,
            ActionKind.REINSTATE: registry.reinstate,
            ActionKind.REVOKE: registry.revoke,
        }[action.kind]
        return send(account, leaf, action.reason)
