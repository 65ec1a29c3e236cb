"""Licence status changes: recorded as actions first, then sent to the chain.

An action is a database row before it is a transaction, so a crash cannot lose it; before
sending, the chain is asked whether the change is already there (sent, then crashed), so it is
never sent twice.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from ledger.errors import LedgerError, NotFound
from ledger.models import ActionKind, ActionState, Licence, LicenceState, LicenceStatus, StatusAction

# Reason codes follow the licence status values seen in practice (domain reference §4).
REASONS = {
    1: "valid",
    2: "suspended (暂扣)",
    3: "cancelled (撤销)",
    4: "deregistered (注销)",
    5: "expired (失效)",
    7: "revoked (吊销)",
    99: "other",
}
TARGET = {
    ActionKind.SUSPEND: LicenceStatus.SUSPENDED,
    ActionKind.REINSTATE: LicenceStatus.ACTIVE,
    ActionKind.REVOKE: LicenceStatus.REVOKED,
    ActionKind.SUPERSEDE: LicenceStatus.SUPERSEDED,
}
ALLOWED_FROM = {
    ActionKind.SUSPEND: {LicenceStatus.ACTIVE},
    ActionKind.REINSTATE: {LicenceStatus.SUSPENDED},
    ActionKind.REVOKE: {LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED},
    ActionKind.SUPERSEDE: {LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED},
}


class StatusChangeError(LedgerError):
    """A status change that the licence's current status does not allow."""


def find_licence(session: Session, identifier: str) -> Licence:
    licence = session.execute(select(Licence).where(Licence.identifier == identifier)).scalar_one_or_none()
    if licence is None:
        raise NotFound(f"no licence {identifier}")
    return licence


def queue_change(session: Session, identifier: str, kind: ActionKind, reason: int) -> StatusAction:
    """Record a suspend / reinstate / revoke request; it is sent once the licence is anchored."""
    licence = find_licence(session, identifier)
    pending = _pending(session, licence.id)
    expected = TARGET[pending[-1].kind] if pending else licence.status
    if expected not in ALLOWED_FROM[kind]:
        raise StatusChangeError(
            f"{identifier}: cannot {kind.value.lower()} a licence that is {expected.value}"
        )
    action = StatusAction(licence_id=licence.id, kind=kind, reason=reason)
    session.add(action)
    session.flush()
    return action


def queue_supersede(
    session: Session, old_identifier: str, successor_id: int, reason: int = 1
) -> StatusAction:
    old = find_licence(session, old_identifier)
    action = StatusAction(
        licence_id=old.id, kind=ActionKind.SUPERSEDE, reason=reason, successor_id=successor_id
    )
    session.add(action)
    session.flush()
    return action


def _pending(session: Session, licence_id: int | None) -> list[StatusAction]:
    return list(
        session.execute(
            select(StatusAction)
            .where(StatusAction.licence_id == licence_id, StatusAction.state == ActionState.PENDING)
            .order_by(StatusAction.id)
        ).scalars()
    )


def ready_actions(session: Session) -> list[StatusAction]:
    """Pending actions whose licences (and successor) are anchored, oldest first."""
    actions = session.execute(
        select(StatusAction).where(StatusAction.state == ActionState.PENDING).order_by(StatusAction.id)
    ).scalars()
    ready = []
    for action in actions:
        ids = [action.licence_id] + ([action.successor_id] if action.successor_id else [])
        if all(session.get(Licence, i).state is LicenceState.ANCHORED for i in ids):
            ready.append(action)
    return ready
