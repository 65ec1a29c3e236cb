"""A small catalog and ready-made environments for licence pipeline tests."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from ledger.chain.deploy import deploy
from ledger.chain.keys import dev_account
from ledger.identifiers import uscc_check_char
from ledger.issuers import register_issuer
from ledger.models import Authority, IssuerGrant, LicenceType
from ledger.services import Services
from ledger.settings import Settings


def uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


DEFINING = uscc("11100000000013338")  # 11100000000013338W, a real code
ISSUER = uscc("11110115MB0000001")
OTHER_ISSUER = uscc("11110115MB0000002")
TYPE_PERSON = DEFINING + "001"  # 二级建造师注册证书
TYPE_OTHER = DEFINING + "032"
FACE = [
    {
        "name": "KZ_ZYLB",
        "label": "专业类别",
        "type": "enum",
        "required": True,
        "enum": ["建筑工程", "市政公用"],
    },
    {"name": "KZ_ZCRQ", "label": "注册日期", "type": "date", "required": True},
    {"name": "KZ_PYDW", "label": "聘用单位", "type": "string", "required": False},
]
PDF = b"%PDF-1.7\n% certledger test body\n" + b"x" * 200 + b"\n%%EOF\n"


def seed_catalog(session: Session) -> None:
    session.add_all(
        [
            Authority(uscc=DEFINING, name="住房和城乡建设部", level="national", synthetic=False),
            Authority(uscc=ISSUER, name="北京市大兴区住房和城乡建设委员会", level="district"),
            Authority(uscc=OTHER_ISSUER, name="北京市大兴区市场监督管理局", level="district"),
        ]
    )
    session.flush()
    for code, name in ((TYPE_PERSON, "二级建造师注册证书"), (TYPE_OTHER, "建筑施工特种作业人员操作资格证书")):
        session.add(
            LicenceType(
                code=code,
                name=name,
                authority_uscc=DEFINING,
                department="住建",
                level="national",
                holder_category="person",
                validity_rule="years:3",
                face_schema=FACE,
                synthetic=False,
            )
        )
    session.flush()
    session.add_all(
        [
            IssuerGrant(issuer_uscc=ISSUER, type_code=TYPE_PERSON),
            IssuerGrant(issuer_uscc=OTHER_ISSUER, type_code=TYPE_OTHER),
        ]
    )
    session.commit()


def licence_input(n: int = 0, **overrides: object) -> dict:
    data = {
        "type_code": TYPE_PERSON,
        "issuer_uscc": ISSUER,
        "number": f"京211{n:08d}",
        "issue_date": "20240105",
        "holders": [{"name": f"张{n}", "code": "11010519491231002X", "code_type": "111"}],
        "valid_from": "20240105",
        "valid_until": "20990104",
        "jurisdiction": "110115",
        "face": {"KZ_ZYLB": "建筑工程", "KZ_ZCRQ": "20240105", "KZ_PYDW": "北京某建设有限公司"},
    }
    data.update(overrides)
    return data


def ready_services(settings: Settings) -> Services:
    """Services over a deployed chain, the small catalog, and both issuers registered."""
    services = Services(settings)
    deploy(services.client, dev_account(0), settings.data_dir)
    with Session(services.engine) as session:
        seed_catalog(session)
        for code in (ISSUER, OTHER_ISSUER):
            register_issuer(
                session, services.client, services.contracts, services.keys, services.registrar, code
            )
    return services


def write_body(directory: Path, name: str = "body.pdf", data: bytes = PDF) -> str:
    (directory / name).write_bytes(data)
    return name
