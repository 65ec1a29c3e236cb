"""Reading the catalog: licence types, matters, a matter's licence list, who may issue a type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from ledger.errors import NotFound
from ledger.models import Authority, IssuerGrant, LicenceType, Matter, MatterLicence

__all__ = [
    "LicenceListEntry",
    "get_matter",
    "get_type",
    "issuers_for",
    "licence_list",
    "list_matters",
    "list_types",
]

_HINT = "is the catalog loaded? Run: certledger catalog load"


@dataclass(frozen=True)
class LicenceListEntry:
    """One line of a matter's licence list (用证清单), with the type's name and flags."""

    matter_code: str
    type_code: str
    type_name: str
    department: str
    holder_category: str
    sensitive: bool
    required: bool
    fields: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "matter_code": self.matter_code,
            "type_code": self.type_code,
            "type_name": self.type_name,
            "department": self.department,
            "holder_category": self.holder_category,
            "sensitive": self.sensitive,
            "required": self.required,
            "fields": list(self.fields),
        }


def get_type(session: Session, code: str) -> LicenceType:
    """The licence type `code`; NotFound if the catalog has no such type."""
    found = session.get(LicenceType, code)
    if found is None:
        raise NotFound(f"licence type {code!r} is not in the catalog; {_HINT}")
    return found


def get_matter(session: Session, code: str) -> Matter:
    """The matter `code`; NotFound if the catalog has no such matter."""
    found = session.get(Matter, code)
    if found is None:
        raise NotFound(f"matter {code!r} is not in the catalog; {_HINT}")
    return found


def list_types(
    session: Session, type_code: str | None = None, matter_code: str | None = None
) -> list[LicenceType]:
    """Licence types by code; only `type_code` if given; only those `matter_code` needs if given."""
    query = select(LicenceType).order_by(LicenceType.code)
    if type_code is not None:
        get_type(session, type_code)
        query = query.where(LicenceType.code == type_code)
    if matter_code is not None:
        get_matter(session, matter_code)
        used = select(MatterLicence.type_code).where(MatterLicence.matter_code == matter_code)
        query = query.where(LicenceType.code.in_(used))  # type: ignore[attr-defined]
    return list(session.exec(query).all())


def list_matters(
    session: Session, matter_code: str | None = None, type_code: str | None = None
) -> list[Matter]:
    """Matters by code; only `matter_code` if given; only those that use `type_code` if given."""
    query = select(Matter).order_by(Matter.code)
    if matter_code is not None:
        get_matter(session, matter_code)
        query = query.where(Matter.code == matter_code)
    if type_code is not None:
        get_type(session, type_code)
        using = select(MatterLicence.matter_code).where(MatterLicence.type_code == type_code)
        query = query.where(Matter.code.in_(using))  # type: ignore[attr-defined]
    return list(session.exec(query).all())


def licence_list(session: Session, matter_code: str) -> list[LicenceListEntry]:
    """The matter's licence list: required types first, then by type code."""
    get_matter(session, matter_code)
    rows = session.exec(
        select(MatterLicence, LicenceType)
        .join(LicenceType, LicenceType.code == MatterLicence.type_code)  # type: ignore[arg-type]
        .where(MatterLicence.matter_code == matter_code)
    ).all()
    entries = [
        LicenceListEntry(
            matter_code=link.matter_code,
            type_code=link.type_code,
            type_name=licence_type.name,
            department=licence_type.department,
            holder_category=licence_type.holder_category,
            sensitive=licence_type.sensitive,
            required=link.required,
            fields=tuple(link.fields),
        )
        for link, licence_type in rows
    ]
    return sorted(entries, key=lambda e: (not e.required, e.type_code))


def issuers_for(session: Session, type_code: str) -> list[Authority]:
    """The authorities granted to issue `type_code`, by USCC."""
    get_type(session, type_code)
    query = (
        select(Authority)
        .join(IssuerGrant, IssuerGrant.issuer_uscc == Authority.uscc)  # type: ignore[arg-type]
        .where(IssuerGrant.type_code == type_code)
        .order_by(Authority.uscc)
    )
    return list(session.exec(query).all())
