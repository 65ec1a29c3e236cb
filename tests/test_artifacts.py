"""The committed contract artifacts are exactly what the pinned compiler makes of contracts/src."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import require_service

from ledger.chain.artifacts import ARTIFACTS_DIR, CONTRACTS_DIR, DEPLOYABLE


def stale_sources(committed: dict, rebuilt: dict) -> list[str]:
    """Source files whose hash differs between the committed and the rebuilt artifact."""
    old, new = committed["sourceHashes"], rebuilt["sourceHashes"]
    return sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))


def test_artifacts_are_reproducible():
    require_service(shutil.which("node") is not None, "Node.js not found: recompiling needs the npm solc")
    from ledger.chain.compile import compile_artifacts

    rebuilt = compile_artifacts()
    assert sorted(rebuilt) == sorted(f"{n}.json" for n in DEPLOYABLE)
    problems = []
    for file_name, text in rebuilt.items():
        committed_text = (ARTIFACTS_DIR / file_name).read_text()
        if committed_text != text:
            changed = stale_sources(json.loads(committed_text), json.loads(text)) or ["compiler settings"]
            problems.append(
                f"contracts/artifacts/{file_name} is stale: {', '.join(changed)} changed without a "
                "rebuild (run `certledger chain build` and commit the artifacts)"
            )
    assert not problems, "\n".join(problems)


def test_artifacts_record_compiler_settings_and_sources():
    for name in DEPLOYABLE:
        data = json.loads((ARTIFACTS_DIR / f"{name}.json").read_text())
        assert data["compiler"]["version"].startswith("0.8.30+")
        assert data["compiler"]["settings"]["evmVersion"] == "cancun"
        assert f"src/{name}.sol" in data["sourceHashes"]
        assert any(p.startswith("@openzeppelin/contracts/") for p in data["sourceHashes"])
        assert data["deployedBytecode"].startswith("0x6080")


def test_a_source_edit_is_named_in_the_failure(tmp_path, monkeypatch):
    """Editing a contract without rebuilding must fail the check above, naming the file."""
    require_service(shutil.which("node") is not None, "Node.js not found: recompiling needs the npm solc")
    from ledger.chain import compile as compiler

    src = tmp_path / "src"
    shutil.copytree(CONTRACTS_DIR / "src", src)
    log_anchor = src / "LogAnchor.sol"
    log_anchor.write_text(log_anchor.read_text() + "\n// an edit without a rebuild\n")
    original = compiler.standard_input

    def edited_input():
        data = original()
        data["sources"]["src/LogAnchor.sol"]["content"] = log_anchor.read_text()
        return data

    monkeypatch.setattr(compiler, "standard_input", edited_input)
    rebuilt = compiler.compile_artifacts()
    committed = json.loads((ARTIFACTS_DIR / "LogAnchor.json").read_text())
    assert rebuilt["LogAnchor.json"] != (ARTIFACTS_DIR / "LogAnchor.json").read_text()
    assert stale_sources(committed, json.loads(rebuilt["LogAnchor.json"])) == ["src/LogAnchor.sol"]
    # the registry does not import LogAnchor.sol: its artifact is unaffected
    assert rebuilt["LicenceRegistry.json"] == (ARTIFACTS_DIR / "LicenceRegistry.json").read_text()


@pytest.mark.parametrize("name", DEPLOYABLE)
def test_artifact_code_hash_matches_deployed_code(name, client, contracts):
    from eth_utils import keccak

    from ledger.chain.artifacts import load_artifact

    code = client.code_at(contracts.deployment.contracts[name].address)
    assert "0x" + keccak(code).hex() == load_artifact(name).code_hash


def test_docs_name_every_error_selector_and_current_code_hash():
    """docs/chain.md is the outside verifier's reference: it must match the artifacts."""
    from eth_utils import function_signature_to_4byte_selector
    from eth_utils.abi import collapse_if_tuple

    from ledger.chain.artifacts import load_artifact

    doc = (ARTIFACTS_DIR.parents[1] / "docs" / "chain.md").read_text()
    missing = []
    for name in DEPLOYABLE:
        artifact = load_artifact(name)
        if name == "LicenceRegistry" and artifact.code_hash not in doc:
            missing.append(f"{name} code hash {artifact.code_hash}")
        for entry in artifact.abi:
            if entry["type"] == "error" and entry["name"].startswith(name):
                signature = f"{entry['name']}({','.join(collapse_if_tuple(i) for i in entry['inputs'])})"
                selector = "0x" + function_signature_to_4byte_selector(signature).hex()
                if selector not in doc:
                    missing.append(f"{signature} {selector}")
    assert not missing, "docs/chain.md is out of date: " + "; ".join(missing)
