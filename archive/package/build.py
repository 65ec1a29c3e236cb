"""Build a BagIt (RFC 8493) archival package for one finished case.

Layout (docs/archive-package.md §2)::

    DX01-2026-Y30-000042/
      bagit.txt                  BagIt-Version: 1.0
      bag-info.txt               Payload-Oxum, Bagging-Date, Source-Organization, External-Identifier, ...
      manifest-sha256.txt        payload digests, sorted by path
      manifest-sha512.txt
      metadata/eep.xml           signed EEP (a tag file)
      tagmanifest-sha256.txt     digests of every tag file above, sorted by path
      tagmanifest-sha512.txt
      data/case.json             the case record
      data/files/<name>          the case files

The bag is made by the Library of Congress ``bagit`` package (``bagit.make_bag``); we then
declare BagIt 1.0, sort the manifests, add the EEP and rewrite the tag manifests, so that
the same case, archive number and key give byte-identical tag files.

Note: ``bagit.make_bag`` changes the process's working directory while it runs; do not
build packages from several threads of one process at once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import bagit

from archive.package import eep
from archive.package.archive_no import ArchiveNumber, Retention
from archive.package.case import CONTROL, Case, load_case
from archive.package.errors import PackageError
from archive.package.formats import detect_format
from archive.package.models import FileEntry, PackageInfo
from ledger.errors import LedgerError

__all__ = [
    "ALGORITHMS",
    "BAGIT_TXT",
    "SOFTWARE_AGENT",
    "build_package",
    "package_digest",
    "package_listing",
    "write_manifests_sorted",
    "write_tag_manifests",
]

ALGORITHMS = ("sha256", "sha512")
BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
SOFTWARE_AGENT = f"certledger archive.package ({eep.PROFILE}) with bagit.py {bagit.VERSION}"
CASE_RECORD = "data/case.json"
_BLOCK = 1 << 20


def build_package(
    case: Case | str | Path,
    out_dir: str | Path,
    *,
    archive_no: int | str | ArchiveNumber,
    fonds: str,
    year: int,
    retention: Retention | str,
    created_by: str,
    signer: eep.Signer,
    packed_at: datetime | None = None,
) -> PackageInfo:
    """Package ``case`` as a signed BagIt bag at ``out_dir`` (which must not exist or be empty).

    ``archive_no`` is the sequence number (composed as ``{fonds}-{year}-{retention}-{seq:06d}``)
    or a full archive number, which must agree with ``fonds``/``year``/``retention``.
    ``created_by`` is the creating unit (封装包创建单位, bag-info Source-Organization).
    ``packed_at`` (package creation and signing time) defaults to the case's ``closed_at`` so
    that rebuilding gives identical bytes. The bag is assembled in a temporary sibling
    directory and renamed into place, so a failed build leaves nothing behind.
    """
    if not isinstance(case, Case):
        case = load_case(case)
    number = ArchiveNumber.compose(archive_no, fonds=fonds, year=year, retention=retention)
    if not isinstance(created_by, str) or not created_by.strip() or CONTROL.search(created_by):
        raise PackageError("must be a non-empty string without control characters", field="created_by")
    if not isinstance(signer, eep.Signer):
        raise PackageError("must be an archive.package.Signer", field="signer")
    packed_at = packed_at or case.closed_at
    if packed_at.tzinfo is None:
        raise PackageError("needs a UTC offset", field="packed_at")
    if packed_at < case.closed_at:
        raise PackageError(f"{packed_at.isoformat()} is before the case closed", field="packed_at")

    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise PackageError(f"{out} exists and is not an empty directory", field="out_dir")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        entries = _assemble(tmp, case, number, created_by, signer, packed_at)
        if out.exists():
            out.rmdir()
        tmp.rename(out)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, LedgerError) or not isinstance(exc, Exception):
            raise
        raise PackageError(f"building {out} failed: {type(exc).__name__}: {exc}") from exc
    return PackageInfo(
        bag_dir=out,
        archive_no=number,
        package_digest=package_digest(out),
        payload_bytes=sum(e.size for e in entries),
        payload_files=len(entries),
        files=tuple(entries),
        packed_at=packed_at,
    )


def _assemble(
    bag: Path, case: Case, number: ArchiveNumber, created_by: str, signer: eep.Signer, packed_at: datetime
) -> list[FileEntry]:
    files_dir = bag / "files"
    files_dir.mkdir()
    for f in case.files:
        try:
            shutil.copyfile(f.source, files_dir / f.name)
        except OSError as exc:
            raise PackageError(f"cannot copy {f.source}: {exc.strerror or exc}") from None
    (bag / "case.json").write_bytes(case.record_bytes())
    bag_info = {
        "Source-Organization": created_by,
        "External-Identifier": str(number),
        "Internal-Sender-Identifier": case.case_number,
        "Bagging-Date": case.closed_at.date().isoformat(),
        "Bag-Software-Agent": SOFTWARE_AGENT,
    }
    bagit.make_bag(str(bag), bag_info=bag_info, processes=1, checksums=list(ALGORITHMS))
    (bag / "bagit.txt").write_bytes(BAGIT_TXT)
    write_manifests_sorted(bag)

    entries = [_entry(bag, CASE_RECORD, "办件元数据", "case_record", packed_at)]
    for f in case.files:
        entries.append(_entry(bag, f.payload_path, f.title, f.kind.value, f.created_at or case.closed_at))
    xml = eep.build_eep(
        case=case,
        archive_no=number,
        entries=entries,
        created_by=created_by,
        packed_at=packed_at,
        signer=signer,
        signed_at=packed_at,
    )
    (bag / "metadata").mkdir()
    (bag / "metadata" / "eep.xml").write_bytes(xml)
    write_tag_manifests(bag)
    return entries


def _entry(bag: Path, name: str, title: str, kind: str, created_at: datetime) -> FileEntry:
    data = (bag / name).read_bytes()
    return FileEntry(
        name=name,
        title=title,
        kind=kind,
        size=len(data),
        format=detect_format(data, name),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=created_at,
    )


def write_manifests_sorted(bag_dir: str | Path, algorithms: Iterable[str] = ALGORITHMS) -> None:
    """Rewrite each ``manifest-<alg>.txt`` with its lines sorted by path (bytewise)."""
    for alg in algorithms:
        path = Path(bag_dir) / f"manifest-{alg}.txt"
        lines = [ln for ln in path.read_text("utf-8").splitlines() if ln.strip()]
        pairs = sorted((ln.split(None, 1) for ln in lines), key=lambda p: p[1].encode("utf-8"))
        path.write_bytes("".join(f"{d}  {p}\n" for d, p in pairs).encode("utf-8"))


def write_tag_manifests(bag_dir: str | Path, algorithms: Iterable[str] = ALGORITHMS) -> None:
    """Write ``tagmanifest-<alg>.txt`` over every file outside ``data/`` except the tag manifests.

    Lines are ``<hex digest>  <path>`` sorted by path, the format ``sha256sum -c`` reads.
    """
    bag = Path(bag_dir)
    tags = [p for p in _regular_files(bag) if not p.startswith("data/") and not _is_tagmanifest(p)]
    for alg in algorithms:
        lines = [f"{_file_digest(bag / p, alg)}  {p}\n" for p in tags]
        (bag / f"tagmanifest-{alg}.txt").write_bytes("".join(lines).encode("utf-8"))


def package_listing(bag_dir: str | Path) -> bytes:
    """``<sha256 hex>  <path>\\n`` for every regular file in the bag, sorted by path (bytewise)."""
    bag = Path(bag_dir)
    return listing_from_digests({p: _file_digest(bag / p, "sha256") for p in _regular_files(bag)})


def listing_from_digests(sha256_by_path: dict[str, str]) -> bytes:
    paths = sorted(sha256_by_path, key=lambda p: p.encode("utf-8"))
    return "".join(f"{sha256_by_path[p]}  {p}\n" for p in paths).encode("utf-8")


def package_digest(bag_dir: str | Path) -> str:
    """SHA-256 (hex) of :func:`package_listing`: covers every byte of every file in the bag.

    Recompute outside Python (GNU coreutils, from inside the bag directory)::

        find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum
    """
    bag = Path(bag_dir)
    if not bag.is_dir():
        raise PackageError(f"{bag} is not a directory", field="bag_dir")
    return hashlib.sha256(package_listing(bag)).hexdigest()


def _regular_files(bag: Path) -> list[str]:
    """Relative POSIX paths of regular files (symbolic links are not followed), sorted bytewise."""
    out = []
    for dirpath, dirnames, filenames in os.walk(bag):
        dirnames.sort()
        for name in filenames:
            full = Path(dirpath) / name
            if full.is_file() and not full.is_symlink():
                out.append(full.relative_to(bag).as_posix())
    return sorted(out, key=lambda p: p.encode("utf-8"))


def _is_tagmanifest(path: str) -> bool:
    return "/" not in path and path.startswith("tagmanifest-") and path.endswith(".txt")


def _file_digest(path: Path, alg: str) -> str:
    h = hashlib.new(alg)
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            h.update(block)
    return h.hexdigest()
