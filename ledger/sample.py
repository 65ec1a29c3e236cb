"""Synthetic, realistic licence inputs drawn from the catalog (demo and benchmarks only).

Holders get synthetic citizen IDs (Daxing region 110115, valid MOD 11-2) or USCCs; face fields
are filled according to each type's schema. Nothing here is real personal data.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from ledger.identifiers import USCC_ALPHABET, citizen_id_check_char, uscc_check_char
from ledger.models import IssuerGrant, LicenceType

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "建国",
]
COMPANIES = ["兴业", "瀛海", "亦庄", "黄村", "旧宫", "西红门", "青云店", "采育", "安定", "魏善庄"]
KINDS = ["科技有限公司", "餐饮管理有限公司", "建设工程有限公司", "商贸有限公司", "医疗器械有限公司"]


@dataclass(frozen=True)
class SampleType:
    code: str
    name: str
    holder_category: str
    face_schema: list[dict[str, Any]]
    issuer: str


def sample_types(session: Session) -> list[SampleType]:
    """Every catalog type with its first issuing authority."""
    grants: dict[str, str] = {}
    for issuer, type_code in session.execute(
        select(IssuerGrant.issuer_uscc, IssuerGrant.type_code).order_by(IssuerGrant.issuer_uscc)
    ).all():
        grants.setdefault(type_code, issuer)
    types = session.execute(select(LicenceType).order_by(LicenceType.code)).scalars()
    return [
        SampleType(t.code, t.name, t.holder_category, t.face_schema, grants[t.code])
        for t in types
        if t.code in grants
    ]


class SampleMaker:
    def __init__(self, seed: int = 110115) -> None:
        self.rng = random.Random(seed)

    def date(self, start_year: int, end_year: int) -> str:
        r = self.rng
        return f"{r.randint(start_year, end_year)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"

    def citizen_id(self) -> str:
        first17 = f"110115{self.date(1950, 2005)}{self.rng.randint(0, 999):03d}"
        return first17 + citizen_id_check_char(first17)

    def uscc(self) -> str:
        first17 = "9111011" + "5" + "".join(self.rng.choice(USCC_ALPHABET) for _ in range(9))
        return first17 + uscc_check_char(first17)

    def face(self, schema: list[dict[str, Any]]) -> dict[str, str]:
        values = {}
        for spec in schema:
            kind = spec.get("type", "string")
            if kind == "date":
                values[spec["name"]] = self.date(1990, 2024)
            elif kind == "enum":
                values[spec["name"]] = self.rng.choice(spec["enum"])
            elif kind == "number":
                values[spec["name"]] = str(self.rng.randint(1, 500))
            else:
                values[spec["name"]] = f"{spec.get('label', spec['name'])}{self.rng.randint(100, 999)}"
        return values

    def licence(self, t: SampleType, n: int, body: str | None = None) -> dict[str, Any]:
        r = self.rng
        # issued within the last ~3 years, valid for 10 or 20 years or long-term: in force today
        issued_on = date.today() - timedelta(days=r.randint(1, 1000))
        issued = issued_on.strftime("%Y%m%d")
        if t.holder_category == "person":
            holder = {
                "name": r.choice(SURNAMES) + r.choice(GIVEN),
                "code": self.citizen_id(),
                "code_type": "111",
            }
        else:
            name = f"北京{r.choice(COMPANIES)}{r.choice(KINDS)}"
            holder = {"name": name, "code": self.uscc(), "code_type": "001"}
        data: dict[str, Any] = {
            "type_code": t.code,
            "issuer_uscc": t.issuer,
            "number": f"京{t.code[-3:]}{n:08d}",
            "issue_date": issued,
            "holders": [holder],
            "valid_from": issued,
            "valid_until": r.choice((f"{issued_on.year + 10}1231", f"{issued_on.year + 20}1231", None)),
            "jurisdiction": "110115",
            "face": self.face(t.face_schema),
        }
        if body:
            data["body"] = body
        return data


def sample_pdf(title: str, size: int = 0) -> bytes:
    """A small, well-formed one-page PDF (stand-in for a licence file). With `size`, about that
    many bytes: random filler in a comment of the content stream, so every body differs."""
    text = title.encode("ascii", "replace")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    if size:
        filler = os.urandom(max(0, size - len(stream) - 700) // 2).hex().encode()
        stream = b"% " + filler + b"\n" + stream
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
