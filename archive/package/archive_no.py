"""Archive numbers (档号): ``{fonds}-{year}-{retention}-{sequence:06d}``, e.g. ``DX01-2026-Y30-000042``.

- fonds (全宗号): 1-16 characters ``0-9 A-Z`` (no ``-``, it separates the parts);
- year (年度): four digits;
- retention (保管期限): ``Y10`` (10 年), ``Y30`` (30 年) or ``YJ`` (永久, permanent);
- sequence (件号): six digits, 000001-999999.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from archive.package.errors import PackageError

__all__ = ["ARCHIVE_NO_PATTERN", "ArchiveNumber", "Retention"]

FONDS_PATTERN = re.compile(r"[0-9A-Z]{1,16}")
ARCHIVE_NO_PATTERN = re.compile(
    r"(?P<fonds>[0-9A-Z]{1,16})-(?P<year>[0-9]{4})-(?P<retention>Y10|Y30|YJ)-(?P<sequence>[0-9]{6})"
)
_LABELS = {"Y10": "10年", "Y30": "30年", "YJ": "永久"}


class Retention(StrEnum):
    """Retention period codes (保管期限代码)."""

    Y10 = "Y10"
    Y30 = "Y30"
    YJ = "YJ"

    @property
    def label(self) -> str:
        return _LABELS[self.value]

    @classmethod
    def parse(cls, value: object, *, field: str = "retention") -> Retention:
        """Accept a code (``Y30``) or its label (``30年``, ``永久``)."""
        if isinstance(value, Retention):
            return value
        if isinstance(value, str):
            for code, label in _LABELS.items():
                if value in (code, label):
                    return cls(code)
        raise PackageError(f"must be one of Y10, Y30, YJ (10年, 30年, 永久), got {value!r}", field=field)


@dataclass(frozen=True)
class ArchiveNumber:
    """A well-formed archive number; checked when built."""

    fonds: str
    year: int
    retention: Retention
    sequence: int

    def __post_init__(self) -> None:
        if not isinstance(self.fonds, str) or not FONDS_PATTERN.fullmatch(self.fonds):
            raise PackageError(f"must be 1-16 characters 0-9 A-Z, got {self.fonds!r}", field="fonds")
        if isinstance(self.year, bool) or not isinstance(self.year, int) or not 1000 <= self.year <= 9999:
            raise PackageError(f"must be a four-digit year, got {self.year!r}", field="year")
        object.__setattr__(self, "retention", Retention.parse(self.retention))
        if (
            isinstance(self.sequence, bool)
            or not isinstance(self.sequence, int)
            or not 1 <= self.sequence <= 999_999
        ):
            raise PackageError(f"sequence must be 1-999999, got {self.sequence!r}", field="archive_no")

    def __str__(self) -> str:
        return f"{self.fonds}-{self.year:04d}-{self.retention.value}-{self.sequence:06d}"

    @classmethod
    def parse(cls, text: object, *, field: str = "archive_no") -> ArchiveNumber:
        if not isinstance(text, str):
            raise PackageError(f"must be a string, got {type(text).__name__}", field=field)
        m = ARCHIVE_NO_PATTERN.fullmatch(text)
        if m is None:
            raise PackageError(
                f"{text!r} is not of the form FONDS-YYYY-{{Y10|Y30|YJ}}-NNNNNN (e.g. DX01-2026-Y30-000042)",
                field=field,
            )
        try:
            return cls(m["fonds"], int(m["year"]), Retention(m["retention"]), int(m["sequence"]))
        except PackageError as exc:
            raise PackageError(f"{text!r}: {exc.message}", field=field) from None

    @classmethod
    def compose(
        cls, archive_no: int | str | ArchiveNumber, *, fonds: str, year: int, retention: Retention | str
    ) -> ArchiveNumber:
        """The archive number from a sequence number, or a full number checked against the parts."""
        wanted = Retention.parse(retention)
        if isinstance(archive_no, ArchiveNumber | str):
            number = archive_no if isinstance(archive_no, ArchiveNumber) else cls.parse(archive_no)
            expected = (fonds, year, wanted)
            if (number.fonds, number.year, number.retention) != expected:
                raise PackageError(
                    f"{number} disagrees with fonds={fonds!r}, year={year!r}, retention={wanted.value!r}",
                    field="archive_no",
                )
            cls(fonds, year, wanted, number.sequence)  # validates fonds/year types too
            return number
        if isinstance(archive_no, bool) or not isinstance(archive_no, int):
            raise PackageError(
                f"must be a sequence number or a full archive number, got {archive_no!r}", field="archive_no"
            )
        return cls(fonds, year, wanted, archive_no)
