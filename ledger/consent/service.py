"""The consent-gated distribution service: cases, QR requests, consent, pulls, holder history,
revocation notices, archive hand-off. HTTP-free: the API (api/) and the demo call it.

Data flow: window opens a case -> creates a request (QR with a one-time token) -> holder views
it, asks for a challenge binding their choice, signs it with a passkey (or enters a PIN) ->
receipt logged in `access` -> window pulls each granted licence once -> pull logged in
`access` -> case closed into the archive."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from ledger import identifiers
from ledger.catalog.queries import get_matter
from ledger.consent.accounts import HolderAccounts, _client_challenge
from ledger.consent.base import Staff
from ledger.consent.errors import Conflict, Expired, Forbidden, Invalid, Unknown
from ledger.consent.handoff import CaseHandoff
from ledger.consent.history import HolderHistory
from ledger.consent.receipts import (
    RECEIPT_FORMAT,
    STATEMENT_FORMAT,
    USE_COPY_FORMAT,
    canonical,
    challenge_for,
    sign,
)
from ledger.consent.use_copy import body_section, hidden_fields, stamp_text
from ledger.errors import LedgerError
from ledger.licences.bodies import Erased
from ledger.licences.issuance import holder_key as make_holder_key
from ledger.licences.package import build_package
from ledger.licences.verify import verify_licence
from ledger.models import (
    Batch,
    ConsentRequest,
    Licence,
    LicenceGrant,
    LicenceType,
    Matter,
    MatterLicence,
    RequestState,
    ServiceCase,
    as_utc,
    utcnow,
)

CODE_ATTEMPTS = 3
MAX_PURPOSE = 200


__all__ = ["ConsentService", "Staff"]


class ConsentService(HolderAccounts, HolderHistory, CaseHandoff):
    """The whole service: holder accounts, history and hand-off are its parts (mixins over
    ConsentBase); cases, requests, consent and pulls are here."""

    # ----- cases and requests (window staff) -----

    def open_case(self, staff: Staff, matter_code: str, code_type: str, code: str) -> ServiceCase:
        """A case for a matter and a holder. Says nothing about whether the holder has licences
        (no existence oracle): that is known only after the holder consents."""
        if code_type not in identifiers.HOLDER_CODE_TYPES:
            raise Invalid(f"holder.code_type: expected one of {sorted(identifiers.HOLDER_CODE_TYPES)}")
        if not identifiers.check_holder_code(code_type, code).valid:
            raise Invalid("holder.code: not a valid code of this type")
        holder_key = make_holder_key(code_type, code)
        with self._session() as session:
            try:
                get_matter(session, matter_code)
            except LedgerError:
                raise Invalid("matter_code: no such matter in the catalog") from None
            now = utcnow()
            case = ServiceCase(
                id=secrets.token_urlsafe(12),
                case_number=f"{self.settings.archive_fonds}{now:%Y%m%d%H%M%S}{secrets.randbelow(10**6):06d}",
                matter_code=matter_code,
                holder_key=holder_key,
                holder_ref=self.refs.ref(holder_key),
                window=staff.window,
                department=staff.department,
                staff=staff.subject,
                opened_at=now,
            )
            session.add(case)
            session.commit()
            session.refresh(case)
        return case

    def case_for(self, staff: Staff, case_id: str) -> ServiceCase:
        with self._session() as session:
            case = session.get(ServiceCase, case_id)
        if case is None or case.window != staff.window:
            raise Unknown("case: no such case at this window")
        return case

    def create_request(self, staff: Staff, case_id: str, purpose: str) -> tuple[ConsentRequest, str]:
        """An authorisation request for the case's matter; (request, one-time token)."""
        purpose = (purpose or "").strip()
        if not purpose or len(purpose) > MAX_PURPOSE:
            raise Invalid(f"purpose: 1 to {MAX_PURPOSE} characters")
        case = self.case_for(staff, case_id)
        if case.closed_at is not None:
            raise Conflict("case: closed")
        with self._session() as session:
            links = session.execute(
                select(MatterLicence, LicenceType)
                .join(LicenceType, LicenceType.code == MatterLicence.type_code)
                .where(MatterLicence.matter_code == case.matter_code)
                .order_by(MatterLicence.type_code)
            ).all()
            items = [
                {
                    "type_code": link.type_code,
                    "type_name": t.name,
                    "required": link.required,
                    "sensitive": t.sensitive,
                    "fields": list(link.fields),
                    "field_labels": _labels(t, link.fields),
                }
                for link, t in links
            ]
            token = secrets.token_urlsafe(32)
            now = utcnow()
            request = ConsentRequest(
                id=secrets.token_urlsafe(12),
                case_id=case.id,
                token_hash=_token_hash(token),
                confirmation_code=f"{secrets.randbelow(10**6):06d}",
                purpose=purpose,
                items=items,
                consent_version=self.settings.consent_text_version,
                created_at=now,
                expires_at=now + timedelta(minutes=self.settings.request_minutes),
            )
            session.add(request)
            session.commit()
            session.refresh(request)
        return request, token

    def consent_url(self, token: str) -> str:
        return f"{self.settings.public_url.rstrip('/')}/c/{token}"

    def request_for(self, staff: Staff, request_id: str) -> tuple[ConsentRequest, ServiceCase]:
        with self._session() as session:
            request = session.get(ConsentRequest, request_id)
            case = session.get(ServiceCase, request.case_id) if request else None
        if request is None or case is None or case.window != staff.window:
            raise Unknown("request: no such request at this window")
        return request, case

    def request_status(self, staff: Staff, request_id: str) -> dict[str, Any]:
        request, case = self.request_for(staff, request_id)
        with self._session() as session:
            grants = session.execute(
                select(LicenceGrant, Licence.identifier)
                .join(Licence, Licence.id == LicenceGrant.licence_id)
                .where(LicenceGrant.request_id == request.id)
                .order_by(LicenceGrant.id)
            ).all()
        return {
            "request": request.id,
            "case": case.id,
            "state": request.state.value,
            "expires_at": as_utc(request.expires_at).isoformat(),
            "grants": [
                {
                    "type_code": g.type_code,
                    "identifier": identifier,
                    "expires_at": as_utc(g.expires_at).isoformat(),
                    "used": g.used_at is not None,
                }
                for g, identifier in grants
            ],
        }

    # ----- the holder's side of a request -----

    def _by_token(self, session: Session, token: str, *, for_update: bool = False) -> ConsentRequest:
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            raise Unknown("token: unknown request")
        query = select(ConsentRequest).where(ConsentRequest.token_hash == _token_hash(token))
        if for_update:
            query = query.with_for_update()
        request = session.execute(query).scalar_one_or_none()
        if request is None:
            raise Unknown("token: unknown request")
        return request

    def _pending(self, request: ConsentRequest) -> None:
        if request.state is not RequestState.PENDING:
            raise Conflict(f"request: already {request.state.value}; the QR code is single use")
        if as_utc(request.expires_at) < utcnow():
            raise Expired("request: expired; ask the window for a new QR code")

    def holder_view(self, token: str) -> dict[str, Any]:
        """What the holder's consent page shows: who asks, for what, which fields, until when.
        Nothing about the holder (which licences they hold, whether they enrolled): the window that
        made the QR code holds the same token."""
        with self._session() as session:
            request = self._by_token(session, token)
            self._pending(request)
            case = session.get(ServiceCase, request.case_id)
            assert case is not None
            matter = get_matter(session, case.matter_code)
        return {
            "request": request.id,
            "window": case.window,
            "department": case.department,
            "matter": {"code": matter.code, "name": matter.name},
            "case_number": case.case_number,
            "purpose": request.purpose,
            "confirmation_code": request.confirmation_code,
            "consent_version": request.consent_version,
            "expires_at": as_utc(request.expires_at).isoformat(),
            "grant_minutes": self.settings.grant_minutes,
            "single_use": True,
            "items": request.items,
            "methods": ["passkey", "pin"],
        }

    def challenge(
        self, token: str, approve: list[str], sensitive_consent: list[str], confirmation_code: str
    ) -> dict[str, Any]:
        """Bind the holder's choice into a statement; its digest is the WebAuthn challenge."""
        with self._session() as session, session.begin():
            request = self._by_token(session, token, for_update=True)
            self._pending(request)
            self._check_code(session, request, confirmation_code)
            case = session.get(ServiceCase, request.case_id)
            assert case is not None
            requested = {i["type_code"]: i for i in request.items}
            if not isinstance(approve, list) or not approve or not all(isinstance(t, str) for t in approve):
                raise Invalid("approve: list the licence types you consent to (at least one)")
            for type_code in approve:
                if type_code not in requested:
                    raise Invalid(f"approve: {type_code} was not requested")
                if requested[type_code]["sensitive"] and type_code not in (sensitive_consent or []):
                    raise Invalid(
                        f"sensitive_consent: {type_code} is sensitive personal information and needs separate consent"
                    )
            statement = {
                "format": STATEMENT_FORMAT,
                "request": request.id,
                "case_number": case.case_number,
                "matter": case.matter_code,
                "window": case.window,
                "department": case.department,
                "staff": case.staff,
                "purpose": request.purpose,
                "holder_ref": case.holder_ref,
                "confirmation_code": request.confirmation_code,
                "consent_version": request.consent_version,
                "items": [
                    {
                        "type_code": t,
                        "fields": requested[t]["fields"],
                        "sensitive": requested[t]["sensitive"],
                    }
                    for t in sorted(set(approve))
                ],
                "grant_minutes": self.settings.grant_minutes,
                "single_use": True,
                "nonce": os.urandom(16).hex(),
            }
            request.statement = canonical(statement).decode()
            request.challenge = challenge_for(statement)
            session.add(request)
            credentials = self._allowed(session, case.holder_key)
            challenge = bytes(request.challenge)
        return {"statement": statement, "publicKey": self.rp.assertion_options(challenge, credentials)}

    def _check_code(self, session: Session, request: ConsentRequest, code: str) -> None:
        if hmac.compare_digest(str(code or ""), request.confirmation_code):
            return
        request.failures += 1
        if request.failures >= CODE_ATTEMPTS:  # a relayed QR gets three guesses, then it is dead
            request.state = RequestState.DECLINED
            request.decided_at = utcnow()
        session.add(request)
        session.commit()
        raise Invalid("confirmation_code: does not match the code shown at the window")

    def approve(self, token: str, *, credential: Any = None, pin: str | None = None) -> dict[str, Any]:
        """Verify the holder's signature (passkey) or PIN over the bound statement, store and log
        the receipt, and create one single-use grant per consented licence."""
        with self._session() as session, session.begin():
            request = self._by_token(session, token, for_update=True)
            self._pending(request)
            if request.challenge is None or request.statement is None:
                raise Conflict("request: ask for a challenge first (it binds your choice)")
            challenge, statement = bytes(request.challenge), json.loads(request.statement)
            request.challenge = None  # single use: a failed or replayed answer needs a new challenge
            case = session.get(ServiceCase, request.case_id)
            assert case is not None
            if credential is not None:
                try:
                    if _client_challenge(credential) != challenge:
                        raise Invalid("credential: signs another challenge (reused or mismatched)")
                    passkey = self._check_assertion(session, credential, challenge, case.holder_key)
                except Invalid:
                    session.add(request)
                    session.commit()
                    raise
                method = {
                    "method": "passkey",
                    "credential_id": passkey.credential_id,
                    "assertion": credential["response"],
                }
            elif pin is not None:
                self._check_pin(session, request, case.holder_key, pin)
                method = {"method": "pin"}
            else:
                raise Invalid("credential: a passkey assertion or a pin is required")
            now = utcnow()
            available = self._available(
                session, case.holder_key, [i["type_code"] for i in statement["items"]]
            )
            granted = sorted(
                (lic for group in available.values() for lic in group), key=lambda lic: lic.identifier
            )
            receipt = sign(
                {
                    "format": RECEIPT_FORMAT,
                    "statement": statement,
                    "statement_sha256": hashlib.sha256(canonical(statement)).hexdigest(),
                    "authentication": method,
                    "granted": [lic.identifier for lic in granted],
                    "approved_at": now.isoformat(),
                    "grant_expires_at": (now + timedelta(minutes=self.settings.grant_minutes)).isoformat(),
                },
                self._key,
                self.key_id,
            )
            index = self.s.logs.log("access").append_many(
                [canonical({"type": "consent", "receipt": receipt})], session=session
            )[0]
            request.state, request.decided_at = RequestState.APPROVED, now
            request.receipt, request.receipt_log_index = canonical(receipt).decode(), index
            session.add(request)
            expires = now + timedelta(minutes=self.settings.grant_minutes)
            for licence in granted:
                session.add(
                    LicenceGrant(
                        request_id=request.id,
                        licence_id=licence.id,
                        type_code=licence.type_code,
                        window=case.window,
                        expires_at=expires,
                    )
                )
        self._checkpoint_access(index + 1)
        return {"receipt": receipt, "access_log_index": index}

    def decline(self, token: str) -> None:
        with self._session() as session, session.begin():
            request = self._by_token(session, token, for_update=True)
            self._pending(request)
            case = session.get(ServiceCase, request.case_id)
            assert case is not None
            now = utcnow()
            entry = {
                "type": "decline",
                "request": request.id,
                "holder_ref": case.holder_ref,
                "at": now.isoformat(),
            }
            self.s.logs.log("access").append_many([canonical(entry)], session=session)
            request.state, request.decided_at, request.challenge = RequestState.DECLINED, now, None
            session.add(request)

    # ----- pulls (window staff) -----

    def pull(
        self, staff: Staff, request_id: str, type_code: str, identifier: str | None = None
    ) -> dict[str, Any]:
        """The use copy of one consented licence: once, before the grant expires, at the window
        that asked. Verified against the chain; logged in `access`."""
        with self._pull_slots:
            return self._pull(staff, request_id, type_code, identifier)

    def _pull(self, staff: Staff, request_id: str, type_code: str, identifier: str | None) -> dict[str, Any]:
        with self._session() as session:  # every read in one session (the hot path)
            found = session.execute(
                select(ConsentRequest, ServiceCase, Matter)
                .join(ServiceCase, ServiceCase.id == ConsentRequest.case_id)
                .outerjoin(Matter, Matter.code == ServiceCase.matter_code)
                .where(ConsentRequest.id == request_id)
            ).first()
            if found is None or found[1].window != staff.window:
                raise Unknown("request: no such request at this window")
            request, case, matter = found
            if request.state is not RequestState.APPROVED:
                raise Conflict(f"request: {request.state.value}, not approved")
            item = next((i for i in request.items if i["type_code"] == type_code), None)
            query = (
                select(LicenceGrant, Licence, Batch)
                .join(Licence, Licence.id == LicenceGrant.licence_id)
                .outerjoin(Batch, Batch.id == Licence.batch_id)
                .where(LicenceGrant.request_id == request.id, LicenceGrant.type_code == type_code)
            )
            if identifier is not None:
                query = query.where(Licence.identifier == identifier)
            rows = session.execute(query.order_by(LicenceGrant.id)).all()
            if item is None or not rows:
                raise Forbidden("type_code: the holder did not consent to this licence for this request")
            if identifier is None and len(rows) > 1:
                raise Invalid("identifier: the holder has several licences of this type; name one")
            grant, licence, batch = rows[0]
            now = utcnow()
            if grant.used_at is not None:
                raise Conflict("grant: already used; a consent allows one pull")
            if as_utc(grant.expires_at) < now:
                raise Expired("grant: expired; ask the holder again")
            if matter is None:
                matter = get_matter(session, case.matter_code)  # raises NotFound
        if batch is None or batch.chain_id is None:
            raise Conflict("licence: not anchored yet")
        package = build_package(licence, batch, self.s.contracts.registry.address)
        copy = package.redact(hidden_fields(package, item["fields"]))
        body = self.s.bodies.open_licence(licence) if licence.body_ref else None
        result = verify_licence(
            copy,
            registry=self.s.contracts.registry,
            bodies=(lambda _p: body) if body is not None else None,  # noqa: ARG005
        )
        stamp = {
            "purpose": request.purpose,
            "matter": case.matter_code,
            "matter_name": matter.name,
            "case_number": case.case_number,
            "window": case.window,
            "department": case.department,
            "staff": staff.subject,
            "pulled_at": now.isoformat(timespec="seconds"),
            "valid_until": as_utc(grant.expires_at).isoformat(timespec="seconds"),
            "receipt_log_index": request.receipt_log_index,
        }
        use_copy: dict[str, Any] = {
            "format": USE_COPY_FORMAT,
            "stamp": stamp,
            "licence": copy.to_json(),
            "verification": result.to_json(),
            "body": None
            if body is None or isinstance(body, Erased)
            else body_section(body, licence.body_type, stamp_text(stamp)),
        }
        use_copy = sign(use_copy, self._key, self.key_id)
        digest = hashlib.sha256(canonical(use_copy)).hexdigest()
        entry = {
            "type": "pull",
            "request": request.id,
            "receipt_log_index": request.receipt_log_index,
            "licence": licence.identifier,
            "type_code": type_code,
            "fields": sorted(copy.disclosed()),
            "matter": case.matter_code,
            "case_number": case.case_number,
            "window": case.window,
            "department": case.department,
            "staff": staff.subject,
            "holder_ref": case.holder_ref,
            "valid": result.valid,
            "use_copy_sha256": digest,
            "at": now.isoformat(),
        }
        kept = {k: v for k, v in use_copy.items() if k != "body"}
        if use_copy["body"] is not None:
            kept["body"] = {k: v for k, v in use_copy["body"].items() if k != "data"}
        with self._pull_writes, self._session() as session, session.begin():
            # Claim first: on SQLite this first write takes the database's write lock, so the
            # log head that the append then reads is current even with several server processes
            # (pysqlite begins a transaction only at the first write).
            claimed = session.execute(
                update(LicenceGrant)
                .where(LicenceGrant.id == grant.id, LicenceGrant.used_at.is_(None))
                .values(used_at=now, use_copy=canonical(kept).decode())
            ).rowcount
            if claimed != 1:  # a concurrent pull won the race
                raise Conflict("grant: already used; a consent allows one pull")
            index = self.s.logs.log("access").append_many([canonical(entry)], session=session)[0]
            session.execute(
                update(LicenceGrant).where(LicenceGrant.id == grant.id).values(access_log_index=index)
            )
        self._checkpoint_access(index + 1)
        return {"use_copy": use_copy, "access_log_index": index, "use_copy_sha256": digest}


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(b"certledger/request-token\x00" + token.encode()).digest()


def _labels(t: LicenceType, fields: list[str]) -> dict[str, str]:
    labels = {f["name"]: f.get("label", f["name"]) for f in t.face_schema}
    labels.update(
        {"CZZT": "持证主体", "CZZTDM": "持证主体代码", "ZZBH": "证照编号", "ZZYXQJZRQ": "有效期截止日期"}
    )
    return {name: labels.get(name, name) for name in fields}
