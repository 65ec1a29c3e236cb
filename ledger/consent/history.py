"""What holders and windows read afterwards: a holder's consents and uses, withdrawal, and the
status changes pushed to windows that pulled a licence."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select, update

from ledger.consent.base import ConsentBase, Staff
from ledger.consent.errors import Conflict, Unknown
from ledger.consent.receipts import (
    canonical,
)
from ledger.models import (
    ActionState,
    ConsentRequest,
    Licence,
    LicenceGrant,
    RequestState,
    ServiceCase,
    StatusAction,
    as_utc,
    utcnow,
)


class HolderHistory(ConsentBase):
    # ----- holder history, withdrawal -----

    def history(self, holder_key: str) -> dict[str, Any]:
        """Every consent and every use of the holder's licences (who, when, matter, window, fields)."""
        with self._session() as session:
            rows = session.execute(
                select(ConsentRequest, ServiceCase)
                .join(ServiceCase, ServiceCase.id == ConsentRequest.case_id)
                .where(ServiceCase.holder_key == holder_key)
                .order_by(ConsentRequest.created_at.desc())
            ).all()
            uses = session.execute(
                select(LicenceGrant, Licence.identifier, ServiceCase)
                .join(Licence, Licence.id == LicenceGrant.licence_id)
                .join(ConsentRequest, ConsentRequest.id == LicenceGrant.request_id)
                .join(ServiceCase, ServiceCase.id == ConsentRequest.case_id)
                .where(ServiceCase.holder_key == holder_key, LicenceGrant.used_at.is_not(None))
                .order_by(LicenceGrant.used_at.desc())
            ).all()
        consents = []
        for request, case in rows:
            if request.state is RequestState.PENDING and as_utc(request.expires_at) < utcnow():
                continue  # never answered: nothing was consented
            consents.append(
                {
                    "request": request.id,
                    "state": request.state.value,
                    "matter": case.matter_code,
                    "case_number": case.case_number,
                    "window": case.window,
                    "department": case.department,
                    "staff": case.staff,
                    "purpose": request.purpose,
                    "decided_at": as_utc(request.decided_at).isoformat() if request.decided_at else None,
                    "receipt_log_index": request.receipt_log_index,
                    "types": [i["type_code"] for i in json.loads(request.statement or "{}").get("items", [])],
                }
            )
        return {
            "consents": consents,
            "uses": [
                {
                    "licence": identifier,
                    "type_code": grant.type_code,
                    "at": as_utc(grant.used_at).isoformat(),
                    "matter": case.matter_code,
                    "case_number": case.case_number,
                    "window": case.window,
                    "department": case.department,
                    "staff": case.staff,
                    "fields": _disclosed(grant.use_copy),
                    "access_log_index": grant.access_log_index,
                }
                for grant, identifier, case in uses
            ],
        }

    def withdraw(self, holder_key: str, request_id: str) -> None:
        """Withdraw an approved consent none of whose grants was used."""
        with self._session() as session, session.begin():
            request = session.get(ConsentRequest, request_id)
            case = session.get(ServiceCase, request.case_id) if request else None
            if request is None or case is None or case.holder_key != holder_key:
                raise Unknown("request: none of your consents")
            if request.state is not RequestState.APPROVED:
                raise Conflict(f"request: {request.state.value}; only an approved consent can be withdrawn")
            used = session.execute(
                select(func.count()).where(
                    LicenceGrant.request_id == request.id, LicenceGrant.used_at.is_not(None)
                )
            ).scalar_one()
            if used:
                raise Conflict("request: a licence was already pulled under this consent")
            now = utcnow()
            entry = {
                "type": "withdrawal",
                "request": request.id,
                "receipt_log_index": request.receipt_log_index,
                "holder_ref": case.holder_ref,
                "at": now.isoformat(),
            }
            self.s.logs.log("access").append_many([canonical(entry)], session=session)
            request.state = RequestState.WITHDRAWN
            session.add(request)
            session.execute(
                update(LicenceGrant).where(LicenceGrant.request_id == request.id).values(expires_at=now)
            )

    # ----- revocation notices (windows) -----

    def notices(self, staff: Staff, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Status changes (revoked, suspended, ...) of licences this window pulled, in order.
        Derived from the confirmed status actions, so changes made anywhere (CLI, API) reach it."""
        with self._session() as session:
            rows = session.execute(
                select(StatusAction, Licence.identifier, LicenceGrant.request_id, LicenceGrant.used_at)
                .join(Licence, Licence.id == StatusAction.licence_id)
                .join(LicenceGrant, LicenceGrant.licence_id == StatusAction.licence_id)
                .where(
                    StatusAction.state == ActionState.DONE,
                    StatusAction.id > after,
                    LicenceGrant.window == staff.window,
                    LicenceGrant.used_at.is_not(None),
                )
                .order_by(StatusAction.id)
                .limit(limit)
            ).all()
        notices: dict[int, dict[str, Any]] = {}
        for action, identifier, request_id, used_at in rows:  # one notice per change, however often pulled
            notices.setdefault(
                action.id,
                {
                    "id": action.id,
                    "licence": identifier,
                    "change": action.kind.value.lower(),
                    "reason": action.reason,
                    "block": action.block,
                    "request": request_id,
                    "pulled_at": as_utc(used_at).isoformat(),
                },
            )
        return list(notices.values())


def _disclosed(use_copy: str | None) -> list[str]:
    """The field names a kept use copy disclosed."""
    fields = json.loads(use_copy)["licence"]["fields"] if use_copy else {}
    return sorted(name for name, f in fields.items() if "value" in f)
