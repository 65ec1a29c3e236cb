"""Values the archive package hands out: package facts, check items and fixity events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from archive.package.archive_no import ArchiveNumber

__all__ = [
    "CheckItem",
    "CheckReport",
    "ExpectedPackage",
    "FileEntry",
    "FixityEvent",
    "Outcome",
    "PackageInfo",
    "Property",
]


class Property(StrEnum):
    """The four properties of DA/T 70-2018 (四性)."""

    AUTHENTICITY = "真实性"
    INTEGRITY = "完整性"
    USABILITY = "可用性"
    SECURITY = "安全性"

    @property
    def english(self) -> str:
        return self.name.lower()


class Outcome(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    SKIPPED = "SKIPPED"


@dataclass(frozen=True)
class FileEntry:
    """One payload file as the EEP's 文件实体 records it."""

    name: str  # path in the bag, e.g. data/files/application.pdf
    title: str
    kind: str  # a FileKind value, or "case_record" for data/case.json
    size: int
    format: str
    sha256: str
    created_at: datetime


@dataclass(frozen=True)
class ExpectedPackage:
    """What the archive log (or handover list) says the package is; every field is optional."""

    package_digest: str | None = None
    archive_no: str | None = None
    payload_bytes: int | None = None
    payload_files: int | None = None


@dataclass(frozen=True)
class PackageInfo:
    """What :func:`build_package` made."""

    bag_dir: Path
    archive_no: ArchiveNumber
    package_digest: str
    payload_bytes: int
    payload_files: int
    files: tuple[FileEntry, ...]
    packed_at: datetime

    def expected(self) -> ExpectedPackage:
        """The facts to record in the archive log, for a later :func:`check_package`."""
        return ExpectedPackage(
            package_digest=self.package_digest,
            archive_no=str(self.archive_no),
            payload_bytes=self.payload_bytes,
            payload_files=self.payload_files,
        )


@dataclass(frozen=True)
class CheckItem:
    """One line of a four-property check: which property, what was checked, outcome, why."""

    property: Property
    item: str
    outcome: Outcome
    reason: str

    def to_json(self) -> dict[str, str]:
        return {
            "property": self.property.value,
            "property_en": self.property.english,
            "item": self.item,
            "outcome": self.outcome.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class FixityEvent:
    """A PREMIS-style fixity check event for one payload file and one algorithm.

    ``digest`` is the value computed now ("" when the file is missing); ``detail`` says what
    the manifest holds when they differ.
    """

    object: str
    algorithm: str  # PREMIS names: "SHA-256", "SHA-512"
    digest: str
    time: datetime
    outcome: Outcome
    agent: str
    detail: str = ""

    def to_premis(self) -> dict[str, Any]:
        """PREMIS 3 semantic units, as a flat JSON object."""
        return {
            "eventType": "fixity check",
            "eventDateTime": self.time.isoformat(),
            "eventOutcome": "pass" if self.outcome is Outcome.PASS else "fail",
            "eventOutcomeDetailNote": self.detail,
            "linkingObjectIdentifierValue": self.object,
            "messageDigestAlgorithm": self.algorithm,
            "messageDigest": self.digest,
            "linkingAgentIdentifierValue": self.agent,
        }


@dataclass(frozen=True)
class CheckReport:
    """Everything one check produced."""

    bag_dir: Path
    checked_at: datetime
    items: tuple[CheckItem, ...]
    events: tuple[FixityEvent, ...]
    package_digest: str

    @property
    def passed(self) -> bool:
        """True when no item failed (SKIPPED items do not fail a package)."""
        return all(i.outcome is not Outcome.FAIL for i in self.items)

    def failures(self) -> list[CheckItem]:
        return [i for i in self.items if i.outcome is Outcome.FAIL]

    def to_json(self) -> dict[str, Any]:
        return {
            "bag_dir": str(self.bag_dir),
            "checked_at": self.checked_at.isoformat(),
            "passed": self.passed,
            "package_digest": self.package_digest,
            "items": [i.to_json() for i in self.items],
            "fixity_events": [e.to_premis() for e in self.events],
        }
