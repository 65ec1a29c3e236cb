"""The licence catalog: seed content, loader validation and idempotence, queries, CLI."""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from ledger.catalog import queries
from ledger.catalog.cli import catalog_app
from ledger.catalog.loader import DEFAULT_SEED_DIR, SEED_FILES, load_catalog, read_seed
from ledger.catalog.schema import BASE_FIELDS, REAL_TYPE_CODES
from ledger.db import init_db, make_engine, session_scope
from ledger.errors import ConfigError, NotFound
from ledger.identifiers import check_uscc
from ledger.models import Authority, IssuerGrant, LicenceType, Matter, MatterLicence

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

# domain reference §5: real licence type names and their typical department
DOMAIN_TYPES = {
    "居民身份证": "公安",
    "居民户口簿": "公安",
    "北京市居住证": "公安",
    "护照": "出入境",
    "往来港澳通行证": "出入境",
    "机动车驾驶证": "交管",
    "机动车行驶证": "交管",
    "结婚证": "民政",
    "离婚证": "民政",
    "出生医学证明": "卫健",
    "残疾人证": "残联",
    "社会保障卡": "人社",
    "职业资格证书": "人社",
    "教师资格证书": "教育",
    "医师执业证书": "卫健",
    "护士执业证书": "卫健",
    "法律职业资格证书": "司法",
    "退役军人优待证": "退役军人",
    "独生子女父母光荣证": "卫健",
    "二级建造师注册证书": "住建",
    # listed as 建筑施工特种作业操作资格证书; the real code's name is used
    "建筑施工特种作业人员操作资格证书": "住建",
    "不动产权证书": "规自",
    "不动产登记证明": "规自",
    "营业执照": "市场监管",
    "食品经营许可证": "市场监管",
    "食品生产许可证": "市场监管",
    "药品经营许可证": "药监",
    "第二类医疗器械经营备案凭证": "药监",
    "特种设备使用登记证": "市场监管",
    "公共场所卫生许可证": "卫健",
    "医疗机构执业许可证": "卫健",
    "建筑工程施工许可证": "住建",
    "建设工程规划许可证": "规自",
    "道路运输经营许可证": "交通",
    "排污许可证": "生态环境",
    "烟草专卖零售许可证": "烟草",
    "娱乐经营许可证": "文旅",
    "人力资源服务许可证": "人社",
    "危险化学品经营许可证": "应急",
    "社会团体法人登记证书": "民政",
    "民办非企业单位登记证书": "民政",
}


@pytest.fixture(scope="module")
def seed() -> dict[str, list[dict[str, Any]]]:
    return read_seed()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine("sqlite:///" + str(tmp_path / "t.db"))
    init_db(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def loaded(engine: Engine) -> Iterator[Session]:
    with session_scope(engine) as session:
        load_catalog(session)
    with Session(engine) as session:
        yield session


def by_name(seed: dict[str, list[dict[str, Any]]], name: str) -> dict[str, Any]:
    return next(t for t in seed["types"] if t["name"] == name)


def matter_named(seed: dict[str, list[dict[str, Any]]], name: str) -> dict[str, Any]:
    return next(m for m in seed["matters"] if m["name"] == name)


# ----- seed content ------------------------------------------------------------------------


def test_counts(seed):
    assert len(seed["types"]) == 160
    assert len({t["name"] for t in seed["types"]}) == 160
    assert len(seed["matters"]) >= 64
    assert len({m["name"] for m in seed["matters"]}) == len(seed["matters"])


def test_the_four_real_codes_are_present_and_not_synthetic(seed):
    types = {t["code"]: t for t in seed["types"]}
    for code, name in REAL_TYPE_CODES.items():
        assert types[code]["name"] == name
        assert types[code]["synthetic"] is False
    assert {c for c, t in types.items() if not t["synthetic"]} == set(REAL_TYPE_CODES)
    real_authorities = {a["uscc"] for a in seed["authorities"] if not a["synthetic"]}
    assert real_authorities == {"11100000000013338W", "11100000MB03271699"}
    assert all(m["synthetic"] is True for m in seed["matters"])


def test_every_domain_type_is_present_with_its_department(seed):
    departments = {t["name"]: t["department"] for t in seed["types"]}
    missing = set(DOMAIN_TYPES) - set(departments)
    assert not missing
    assert {n: departments[n] for n in DOMAIN_TYPES} == DOMAIN_TYPES


def test_files_carry_the_synthetic_note():
    for filename in SEED_FILES:
        text = (DEFAULT_SEED_DIR / filename).read_text(encoding="utf-8")
        document = json.loads(text)
        assert "synthetic" in document["note"] and "11100000MB03271699022" in document["note"]
        assert text.endswith("}\n") and "\\u" not in text  # UTF-8, not ASCII escapes


def test_every_type_code_is_a_well_formed_uscc_plus_three_digits(seed):
    authorities = {a["uscc"]: a for a in seed["authorities"]}
    for t in seed["types"]:
        code = t["code"]
        assert len(code) == 21 and code[18:].isdigit(), code
        check = check_uscc(code[:18])
        assert check.valid and not check.warnings, (code, check)
        assert code[:18] == t["authority_uscc"] and t["authority_uscc"] in authorities
        assert t["level"] == authorities[t["authority_uscc"]]["level"]
    for a in seed["authorities"]:
        assert check_uscc(a["uscc"]).valid and a["uscc_warning"] is None, a


def test_face_schemas_are_well_formed(seed):
    for t in seed["types"]:
        schema = t["face_schema"]
        assert 3 <= len(schema) <= 8, t["name"]
        assert len({f["name"] for f in schema}) == len(schema)
        for f in schema:
            assert (
                f["name"].startswith("KZ_")
                and f["label"]
                and f["type"] in {"string", "date", "enum", "number"}
            )
            assert ("enum" in f) == (f["type"] == "enum")


def test_sensitive_types(seed):
    sensitive = {t["name"] for t in seed["types"] if t["sensitive"]}
    assert {"出生医学证明", "残疾人证", "预防接种证", "健康证明"} <= sensitive
    assert "营业执照" not in sensitive
    assert all(t["holder_category"] == "person" for t in seed["types"] if t["sensitive"])


def test_every_type_has_an_issuer_and_district_issuers_cover_district_types(seed):
    issued = {code for a in seed["authorities"] for code in a["issues"]}
    assert issued == {t["code"] for t in seed["types"]}
    daxing = [a for a in seed["authorities"] if a["level"] == "district"]
    assert all(a["uscc"][2:8] == "110115" for a in daxing)
    district_types = {t["code"] for t in seed["types"] if t["level"] == "district"}
    assert district_types and district_types <= {code for a in daxing for code in a["issues"]}
    # a district centre: most types can be issued by a Daxing authority
    assert len({code for a in daxing for code in a["issues"]}) >= 110


def test_every_matter_licence_refers_to_an_existing_type_and_its_fields(seed):
    types = {t["code"]: t for t in seed["types"]}
    for m in seed["matters"]:
        assert 1 <= len(m["licences"]) <= 4, m["name"]
        assert m["code"].startswith("DX-")
        for link in m["licences"]:
            licence_type = types[link["type_code"]]
            face = {f["name"] for f in licence_type["face_schema"]}
            assert link["fields"] and set(link["fields"]) <= face | BASE_FIELDS, (m["name"], link)
            if m["holder_category"] == "person":
                assert licence_type["holder_category"] == "person", (m["name"], licence_type["name"])
        if m["holder_category"] == "organisation":
            assert any(
                types[link["type_code"]]["holder_category"] == "organisation" for link in m["licences"]
            )


def test_matter_flags_have_plausible_shares(seed):
    matters = seed["matters"]
    for flag in ("online", "cross_district", "self_service"):
        share = sum(m[flag] for m in matters) / len(matters)
        assert 0.05 < share < 0.9, flag


def test_newborn_registration_needs_the_birth_certificate(seed):
    newborn = matter_named(seed, "新生儿落户")
    birth = by_name(seed, "出生医学证明")
    link = next(link for link in newborn["licences"] if link["type_code"] == birth["code"])
    assert link["required"] and "KZ_XSEXM" in link["fields"]


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_catalog", ROOT / "tools" / "gen_catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_is_deterministic_and_matches_the_committed_seed(tmp_path):
    gen = _load_generator()
    assert gen.main(["--out", str(tmp_path / "a")]) == 0
    assert gen.main(["--out", str(tmp_path / "b")]) == 0
    for filename in SEED_FILES:
        first = (tmp_path / "a" / filename).read_bytes()
        assert first == (tmp_path / "b" / filename).read_bytes()
        assert first == (DEFAULT_SEED_DIR / filename).read_bytes(), f"{filename}: rerun tools/gen_catalog.py"
    assert gen.main(["--check"]) == 0


# ----- loading -----------------------------------------------------------------------------


def snapshot(engine: Engine) -> dict[str, list[Any]]:
    with Session(engine) as session:
        return {
            model.__name__: sorted(
                repr(sorted(r.model_dump().items())) for r in session.exec(select(model)).all()
            )
            for model in (Authority, LicenceType, IssuerGrant, Matter, MatterLicence)
        }


def test_load_inserts_everything_then_is_idempotent(engine, seed):
    with session_scope(engine) as session:
        first = load_catalog(session)
    assert first.types.inserted == 160 and first.matters.inserted == len(seed["matters"])
    assert first.authorities.inserted == len(seed["authorities"])
    assert first.grants.inserted == sum(len(a["issues"]) for a in seed["authorities"])
    assert first.matter_licences.inserted == sum(len(m["licences"]) for m in seed["matters"])
    assert first.changed and not first.warnings
    before = snapshot(engine)
    with session_scope(engine) as session:
        second = load_catalog(session)
    assert not second.changed
    assert second.to_json()["types"] == {"total": 160, "inserted": 0, "updated": 0, "removed": 0}
    assert snapshot(engine) == before
    assert len(before["LicenceType"]) == 160


def test_load_is_fast(engine):
    import time

    started = time.perf_counter()
    with session_scope(engine) as session:
        load_catalog(session)
    assert time.perf_counter() - started < 1.0


def copy_seed(tmp_path: Path) -> Path:
    target = tmp_path / "seed"
    shutil.copytree(DEFAULT_SEED_DIR, target)
    return target


def edit(seed_dir: Path, filename: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = seed_dir / filename
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")


def test_changed_seed_rows_are_updated_and_dropped_links_removed(engine, tmp_path, seed):
    with session_scope(engine) as session:
        load_catalog(session)
    seed_dir = copy_seed(tmp_path)
    passport = by_name(seed, "护照")["code"]
    transfer = matter_named(seed, "不动产转移登记")

    def change_types(doc):
        t = next(t for t in doc["types"] if t["code"] == passport)
        t["validity_rule"] = "years:5"

    def change_matters(doc):
        m = next(m for m in doc["matters"] if m["code"] == transfer["code"])
        m["online"] = not m["online"]
        m["licences"] = m["licences"][:2]
        m["licences"][0]["fields"] = ["ZZBH"]

    edit(seed_dir, "types.json", change_types)
    edit(seed_dir, "matters.json", change_matters)
    with session_scope(engine) as session:
        report = load_catalog(session, seed_dir)
    assert (report.types.updated, report.matters.updated) == (1, 1)
    assert report.matter_licences.updated == 1
    assert report.matter_licences.removed == len(transfer["licences"]) - 2
    with Session(engine) as session:
        assert queries.get_type(session, passport).validity_rule == "years:5"
        entries = queries.licence_list(session, transfer["code"])
        assert len(entries) == 2 and ["ZZBH"] in [list(e.fields) for e in entries]


def _set_type_field(name: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        next(t for t in doc["types"] if t["name"] == name)[key] = value

    return change


def _set_face(index: int, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        next(t for t in doc["types"] if t["name"] == "结婚证")["face_schema"][index][key] = value

    return change


def _set_link_fields(doc: dict[str, Any]) -> None:
    next(m for m in doc["matters"] if m["name"] == "结婚登记")["licences"][0]["fields"].append("KZ_NOPE")


def _orphan_link(doc: dict[str, Any]) -> None:
    next(m for m in doc["matters"] if m["name"] == "结婚登记")["licences"][1]["type_code"] = (
        "1110000000000000X0999"
    )


def _org_type_for_person(doc: dict[str, Any]) -> None:
    org = next(t for t in read_seed()["types"] if t["name"] == "营业执照")["code"]
    next(m for m in doc["matters"] if m["name"] == "结婚登记")["licences"][1]["type_code"] = org


def _duplicate_matter(doc: dict[str, Any]) -> None:
    doc["matters"].append(dict(doc["matters"][0]))


def _bad_authority_level(doc: dict[str, Any]) -> None:
    doc["authorities"][0]["level"] = "county"


def _drop_issuer(doc: dict[str, Any]) -> None:
    for a in doc["authorities"]:
        a["issues"] = [c for c in a["issues"] if c != "11100000MB03271699022"]


BROKEN = [
    ("types.json", _set_type_field("结婚证", "validity_rule", "forever"), "field 'validity_rule'"),
    ("types.json", _set_type_field("结婚证", "code", "1110000000000000I0001"), "field 'code'"),
    ("types.json", _set_type_field("结婚证", "code", "1110000000000000X001"), "must be 21 characters"),
    ("types.json", _set_type_field("结婚证", "sensitive", "no"), "field 'sensitive': must be bool"),
    ("types.json", _set_type_field("结婚证", "holder_category", "household"), "field 'holder_category'"),
    (
        "types.json",
        _set_type_field("结婚证", "authority_uscc", "91110115MA0000000X"),
        "field 'authority_uscc'",
    ),
    ("types.json", _set_type_field("结婚证", "synthetic", False), "field 'synthetic'"),
    ("types.json", _set_type_field("结婚证", "colour", "red"), "field 'colour': unknown field"),
    ("types.json", _set_face(0, "type", "int"), "field 'face_schema[0].type'"),
    ("types.json", _set_face(1, "name", "NFXM"), "field 'face_schema[1].name'"),
    ("types.json", _set_face(0, "enum", ["a"]), "field 'face_schema[0].enum': unknown field"),
    ("types.json", _set_type_field("不动产权证书", "name", "房产证"), "field 'name'"),
    ("matters.json", _set_link_fields, "field 'licences[0].fields': 'KZ_NOPE'"),
    ("matters.json", _orphan_link, "field 'licences[1].type_code'"),
    ("matters.json", _org_type_for_person, "organisation's licence"),
    ("matters.json", _duplicate_matter, "duplicate matter code"),
    ("authorities.json", _bad_authority_level, "field 'level'"),
    ("authorities.json", _drop_issuer, "no authority in authorities.json issues this type"),
]


@pytest.mark.parametrize(("filename", "change", "expected"), BROKEN, ids=[b[2] for b in BROKEN])
def test_a_broken_seed_is_refused_naming_file_item_and_field(engine, tmp_path, filename, change, expected):
    seed_dir = copy_seed(tmp_path)
    edit(seed_dir, filename, change)
    with pytest.raises(ConfigError, match="invalid catalog seed") as caught, session_scope(engine) as session:
        load_catalog(session, seed_dir)
    message = str(caught.value)
    assert filename in message and expected in message, message
    assert snapshot(engine)["LicenceType"] == []  # nothing written


def test_the_error_names_the_item(engine, tmp_path, seed):
    seed_dir = copy_seed(tmp_path)
    edit(seed_dir, "types.json", _set_type_field("结婚证", "validity_rule", "forever"))
    code = by_name(seed, "结婚证")["code"]
    expected = f"types.json: type {code} \\(结婚证\\) field 'validity_rule'"
    with pytest.raises(ConfigError, match=expected), session_scope(engine) as session:
        load_catalog(session, seed_dir)


def test_unreadable_seed_files_give_config_errors(engine, tmp_path):
    seed_dir = copy_seed(tmp_path)
    (seed_dir / "matters.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="matters.json: not valid JSON"), session_scope(engine) as session:
        load_catalog(session, seed_dir)
    (seed_dir / "matters.json").unlink()
    with (
        pytest.raises(ConfigError, match="matters.json: catalog seed file not found"),
        session_scope(engine) as s,
    ):
        load_catalog(s, seed_dir)


# ----- queries -----------------------------------------------------------------------------


def test_list_types_and_matters(loaded, seed):
    assert len(queries.list_types(loaded)) == 160
    newborn = matter_named(seed, "新生儿落户")
    needed = {link["type_code"] for link in newborn["licences"]}
    assert {t.code for t in queries.list_types(loaded, matter_code=newborn["code"])} == needed
    birth = by_name(seed, "出生医学证明")["code"]
    assert [t.code for t in queries.list_types(loaded, type_code=birth)] == [birth]
    assert (
        queries.list_types(loaded, type_code=by_name(seed, "营业执照")["code"], matter_code=newborn["code"])
        == []
    )

    deed = "11100000MB03271699001"
    using = {m.name for m in queries.list_matters(loaded, type_code=deed)}
    assert {"不动产转移登记", "不动产抵押登记", "房屋租赁登记备案"} <= using
    assert [m.code for m in queries.list_matters(loaded, matter_code=newborn["code"])] == [newborn["code"]]
    assert len(queries.list_matters(loaded)) == len(seed["matters"])


def test_get_type_and_not_found(loaded):
    assert queries.get_type(loaded, "11100000000013338W001").name == "二级建造师注册证书"
    with pytest.raises(NotFound, match="licence type '11100000000013338W999' is not in the catalog"):
        queries.get_type(loaded, "11100000000013338W999")
    with pytest.raises(NotFound, match="matter 'DX-NOPE' is not in the catalog"):
        queries.licence_list(loaded, "DX-NOPE")
    with pytest.raises(NotFound):
        queries.list_matters(loaded, type_code="nope")


def test_licence_list_lists_required_types_first(loaded, seed):
    unemployment = matter_named(seed, "失业登记")
    entries = queries.licence_list(loaded, unemployment["code"])
    assert [e.type_name for e in entries][0] == "居民身份证"
    assert [e.required for e in entries] == sorted((e.required for e in entries), reverse=True)
    assert {e.type_code for e in entries} == {link["type_code"] for link in unemployment["licences"]}
    assert entries[0].to_json()["fields"][:3] == ["CZZT", "CZZTDM", "ZZBH"]


def test_issuers_for(loaded, seed):
    issuers = queries.issuers_for(loaded, "11100000000013338W001")
    assert [a.name for a in issuers] == ["北京市住房和城乡建设委员会"]
    licence = by_name(seed, "营业执照")["code"]
    assert "北京市大兴区市场监督管理局" in {a.name for a in queries.issuers_for(loaded, licence)}
    with pytest.raises(NotFound):
        queries.issuers_for(loaded, "11100000000013338W999")


# ----- command line ------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from ledger.settings import get_settings

    monkeypatch.setenv("CERTLEDGER_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def invoke(*args: str) -> Any:
    return runner.invoke(catalog_app, list(args))


def test_cli_load_then_list(data_dir, seed):
    result = invoke("load", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["types"]["inserted"] == 160 and report["changed"] is True
    assert (data_dir / "certledger.db").is_file()

    again = invoke("load")
    assert again.exit_code == 0 and "already up to date" in again.stdout

    listed = json.loads(invoke("list", "--json").stdout)
    assert len(listed["types"]) == 160

    text = invoke("list")
    assert (
        text.exit_code == 0 and "160 licence types" in text.stdout and "11100000000013338W001" in text.stdout
    )


def test_cli_list_matter_and_type(data_dir, seed):
    assert invoke("load").exit_code == 0
    newborn = matter_named(seed, "新生儿落户")
    shown = json.loads(invoke("list", "--matter", newborn["code"], "--json").stdout)
    assert shown["matter"]["name"] == "新生儿落户"
    assert {e["type_code"] for e in shown["licences"]} == {link["type_code"] for link in newborn["licences"]}

    text = invoke("list", "--matter", newborn["code"])
    assert text.exit_code == 0 and "出生医学证明" in text.stdout

    typed = json.loads(invoke("list", "--type", "11100000MB03271699001", "--json").stdout)
    assert typed["type"]["name"] == "不动产权证书" and typed["type"]["synthetic"] is False
    assert len(typed["type"]["face_schema"]) == 8
    assert "不动产转移登记" in {m["name"] for m in typed["matters"]}
    assert typed["issuers"]

    text = invoke("list", "--type", "11100000000013338W001")
    assert text.exit_code == 0
    assert "KZ_ZCZY" in text.stdout and "注册专业" in text.stdout and "real code" in text.stdout

    both = json.loads(
        invoke(
            "list", "--matter", newborn["code"], "--type", newborn["licences"][0]["type_code"], "--json"
        ).stdout
    )
    assert len(both["licences"]) == 1


def test_cli_errors_are_one_line_and_exit_1(data_dir, tmp_path):
    assert invoke("load").exit_code == 0
    missing = invoke("list", "--type", "11100000000013338W999")
    assert missing.exit_code == 1
    assert "error: licence type '11100000000013338W999' is not in the catalog" in missing.stderr
    assert "Traceback" not in missing.output

    seed_dir = copy_seed(tmp_path)
    edit(seed_dir, "types.json", _set_type_field("结婚证", "validity_rule", "forever"))
    broken = invoke("load", "--seed-dir", str(seed_dir))
    assert broken.exit_code == 1
    assert "field 'validity_rule'" in broken.stderr and "Traceback" not in broken.output


def test_cli_registers_under_a_root_app(data_dir):
    root = typer.Typer()
    root.add_typer(catalog_app, name="catalog")
    assert runner.invoke(root, ["catalog", "load"]).exit_code == 0
    result = runner.invoke(root, ["catalog", "list", "--type", "11100000MB03271699022", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["type"]["name"] == "不动产登记证明"
