"""Archival formats: detection by magic bytes and "does it open" probes (可用性).

The archival list here is PDF, OFD, PNG, JPEG, XML, JSON and TXT (UTF-8). Detection looks at
the bytes, never only at the name; the name's extension must then agree. Each probe is a
structural check done with the standard library (no renderer): enough to catch truncation,
garbage and the wrong format, not a guarantee that every viewer renders the file.
"""

from __future__ import annotations

import io
import json
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

__all__ = ["ALLOWED_FORMATS", "EXTENSIONS", "FormatProbe", "detect_format", "probe"]

ALLOWED_FORMATS = ("PDF", "OFD", "PNG", "JPEG", "XML", "JSON", "TXT")
EXTENSIONS = {
    "PDF": (".pdf",),
    "OFD": (".ofd",),
    "PNG": (".png",),
    "JPEG": (".jpg", ".jpeg"),
    "XML": (".xml",),
    "JSON": (".json",),
    "TXT": (".txt",),
}
_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7Z"),
    (b"\x1f\x8b", "GZIP"),
    (b"BZh", "BZIP2"),
    (b"\xfd7zXZ\x00", "XZ"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2"),  # legacy .doc/.xls, also encrypted OOXML
    (b"GIF8", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_CONTAINERS = {"ZIP", "OOXML", "RAR", "7Z", "GZIP", "BZIP2", "XZ", "OLE2"}
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_PNG_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


@dataclass(frozen=True)
class FormatProbe:
    """What a file is and whether it is fit for the archive.

    ``opens``/``clear`` are None when not examined (formats off the list are not opened).
    ``clear`` means no encryption and no compression container other than OFD inside.
    """

    format: str
    allowed: bool
    extension_ok: bool
    opens: bool | None
    opens_reason: str
    clear: bool | None
    clear_reason: str


def detect_format(data: bytes, name: str = "") -> str:
    """The format by magic bytes; for text, the name's extension picks XML/JSON/TXT."""
    for magic, fmt in _MAGIC:
        if data.startswith(magic):
            return fmt
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "ZIP"
        if "OFD.xml" in names:
            return "OFD"
        return "OOXML" if "[Content_Types].xml" in names else "ZIP"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "UNKNOWN"
    if "\x00" in text:
        return "UNKNOWN"
    ext = PurePosixPath(name).suffix.lower()
    for fmt in ("XML", "JSON", "TXT"):
        if ext in EXTENSIONS[fmt]:
            return fmt
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        return "XML"
    if head.startswith(("{", "[")):
        return "JSON"
    return "TXT"


def probe(data: bytes, name: str = "") -> FormatProbe:
    """Detect the format, then check that the file opens and holds nothing sealed."""
    fmt = detect_format(data, name)
    allowed = fmt in ALLOWED_FORMATS
    ext = PurePosixPath(name).suffix.lower()
    extension_ok = allowed and ext in EXTENSIONS[fmt]
    clear, clear_reason = _clear(fmt, data)
    if not allowed:
        return FormatProbe(
            fmt, False, False, None, f"not opened: {fmt} is not on the archival list", clear, clear_reason
        )
    try:
        _OPENERS[fmt](data)
    except _Unopenable as exc:
        return FormatProbe(fmt, True, extension_ok, False, str(exc), clear, clear_reason)
    return FormatProbe(fmt, True, extension_ok, True, f"{fmt} structure is sound", clear, clear_reason)


class _Unopenable(Exception):
    pass


def _open_pdf(data: bytes) -> None:
    if not _PDF_HEADER.match(data):
        raise _Unopenable("no %PDF-n.n header")
    tail = data[-1024:]
    if b"%%EOF" not in tail:
        raise _Unopenable("no %%EOF marker in the last 1024 bytes (truncated?)")
    if b"startxref" not in data[-2048:]:
        raise _Unopenable("no startxref before %%EOF (truncated or damaged cross-reference)")
    if b"/Root" not in data:
        raise _Unopenable("no document catalog (/Root)")


def _open_ofd(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            bad = z.testzip()
            if bad is not None:
                raise _Unopenable(f"OFD member {bad} fails its CRC")
            ET.fromstring(z.read("OFD.xml"))
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError, NotImplementedError) as exc:
        raise _Unopenable(f"OFD container does not open: {exc}") from None
    except ET.ParseError as exc:
        raise _Unopenable(f"OFD.xml does not parse: {exc}") from None


def _open_png(data: bytes) -> None:
    pos, idat, header = 8, [], None
    while True:
        if pos + 8 > len(data):
            raise _Unopenable("PNG ends inside a chunk header (truncated?)")
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 8 + length + 4
        if end > len(data):
            raise _Unopenable(f"PNG chunk {ctype!r} runs past the end (truncated?)")
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(ctype + body) != crc:
            raise _Unopenable(f"PNG chunk {ctype.decode('latin-1')} at byte {pos} fails its CRC")
        if header is None:
            if ctype != b"IHDR" or length != 13:
                raise _Unopenable("PNG does not start with an IHDR chunk")
            header = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            if end != len(data):
                raise _Unopenable(f"{len(data) - end} bytes after IEND")
            break
        pos = end
    width, height, depth, colour, _, _, interlace = header
    if width == 0 or height == 0 or colour not in _PNG_CHANNELS or depth not in _PNG_DEPTHS[colour]:
        raise _Unopenable(f"PNG header is invalid ({width}x{height}, depth {depth}, colour type {colour})")
    if not idat:
        raise _Unopenable("PNG has no image data (IDAT)")
    expected = height * (1 + (width * _PNG_CHANNELS[colour] * depth + 7) // 8)
    try:
        d = zlib.decompressobj()
        raw = d.decompress(b"".join(idat), expected + 1)
    except zlib.error as exc:
        raise _Unopenable(f"PNG image data does not inflate: {exc}") from None
    if interlace == 0 and (len(raw) != expected or not d.eof):
        raise _Unopenable(f"PNG image data holds {len(raw)} bytes, {width}x{height} needs {expected}")


def _open_jpeg(data: bytes) -> None:
    pos, frame = 2, False
    while True:
        if pos + 4 > len(data) or data[pos] != 0xFF:
            raise _Unopenable(f"JPEG marker expected at byte {pos} (truncated or damaged)")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if pos + 9 > len(data):
                raise _Unopenable("JPEG frame header truncated")
            _height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            if width == 0:
                raise _Unopenable("JPEG frame has zero width")
            frame = True
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        pos += 2 + length
    if not frame:
        raise _Unopenable("JPEG has no frame header (SOF) before the scan")
    if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise _Unopenable("JPEG does not end with EOI (FFD9) (truncated?)")


def _open_xml(data: bytes) -> None:
    try:
        ET.fromstring(data)
    except ET.ParseError as exc:
        raise _Unopenable(f"XML does not parse: {exc}") from None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _open_json(data: bytes) -> None:
    try:
        json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _Unopenable(f"JSON does not parse: {exc}") from None


def _open_txt(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Unopenable(f"text is not UTF-8: {exc}") from None
    m = _TEXT_CONTROL.search(text)
    if m:
        raise _Unopenable(f"text holds control character U+{ord(m.group()):04X} at offset {m.start()}")


_OPENERS = {
    "PDF": _open_pdf,
    "OFD": _open_ofd,
    "PNG": _open_png,
    "JPEG": _open_jpeg,
    "XML": _open_xml,
    "JSON": _open_json,
    "TXT": _open_txt,
}


def _clear(fmt: str, data: bytes) -> tuple[bool | None, str]:
    """No encryption, no proprietary compression inside (OFD's own ZIP is its standard form)."""
    if fmt in _CONTAINERS:
        return (
            False,
            f"{fmt} container: compressed or sealed content inside the package (only OFD may be a ZIP)",
        )
    if fmt == "PDF":
        if re.search(rb"/Encrypt\s*[0-9\[<]", data):
            return False, "PDF is encrypted (/Encrypt in the trailer)"
        return True, "no /Encrypt dictionary"
    if fmt == "OFD":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for info in z.infolist():
                    if info.flag_bits & 0x1:
                        return False, f"OFD member {info.filename} is encrypted"
                    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                        return (
                            False,
                            f"OFD member {info.filename} uses compression method {info.compress_type}",
                        )
        except (zipfile.BadZipFile, OSError, ValueError):
            return None, "OFD container unreadable"
        return True, "OFD members stored or deflated, none encrypted"
    if fmt == "UNKNOWN":
        return None, "unknown binary content: cannot tell"
    return True, f"{fmt} has no encryption or container"
