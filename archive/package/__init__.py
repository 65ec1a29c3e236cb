"""Archival packages of finished case files: build, sign, and check the four properties.

A package is a BagIt bag (RFC 8493, made with the Library of Congress ``bagit`` package)
holding the case files and ``data/case.json`` as payload, plus a signed EEP-style metadata
file ``metadata/eep.xml`` (DA/T 48-2009 structure) as a tag file. :func:`check_package` runs
the DA/T 70-2018 four-property check (真实性 / 完整性 / 可用性 / 安全性). No database, no chain,
no network. Format and check table: docs/archive-package.md.

Example::

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from archive.package import Signer, build_package, check_package, load_case

    key = Ed25519PrivateKey.generate()
    info = build_package(load_case("case-dir"), "out/DX01-2026-Y30-000042", archive_no=42,
                         fonds="DX01", year=2026, retention="Y30", created_by="大兴区政务服务中心",
                         signer=Signer("档案员 王某", key))
    items = check_package(info.bag_dir, public_key=key.public_key(), expected=info.expected())
    assert all(i.outcome != "FAIL" for i in items)
"""

from __future__ import annotations

from archive.package.archive_no import ArchiveNumber, Retention
from archive.package.build import build_package, package_digest, package_listing
from archive.package.case import Case, CaseFile, FileKind, load_case
from archive.package.check import check_package, inspect_package
from archive.package.eep import Signer, key_fingerprint
from archive.package.errors import PackageError
from archive.package.formats import ALLOWED_FORMATS, detect_format
from archive.package.models import (
    CheckItem,
    CheckReport,
    ExpectedPackage,
    FileEntry,
    FixityEvent,
    Outcome,
    PackageInfo,
    Property,
)

__all__ = [
    "ALLOWED_FORMATS",
    "ArchiveNumber",
    "Case",
    "CaseFile",
    "CheckItem",
    "CheckReport",
    "ExpectedPackage",
    "FileEntry",
    "FileKind",
    "FixityEvent",
    "Outcome",
    "PackageError",
    "PackageInfo",
    "Property",
    "Retention",
    "Signer",
    "build_package",
    "check_package",
    "detect_format",
    "inspect_package",
    "key_fingerprint",
    "load_case",
    "package_digest",
    "package_listing",
]
