"""Closing a case: its receipts, use copies and access records become an archival package."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ledger.catalog.queries import get_matter
from ledger.consent.base import ConsentBase, Staff
from ledger.consent.errors import Conflict
from ledger.models import (
    ArchiveRecord,
    ConsentRequest,
    LicenceGrant,
    ServiceCase,
    as_utc,
    utcnow,
)


class CaseHandoff(ConsentBase):
    # ----- archive hand-off -----

    def close_case(self, staff: Staff, case_id: str) -> dict[str, Any]:
        """Close the case and archive it: use copies, consent receipts and access records."""
        case = self.case_for(staff, case_id)
        if case.closed_at is not None:
            raise Conflict(f"case: already closed (archive {case.archive_no})")
        with self._session() as session:
            done = session.execute(
                select(ArchiveRecord).where(ArchiveRecord.case_number == case.case_number)
            ).scalar_one_or_none()
        if done is not None:  # archived, then interrupted before the case was marked: finish that
            return self._mark_closed(case, done, as_utc(done.created_at))
        with self._session() as session:
            requests = list(
                session.execute(
                    select(ConsentRequest)
                    .where(ConsentRequest.case_id == case.id, ConsentRequest.receipt.is_not(None))
                    .order_by(ConsentRequest.created_at)
                ).scalars()
            )
            grants = list(
                session.execute(
                    select(LicenceGrant)
                    .where(
                        LicenceGrant.request_id.in_([r.id for r in requests]),
                        LicenceGrant.used_at.is_not(None),
                    )
                    .order_by(LicenceGrant.id)
                ).scalars()
            )
            matter = get_matter(session, case.matter_code)
        if not grants:
            raise Conflict("case: nothing was pulled; there is nothing to archive")
        now = utcnow()
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            files = []
            for n, request in enumerate(requests):
                (folder / f"consent-{n + 1}.json").write_text(request.receipt or "", "utf-8")
                files.append(
                    {"path": f"consent-{n + 1}.json", "title": "授权同意凭证", "kind": "consent_receipt"}
                )
            access = []
            for n, grant in enumerate(grants):
                (folder / f"use-copy-{n + 1}.json").write_text(grant.use_copy or "", "utf-8")
                files.append(
                    {
                        "path": f"use-copy-{n + 1}.json",
                        "title": f"证照加注件 {grant.type_code}",
                        "kind": "licence_use_copy",
                    }
                )
                log = self.s.logs.log("access")
                access.append(
                    {
                        "index": grant.access_log_index,
                        "entry": json.loads(log.entry(grant.access_log_index)),
                    }
                )
            (folder / "access-records.json").write_text(
                json.dumps(access, ensure_ascii=False, indent=1), "utf-8"
            )
            files.append({"path": "access-records.json", "title": "用证记录", "kind": "access_record"})
            record = {
                "matter_code": case.matter_code,
                "matter_name": matter.name,
                "case_number": case.case_number,
                "window": case.window,
                "staff": case.staff,
                "department": case.department,
                "holder_ref": case.holder_ref,
                "opened_at": as_utc(case.opened_at).isoformat(),
                "closed_at": now.isoformat(),
                "files": files,
            }
            (folder / "case.json").write_text(json.dumps(record, ensure_ascii=False), "utf-8")
            archived = self.s.archive.add(
                folder,
                fonds=self.settings.archive_fonds,
                retention=self.settings.archive_retention.get(case.matter_code, "Y30"),
                created_by=self.settings.archive_unit,
                archivist=self.settings.archivist,
            )
        return self._mark_closed(case, archived, now)

    def _mark_closed(self, case: ServiceCase, archived: ArchiveRecord, when: datetime) -> dict[str, Any]:
        with self._session() as session, session.begin():
            row = session.get(ServiceCase, case.id)
            assert row is not None
            row.closed_at, row.archive_no = when, archived.archive_no
            session.add(row)
        return {"case": case.id, "archive_no": archived.archive_no, "log_index": archived.log_index}
