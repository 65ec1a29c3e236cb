"""Reproducible compilation of contracts/src with the pinned npm solcjs compiler.

py-solc-x drives `contracts/solc-shim.js` (see the comment there). Settings are pinned
here; artifacts are written with sorted keys so that a rebuild is byte-identical.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ledger.chain.artifacts import ARTIFACTS_DIR, CONTRACTS_DIR, DEPLOYABLE
from ledger.errors import ConfigError

SOLC_VERSION = "0.8.30"
SETTINGS: dict[str, Any] = {
    "evmVersion": "cancun",
    "optimizer": {"enabled": True, "runs": 200},
    "metadata": {"bytecodeHash": "ipfs"},
    "outputSelection": {
        "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"]}
    },
}
SHIM = CONTRACTS_DIR / "solc-shim.js"


def ensure_toolchain() -> None:
    """Install the pinned npm compiler and OpenZeppelin sources when missing."""
    if (CONTRACTS_DIR / "node_modules" / "solc").is_dir():
        return
    if shutil.which("npm") is None:
        raise ConfigError("compiling contracts needs Node.js and npm (node >= 20)")
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=CONTRACTS_DIR,
        check=True,
    )


def standard_input() -> dict[str, Any]:
    sources = {
        f"src/{path.name}": {"content": path.read_text()}
        for path in sorted((CONTRACTS_DIR / "src").glob("*.sol"))
    }
    return {"language": "Solidity", "sources": sources, "settings": SETTINGS}


def compile_artifacts() -> dict[str, str]:
    """Compile and return {file name: artifact text} for every deployable contract."""
    import solcx  # a development dependency only

    ensure_toolchain()
    output = solcx.compile_standard(standard_input(), solc_binary=SHIM)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise ConfigError("\n".join(e["formattedMessage"] for e in errors))
    texts: dict[str, str] = {}
    for source, contracts in output["contracts"].items():
        for name, out in contracts.items():
            if name not in DEPLOYABLE:
                continue
            metadata = json.loads(out["metadata"])
            artifact = {
                "contractName": name,
                "sourceName": source,
                "compiler": {"version": metadata["compiler"]["version"], "settings": SETTINGS},
                "sourceHashes": {p: s["keccak256"] for p, s in metadata["sources"].items()},
                "abi": out["abi"],
                "bytecode": "0x" + out["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + out["evm"]["deployedBytecode"]["object"],
            }
            texts[f"{name}.json"] = json.dumps(artifact, indent=2, sort_keys=True) + "\n"
    return texts


def write_artifacts(directory: Path = ARTIFACTS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, text in compile_artifacts().items():
        path = directory / file_name
        path.write_text(text)
        written.append(path)
    return written
