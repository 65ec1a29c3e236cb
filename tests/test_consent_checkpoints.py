"""Checkpoints of the access log after an approval or a pull are best effort: the entry is
committed first, so a checkpoint that fails (node down, ...) must not turn the answer into an
error (the pull's grant is already used) - the service's timer publishes it later."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_helpers import HOLDER, ApiEnv, make_env
from licence_helpers import TYPE_PERSON

from ledger.errors import ChainError
from ledger.settings import load_settings


@pytest.fixture
def env(tmp_path: Path) -> ApiEnv:
    e = make_env(load_settings(data_dir=tmp_path / "data", checkpoint_every=1), tmp_path)
    yield e
    e.services.close()


def test_a_failed_checkpoint_does_not_fail_the_pull(env: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    env.enrol(HOLDER)
    req = env.open_request()
    env.consent(req)
    published = env.services.logs.latest_checkpoint("access")
    assert published is not None and published.size == 1  # after the approval

    calls = []

    def node_down(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise ChainError("node unreachable")

    monkeypatch.setattr(env.services.logs, "checkpoint", node_down)
    pull = f"/api/requests/{req['request']}/pull"
    r = env.http.post(pull, json={"type_code": TYPE_PERSON}, headers=env.auth("window"))
    assert r.status_code == 200, r.text
    assert r.json()["use_copy"]["verification"]["valid"]
    assert calls  # it was due (checkpoint_every=1) and was tried
    again = env.http.post(pull, json={"type_code": TYPE_PERSON}, headers=env.auth("window"))
    assert again.status_code == 409

    monkeypatch.undo()  # the node is back: the next checkpoint covers the pull
    env.services.logs.checkpoint("access", force=False)
    assert env.services.logs.latest_checkpoint("access").size == 2
