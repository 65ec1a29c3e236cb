"""The four-property check (四性检测, DA/T 70-2018) of one archival package.

:func:`check_package` returns one :class:`CheckItem` per check (table: docs/archive-package.md
§7); :func:`inspect_package` also returns the PREMIS-style fixity events and the package
digest. Nothing here raises for a damaged package: every problem becomes a FAIL item that
names the file, element or field. Only a missing bag directory or an unusable public key
raise :class:`PackageError`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

import bagit
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from archive.package import eep
from archive.package.archive_no import ArchiveNumber
from archive.package.build import ALGORITHMS, CASE_RECORD
from archive.package.case import Case
from archive.package.errors import PackageError
from archive.package.formats import ALLOWED_FORMATS, EXTENSIONS, detect_format, probe
from archive.package.models import (
    CheckItem,
    CheckReport,
    ExpectedPackage,
    FixityEvent,
    Outcome,
    Property,
)
from archive.package.snapshot import BagSnapshot
from ledger.errors import VerificationError

__all__ = ["AGENT", "REQUIRED_BAG_INFO", "REQUIRED_TAG_FILES", "check_package", "inspect_package"]

AGENT = f"certledger archive.package check (bagit.py {bagit.VERSION})"
BAGIT_ITEM = f"BagIt validation (bagit.py {bagit.VERSION}, full)"
REQUIRED_BAG_INFO = ("Payload-Oxum", "Bagging-Date", "Source-Organization", "External-Identifier")
REQUIRED_TAG_FILES = (
    "bagit.txt",
    "bag-info.txt",
    *(f"manifest-{a}.txt" for a in ALGORITHMS),
    "metadata/eep.xml",
)
PREMIS_NAMES = {"sha256": "SHA-256", "sha512": "SHA-512"}
_OXUM = re.compile(r"([0-9]+)\.([0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_NAMED = 10

# bagit.py logs each problem it finds at WARNING; the check reports them as items instead.
logging.getLogger("bagit").addHandler(logging.NullHandler())

AUTH, INTEG, USAB, SEC = Property.AUTHENTICITY, Property.INTEGRITY, Property.USABILITY, Property.SECURITY
PASS, FAIL, SKIPPED = Outcome.PASS, Outcome.FAIL, Outcome.SKIPPED


def check_package(
    bag_dir: str | Path,
    *,
    public_key: Ed25519PublicKey | bytes,
    expected: ExpectedPackage | None = None,
) -> list[CheckItem]:
    """Run the four-property check; one item per check, in property order."""
    return list(inspect_package(bag_dir, public_key=public_key, expected=expected).items)


def inspect_package(
    bag_dir: str | Path,
    *,
    public_key: Ed25519PublicKey | bytes,
    expected: ExpectedPackage | None = None,
    agent: str = AGENT,
    now: datetime | None = None,
) -> CheckReport:
    """:func:`check_package` plus fixity events (PREMIS) and the package digest."""
    root = Path(bag_dir)
    if not root.is_dir():
        raise PackageError(f"{root} is not a directory", field="bag_dir")
    key = _public_key(public_key)
    now = now or datetime.now(UTC)
    bag = BagSnapshot.read(root)
    expected = expected or ExpectedPackage()
    items: list[CheckItem] = []
    for section in (_authenticity, _integrity, _usability, _security):
        items.extend(section(bag, key, expected))
    return CheckReport(
        bag_dir=root,
        checked_at=now,
        items=tuple(items),
        events=tuple(_fixity_events(bag, now, agent)),
        package_digest=bag.package_digest,
    )


def _public_key(value: Ed25519PublicKey | bytes) -> Ed25519PublicKey:
    if isinstance(value, Ed25519PublicKey):
        return value
    if isinstance(value, bytes) and len(value) == 32:
        return Ed25519PublicKey.from_public_bytes(value)
    raise PackageError("must be an Ed25519PublicKey or its 32 raw bytes", field="public_key")


# --- helpers -------------------------------------------------------------------------------


def _names(paths: Iterable[str]) -> str:
    paths = list(paths)
    shown = ", ".join(paths[:_MAX_NAMED])
    return shown + (f" and {len(paths) - _MAX_NAMED} more" if len(paths) > _MAX_NAMED else "")


def _item(prop: Property, item: str, problems: list[str], ok: str) -> CheckItem:
    if problems:
        return CheckItem(prop, item, FAIL, "; ".join(problems))
    return CheckItem(prop, item, PASS, ok)


def _guard(prop: Property, item: str, fn: Callable[[], CheckItem | list[CheckItem]]) -> list[CheckItem]:
    """Run one check; an unexpected exception on hostile input becomes a FAIL, not a crash."""
    try:
        result = fn()
    except Exception as exc:  # the check must report, never stop half-way
        return [CheckItem(prop, item, FAIL, f"check could not run: {type(exc).__name__}: {exc}")]
    return result if isinstance(result, list) else [result]


# --- 真实性 authenticity ---------------------------------------------------------------------


def _authenticity(bag: BagSnapshot, key: Ed25519PublicKey, expected: ExpectedPackage) -> list[CheckItem]:
    out = _guard(AUTH, "package structure", lambda: _structure(bag))
    for alg in ALGORITHMS:
        out += _guard(AUTH, f"payload fixity manifest-{alg}.txt", lambda alg=alg: _payload_fixity(bag, alg))
    for alg in ALGORITHMS:
        out += _guard(AUTH, f"tag fixity tagmanifest-{alg}.txt", lambda alg=alg: _tag_fixity(bag, alg))
    out += _guard(AUTH, BAGIT_ITEM, lambda: _bagit_validation(bag))
    out += _guard(AUTH, "EEP signature", lambda: _signature(bag, key))
    out += _guard(AUTH, "EEP file entries", lambda: _eep_entries(bag))
    out += _guard(AUTH, "archive number (档号)", lambda: _archive_number(bag, expected))
    out += _guard(AUTH, "business metadata (case.json = EEP)", lambda: _business(bag))
    return out


def _structure(bag: BagSnapshot) -> CheckItem:
    problems = []
    if not (bag.root / "data").is_dir():
        problems.append("no data/ directory")
    missing = [
        p for p in (*REQUIRED_TAG_FILES, *(f"tagmanifest-{a}.txt" for a in ALGORITHMS)) if p not in bag.sizes
    ]
    if missing:
        problems.append(f"missing {_names(missing)}")
    if "bagit.txt" in bag.sizes:
        text = (bag.root / "bagit.txt").read_bytes()
        if text != b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n":
            problems.append(f"bagit.txt is not the BagIt 1.0 / UTF-8 declaration: {text[:80]!r}")
    return _item(
        AUTH,
        "package structure",
        problems,
        "bagit.txt (BagIt 1.0, UTF-8), data/, manifests, tag manifests and metadata/eep.xml present",
    )


def _payload_fixity(bag: BagSnapshot, alg: str) -> CheckItem:
    name = f"payload fixity manifest-{alg}.txt"
    m = bag.manifests[alg]
    if m is None:
        return CheckItem(AUTH, name, FAIL, f"manifest-{alg}.txt is missing")
    problems = list(m.problems)
    checked = 0
    for path, digest in m.entries.items():
        if path in bag.digests and path.startswith("data/"):
            checked += 1
            if bag.digests[path][alg] != digest:
                problems.append(
                    f"{path}: digest mismatch (manifest {digest[:16]}…, file {bag.digests[path][alg][:16]}…)"
                )
        elif not path.startswith("data/"):
            problems.append(f"{path}: entry outside data/")
    absent = [p for p in m.entries if p.startswith("data/") and p not in bag.digests]
    note = f"; {len(absent)} listed file(s) absent (see 完整性)" if absent else ""
    return _item(AUTH, name, problems, f"{checked} payload file(s) match their {alg.upper()} digests{note}")


def _tag_fixity(bag: BagSnapshot, alg: str) -> CheckItem:
    name = f"tag fixity tagmanifest-{alg}.txt"
    m = bag.tagmanifests[alg]
    if m is None:
        return CheckItem(AUTH, name, FAIL, f"tagmanifest-{alg}.txt is missing")
    problems = list(m.problems)
    for path, digest in m.entries.items():
        if path not in bag.digests:
            problems.append(f"{path}: listed but missing")
        elif bag.digests[path][alg] != digest:
            problems.append(f"{path}: digest mismatch")
    unlisted = [p for p in bag.tag_files if p not in m.entries]
    if unlisted:
        problems.append(f"tag file(s) not in the tag manifest: {_names(unlisted)}")
    return _item(AUTH, name, problems, f"{len(m.entries)} tag file(s) match: {_names(m.entries)}")


def _bagit_validation(bag: BagSnapshot) -> CheckItem:
    name = BAGIT_ITEM
    try:
        bagit.Bag(str(bag.root)).validate(processes=1, fast=False)
    except bagit.BagValidationError as exc:
        details = "; ".join(str(d) for d in (exc.details or []))
        return CheckItem(AUTH, name, FAIL, f"{exc.message}{': ' + details if details else ''}")
    except bagit.BagError as exc:
        return CheckItem(AUTH, name, FAIL, str(exc))
    return CheckItem(
        AUTH, name, PASS, "structure, Payload-Oxum, completeness and every digest of every manifest"
    )


def _signature(bag: BagSnapshot, key: Ed25519PublicKey) -> CheckItem:
    if bag.eep is None:
        return CheckItem(AUTH, "EEP signature", FAIL, bag.eep_error)
    try:
        eep.verify_eep_signature(bag.eep, key)
    except VerificationError as exc:
        return CheckItem(AUTH, "EEP signature", FAIL, str(exc))
    signer = bag.eep.findtext(f"{eep.SIGNATURE}/签名人") or "?"
    return CheckItem(
        AUTH,
        "EEP signature",
        PASS,
        f"Ed25519 signature by {signer} verifies under {eep.key_fingerprint(key)}",
    )


def _eep_entries(bag: BagSnapshot) -> list[CheckItem]:
    if bag.eep is None:
        return [CheckItem(AUTH, "EEP file entries", FAIL, bag.eep_error)]
    entries = eep.file_entries(bag.eep)
    if not entries:
        return [CheckItem(AUTH, "EEP file entries", FAIL, "the EEP lists no 文件实体")]
    out = []
    for n, e in enumerate(entries, 1):
        path = e["文件名称"]
        item = f"EEP file entry: {path or f'文件实体[{n}]'}"
        problems = []
        if not path.startswith("data/"):
            problems.append(f"文件名称 {path!r} is not a payload path")
        elif path not in bag.sizes:
            problems.append(f"{path} is not in the payload")
        else:
            if e["文件大小"] != str(bag.sizes[path]):
                problems.append(f"{path}: 文件大小 {e['文件大小']} but the file has {bag.sizes[path]} bytes")
            if e["数字摘要"].lower() != bag.digests[path]["sha256"]:
                problems.append(f"{path}: 数字摘要 (SHA-256) differs from the file's")
            fmt = detect_format((bag.root / path).read_bytes(), path)
            if e["格式名称"] != fmt:
                problems.append(f"{path}: 格式名称 {e['格式名称']} but the bytes are {fmt}")
        out.append(_item(AUTH, item, problems, "name, size, format and SHA-256 match the payload file"))
    return out


def _archive_number(bag: BagSnapshot, expected: ExpectedPackage) -> CheckItem:
    name = "archive number (档号)"
    if bag.eep is None:
        return CheckItem(AUTH, name, FAIL, bag.eep_error)
    text = (bag.eep.findtext(f"{eep.SIGNED}/档号") or "").strip()
    try:
        number = ArchiveNumber.parse(text, field="档号")
    except PackageError as exc:
        return CheckItem(AUTH, name, FAIL, f"EEP {exc}")
    problems = []
    parts = {
        "全宗号": number.fonds,
        "年度": f"{number.year:04d}",
        "保管期限": number.retention.value,
    }
    for element, value in parts.items():
        found = (bag.eep.findtext(f"{eep.SIGNED}/{element}") or "").strip()
        if found != value:
            problems.append(f"EEP {element} {found!r} disagrees with 档号 {number}")
    ext = bag.info("External-Identifier")
    if len(ext) != 1:
        problems.append(f"bag-info.txt has {len(ext)} External-Identifier values, expected 1")
    else:
        try:
            ArchiveNumber.parse(ext[0], field="External-Identifier")
        except PackageError as exc:
            problems.append(f"bag-info {exc}")
        if ext[0] != str(number):
            problems.append(f"bag-info External-Identifier {ext[0]} differs from EEP 档号 {number}")
    if expected.archive_no is not None and expected.archive_no != str(number):
        problems.append(f"the archive log expects {expected.archive_no}, the package is {number}")
    return _item(AUTH, name, problems, f"{number} well formed; EEP and bag-info External-Identifier agree")


def _business(bag: BagSnapshot) -> CheckItem:
    name = "business metadata (case.json = EEP)"
    if bag.eep is None or bag.case is None:
        return CheckItem(AUTH, name, FAIL, bag.eep_error or bag.case_error)
    problems = []
    for element, key in eep.BUSINESS_FIELDS:
        found = (bag.eep.findtext(f"{eep.BUSINESS}/{element}") or "").strip()
        if found != bag.case.get(key):
            problems.append(f"EEP {element} {found!r} but case.json {key} {bag.case.get(key)!r}")
    for element, key in (("机构名称", "department"), ("人员名称", "staff")):
        found = (bag.eep.findtext(f"{eep.AGENT}/{element}") or "").strip()
        if found != bag.case.get(key):
            problems.append(f"EEP 机构人员实体/{element} {found!r} but case.json {key} {bag.case.get(key)!r}")
    packed = (bag.eep.findtext(f"{eep.SIGNED}/封装包创建时间") or "").strip()
    closed = bag.case.get("closed_at")
    try:
        if isinstance(closed, str) and datetime.fromisoformat(packed) < datetime.fromisoformat(closed):
            problems.append(f"EEP 封装包创建时间 {packed} is before the case closed ({closed})")
    except (TypeError, ValueError):
        problems.append(
            f"EEP 封装包创建时间 {packed!r} or case.json closed_at {closed!r} is not a comparable date-time"
        )
    sender = bag.info("Internal-Sender-Identifier")
    if sender and sender != [bag.case.get("case_number")]:
        problems.append(
            f"bag-info Internal-Sender-Identifier {sender} but case.json case_number {bag.case.get('case_number')!r}"
        )
    return _item(
        AUTH,
        name,
        problems,
        "matter, case number, window, staff, department, holder reference and times agree; packed after closing",
    )


# --- 完整性 integrity ------------------------------------------------------------------------


def _integrity(bag: BagSnapshot, key: Ed25519PublicKey, expected: ExpectedPackage) -> list[CheckItem]:
    out = _guard(INTEG, "Payload-Oxum", lambda: _oxum(bag))
    out += _guard(INTEG, "totals vs archive log", lambda: _totals(bag, expected))
    out += _guard(INTEG, "payload manifests complete", lambda: _manifests_complete(bag))
    out += _guard(INTEG, "EEP-listed files present", lambda: _listed_present(bag))
    out += _guard(INTEG, "no unlisted payload files", lambda: _no_unlisted(bag))
    out += _guard(INTEG, "required EEP elements", lambda: _required_elements(bag))
    out += _guard(INTEG, "required bag-info fields", lambda: _required_bag_info(bag))
    out += _guard(INTEG, "required case.json fields", lambda: _required_case_fields(bag))
    out += _guard(INTEG, "case.json file list = EEP", lambda: _case_files_vs_eep(bag))
    return out


def _oxum(bag: BagSnapshot) -> CheckItem:
    values = bag.info("Payload-Oxum")
    found_bytes = sum(bag.sizes[p] for p in bag.payload)
    found = f"{found_bytes} bytes in {len(bag.payload)} files"
    if len(values) != 1:
        return CheckItem(
            INTEG, "Payload-Oxum", FAIL, f"bag-info.txt has {len(values)} Payload-Oxum values, expected 1"
        )
    m = _OXUM.fullmatch(values[0])
    if m is None:
        return CheckItem(INTEG, "Payload-Oxum", FAIL, f"Payload-Oxum {values[0]!r} is not <bytes>.<files>")
    if (int(m[1]), int(m[2])) != (found_bytes, len(bag.payload)):
        return CheckItem(
            INTEG,
            "Payload-Oxum",
            FAIL,
            f"bag-info says {m[1]} bytes in {m[2]} files, the payload holds {found}",
        )
    return CheckItem(INTEG, "Payload-Oxum", PASS, f"{values[0]}: {found}")


def _totals(bag: BagSnapshot, expected: ExpectedPackage) -> CheckItem:
    name = "totals vs archive log"
    if expected.payload_bytes is None and expected.payload_files is None:
        return CheckItem(
            INTEG, name, SKIPPED, "no expected totals given (ExpectedPackage.payload_bytes/payload_files)"
        )
    found_bytes, found_files = sum(bag.sizes[p] for p in bag.payload), len(bag.payload)
    problems = []
    if expected.payload_bytes is not None and expected.payload_bytes != found_bytes:
        problems.append(f"archive log says {expected.payload_bytes} payload bytes, found {found_bytes}")
    if expected.payload_files is not None and expected.payload_files != found_files:
        problems.append(f"archive log says {expected.payload_files} payload files, found {found_files}")
    return _item(INTEG, name, problems, f"{found_bytes} bytes in {found_files} files, as logged")


def _manifests_complete(bag: BagSnapshot) -> CheckItem:
    problems = []
    for alg, m in bag.manifests.items():
        if m is None:
            problems.append(f"manifest-{alg}.txt is missing")
            continue
        absent = [p for p in m.entries if p not in bag.sizes]
        unlisted = [p for p in bag.payload if p not in m.entries]
        if absent:
            problems.append(f"listed in manifest-{alg}.txt but missing: {_names(absent)}")
        if unlisted:
            problems.append(f"in data/ but not in manifest-{alg}.txt: {_names(unlisted)}")
    return _item(
        INTEG,
        "payload manifests complete",
        problems,
        f"every one of {len(bag.payload)} payload files is in every manifest, every entry exists",
    )


def _listed_present(bag: BagSnapshot) -> CheckItem:
    if bag.eep is None:
        return CheckItem(INTEG, "EEP-listed files present", FAIL, bag.eep_error)
    listed = [e["文件名称"] for e in eep.file_entries(bag.eep)]
    missing = [p for p in listed if p not in bag.sizes]
    if missing:
        return CheckItem(
            INTEG, "EEP-listed files present", FAIL, f"missing from the payload: {_names(missing)}"
        )
    return CheckItem(
        INTEG, "EEP-listed files present", PASS, f"all {len(listed)} files listed in the EEP are present"
    )


def _no_unlisted(bag: BagSnapshot) -> CheckItem:
    if bag.eep is None:
        return CheckItem(INTEG, "no unlisted payload files", FAIL, bag.eep_error)
    listed = {e["文件名称"] for e in eep.file_entries(bag.eep)}
    extra = [p for p in bag.payload if p not in listed] + [p for p in bag.specials if p.startswith("data/")]
    if extra:
        return CheckItem(
            INTEG,
            "no unlisted payload files",
            FAIL,
            f"payload file(s) not listed in the EEP: {_names(extra)}",
        )
    return CheckItem(INTEG, "no unlisted payload files", PASS, "every payload file is listed in the EEP")


def _required_elements(bag: BagSnapshot) -> CheckItem:
    if bag.eep is None:
        return CheckItem(INTEG, "required EEP elements", FAIL, bag.eep_error)
    missing = eep.missing_elements(bag.eep)
    if missing:
        return CheckItem(INTEG, "required EEP elements", FAIL, f"missing: {_names(missing)}")
    n = len(eep.REQUIRED_ELEMENTS)
    return CheckItem(
        INTEG,
        "required EEP elements",
        PASS,
        f"all {n} required elements and every 文件实体's {len(eep.FILE_ENTRY_FIELDS)} elements present",
    )


def _required_bag_info(bag: BagSnapshot) -> CheckItem:
    if bag.bag_info is None:
        return CheckItem(INTEG, "required bag-info fields", FAIL, bag.bag_info_error)
    problems = [f"{label} missing" for label in REQUIRED_BAG_INFO if not bag.info(label)]
    dates = bag.info("Bagging-Date")
    if dates and not _DATE.fullmatch(dates[0]):
        problems.append(f"Bagging-Date {dates[0]!r} is not YYYY-MM-DD")
    return _item(INTEG, "required bag-info fields", problems, f"{', '.join(REQUIRED_BAG_INFO)} present")


def _required_case_fields(bag: BagSnapshot) -> CheckItem:
    if bag.case is None:
        return CheckItem(INTEG, "required case.json fields", FAIL, bag.case_error)
    try:
        Case.from_json(bag.case, base_dir=bag.root / "data", check_files=False)
    except PackageError as exc:
        return CheckItem(INTEG, "required case.json fields", FAIL, f"{CASE_RECORD}: {exc}")
    return CheckItem(
        INTEG, "required case.json fields", PASS, "every case.json field present and well formed"
    )


def _case_files_vs_eep(bag: BagSnapshot) -> CheckItem:
    name = "case.json file list = EEP"
    if bag.eep is None or bag.case is None:
        return CheckItem(INTEG, name, FAIL, bag.eep_error or bag.case_error)
    files = bag.case.get("files")
    if not isinstance(files, list):
        return CheckItem(INTEG, name, FAIL, "case.json has no files list")
    by_path = {e["文件名称"]: e for e in eep.file_entries(bag.eep) if e["文件类别"] != "case_record"}
    problems = []
    seen = set()
    for i, f in enumerate(files):
        path = f"data/{f.get('path')}" if isinstance(f, dict) else None
        entry = by_path.get(path or "")
        if entry is None:
            problems.append(f"case.json files[{i}] ({path}) has no EEP 文件实体")
            continue
        seen.add(path)
        if entry["题名"] != f.get("title") or entry["文件类别"] != f.get("kind"):
            problems.append(f"{path}: title/kind differ between case.json and the EEP")
    extra = [p for p in by_path if p not in seen]
    if extra:
        problems.append(f"EEP lists file(s) absent from case.json: {_names(extra)}")
    return _item(INTEG, name, problems, f"{len(files)} case file(s), each with its EEP 文件实体")


# --- 可用性 usability ------------------------------------------------------------------------


def _usability(bag: BagSnapshot, key: Ed25519PublicKey, expected: ExpectedPackage) -> list[CheckItem]:
    out = _guard(USAB, "metadata readable", lambda: _metadata_readable(bag))
    for path in bag.payload:
        out += _guard(USAB, f"file format: {path}", lambda path=path: _file_usability(bag, path))
    return out


def _metadata_readable(bag: BagSnapshot) -> CheckItem:
    problems = [e for e in (bag.bag_info_error, bag.eep_error, bag.case_error) if e]
    return _item(
        USAB, "metadata readable", problems, "bag-info.txt, metadata/eep.xml and data/case.json parse"
    )


def _file_usability(bag: BagSnapshot, path: str) -> list[CheckItem]:
    p = probe((bag.root / path).read_bytes(), path)
    allowed = ", ".join(ALLOWED_FORMATS)
    if not p.allowed:
        fmt = CheckItem(
            USAB, f"file format: {path}", FAIL, f"{p.format} is not on the archival list ({allowed})"
        )
    elif not p.extension_ok:
        fmt = CheckItem(
            USAB,
            f"file format: {path}",
            FAIL,
            f"the bytes are {p.format} but the name does not end {' or '.join(EXTENSIONS[p.format])}",
        )
    else:
        fmt = CheckItem(USAB, f"file format: {path}", PASS, f"{p.format}, on the archival list")
    opens = CheckItem(
        USAB, f"file opens: {path}", SKIPPED if p.opens is None else PASS if p.opens else FAIL, p.opens_reason
    )
    clear = CheckItem(
        USAB,
        f"no encryption or compression: {path}",
        SKIPPED if p.clear is None else PASS if p.clear else FAIL,
        p.clear_reason,
    )
    return [fmt, opens, clear]


# --- 安全性 security -------------------------------------------------------------------------


def _security(bag: BagSnapshot, key: Ed25519PublicKey, expected: ExpectedPackage) -> list[CheckItem]:
    out = _guard(SEC, "package digest vs archive log", lambda: _digest(bag, expected))
    out += _guard(SEC, "no links or special files", lambda: _specials(bag))
    return out


def _digest(bag: BagSnapshot, expected: ExpectedPackage) -> CheckItem:
    name = "package digest vs archive log"
    digest = bag.package_digest
    if expected.package_digest is None:
        return CheckItem(SEC, name, SKIPPED, f"no expected digest given; the package digest is {digest}")
    if expected.package_digest.lower() != digest:
        return CheckItem(
            SEC,
            name,
            FAIL,
            f"archive log has {expected.package_digest}, the package now gives {digest}: altered in transfer or storage",
        )
    return CheckItem(SEC, name, PASS, f"{digest} equals the archive log's digest")


def _specials(bag: BagSnapshot) -> CheckItem:
    if bag.specials:
        return CheckItem(
            SEC, "no links or special files", FAIL, f"symbolic links or special files: {_names(bag.specials)}"
        )
    return CheckItem(SEC, "no links or special files", PASS, "regular files and directories only")


# --- PREMIS fixity events ----------------------------------------------------------------


def _fixity_events(bag: BagSnapshot, now: datetime, agent: str) -> list[FixityEvent]:
    events = []
    for alg in ALGORITHMS:
        m = bag.manifests[alg]
        listed = m.entries if m is not None else {}
        for path in sorted(
            set(bag.payload) | {p for p in listed if p.startswith("data/")}, key=lambda p: p.encode()
        ):
            computed = bag.digests[path][alg] if path in bag.digests else ""
            recorded = listed.get(path)
            if not computed:
                outcome, detail = FAIL, "file missing"
            elif recorded is None:
                outcome, detail = FAIL, f"not in manifest-{alg}.txt"
            elif recorded != computed:
                outcome, detail = FAIL, f"manifest-{alg}.txt has {recorded}"
            else:
                outcome, detail = PASS, ""
            events.append(FixityEvent(path, PREMIS_NAMES[alg], computed, now, outcome, agent, detail))
    return events
