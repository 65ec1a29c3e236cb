"""One read of a bag: every file hashed once (SHA-256 and SHA-512), manifests, bag-info.txt,
eep.xml and data/case.json parsed leniently, problems kept as text for the check to report."""

from __future__ import annotations

import hashlib
import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.package import eep
from archive.package.build import ALGORITHMS, CASE_RECORD, listing_from_digests
from archive.package.errors import PackageError

__all__ = ["EEP_PATH", "BagSnapshot", "Manifest", "is_tagmanifest", "read_bag_info", "read_manifest"]

EEP_PATH = "metadata/eep.xml"


@dataclass
class Manifest:
    entries: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class BagSnapshot:
    root: Path
    sizes: dict[str, int]
    digests: dict[str, dict[str, str]]  # path -> alg -> hex, every regular file
    specials: list[str]
    manifests: dict[str, Manifest | None]
    tagmanifests: dict[str, Manifest | None]
    bag_info: dict[str, list[str]] | None
    bag_info_error: str
    eep: ET.Element | None
    eep_error: str
    case: dict[str, Any] | None
    case_error: str

    @property
    def payload(self) -> list[str]:
        return [p for p in self.sizes if p.startswith("data/")]

    @property
    def tag_files(self) -> list[str]:
        return [p for p in self.sizes if not p.startswith("data/") and not is_tagmanifest(p)]

    @property
    def package_digest(self) -> str:
        listing = listing_from_digests({p: d["sha256"] for p, d in self.digests.items()})
        return hashlib.sha256(listing).hexdigest()

    def info(self, label: str) -> list[str]:
        return (self.bag_info or {}).get(label, [])

    @classmethod
    def read(cls, root: Path) -> BagSnapshot:
        sizes: dict[str, int] = {}
        digests: dict[str, dict[str, str]] = {}
        specials: list[str] = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in list(dirnames):
                if (Path(dirpath) / name).is_symlink():
                    specials.append((Path(dirpath) / name).relative_to(root).as_posix())
            for name in sorted(filenames):
                full = Path(dirpath) / name
                rel = full.relative_to(root).as_posix()
                if full.is_symlink() or not full.is_file():
                    specials.append(rel)
                    continue
                hashers = {a: hashlib.new(a) for a in ALGORITHMS}
                size = 0
                with full.open("rb") as fh:
                    while block := fh.read(1 << 20):
                        size += len(block)
                        for h in hashers.values():
                            h.update(block)
                sizes[rel] = size
                digests[rel] = {a: h.hexdigest() for a, h in hashers.items()}
        bag_info, bag_info_error = read_bag_info(root / "bag-info.txt")
        eep_root, eep_error = None, ""
        try:
            eep_root = eep.parse_eep((root / EEP_PATH).read_bytes())
        except OSError as exc:
            eep_error = f"{EEP_PATH} cannot be read: {exc.strerror or exc}"
        except PackageError as exc:
            eep_error = str(exc)
        case, case_error = None, ""
        try:
            loaded = json.loads((root / CASE_RECORD).read_bytes().decode("utf-8"))
            if not isinstance(loaded, dict):
                raise ValueError("not a JSON object")
            case = loaded
        except OSError as exc:
            case_error = f"{CASE_RECORD} cannot be read: {exc.strerror or exc}"
        except (UnicodeDecodeError, ValueError) as exc:
            case_error = f"{CASE_RECORD} is not a UTF-8 JSON object: {exc}"
        return cls(
            root=root,
            sizes=dict(sorted(sizes.items(), key=lambda kv: kv[0].encode("utf-8"))),
            digests=digests,
            specials=specials,
            manifests={a: read_manifest(root / f"manifest-{a}.txt") for a in ALGORITHMS},
            tagmanifests={a: read_manifest(root / f"tagmanifest-{a}.txt") for a in ALGORITHMS},
            bag_info=bag_info,
            bag_info_error=bag_info_error,
            eep=eep_root,
            eep_error=eep_error,
            case=case,
            case_error=case_error,
        )


def is_tagmanifest(path: str) -> bool:
    return "/" not in path and path.startswith("tagmanifest-") and path.endswith(".txt")


def read_manifest(path: Path) -> Manifest | None:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError:
        return None
    except UnicodeDecodeError as exc:
        return Manifest(problems=[f"not UTF-8: {exc}"])
    m = Manifest()
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(None, 1)
        if len(parts) != 2:
            m.problems.append(f"line {n} is not '<digest> <path>'")
            continue
        digest, name = parts[0].lower(), parts[1].strip().lstrip("*")
        if name in m.entries:
            m.problems.append(f"{name} is listed twice")
        m.entries[name] = digest
    return m


def read_bag_info(path: Path) -> tuple[dict[str, list[str]] | None, str]:
    """RFC 8493 §2.2.2 tag file: ``Label: value`` lines, continuation lines start with white space."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        return None, f"bag-info.txt cannot be read: {exc.strerror or exc}"
    except UnicodeDecodeError as exc:
        return None, f"bag-info.txt is not UTF-8: {exc}"
    pairs: list[list[str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line[0] in " \t":
            if not pairs:
                return None, f"bag-info.txt line {n} continues no tag"
            pairs[-1][1] += " " + line.strip()
        elif ":" not in line:
            return None, f"bag-info.txt line {n} has no ':'"
        else:
            label, value = line.split(":", 1)
            pairs.append([label.strip(), value.strip()])
    out: dict[str, list[str]] = {}
    for label, value in pairs:
        out.setdefault(label, []).append(value)
    return out, ""
