"""The kubo RPC client (ledger.storage.kubo) against a real kubo 0.42 daemon (marker `kubo`), and
its retry and error rules against fake transports and closed ports (no daemon needed)."""

from __future__ import annotations

import base64
import hashlib
import io
import random
import re
import socket
import subprocess
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from kubo_fixtures import ROOT, KuboDaemon, start_kubo

from ledger.errors import StorageError
from ledger.storage.kubo import KuboClient, KuboError

HELLO_CID = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"  # b"hello world"
MiB = 1 << 20
KUBO_VERSION = re.search(
    r"^KUBO_VERSION=(\S+)$", (ROOT / "scripts" / "kubo-start").read_text(), re.MULTILINE
).group(1)  # type: ignore[union-attr]


# ----- helpers -----


class CountingTransport(httpx.HTTPTransport):
    """A real transport that records the path of every request it is handed."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)


def pseudo_random(size: int, seed: int, chunk: int = 256 * 1024) -> Iterator[bytes]:
    """`size` deterministic bytes in pieces, made as they are asked for."""
    rng = random.Random(seed)
    left = size
    while left:
        n = min(chunk, left)
        yield rng.randbytes(n)
        left -= n


def raw_cid(block: bytes) -> bytes:
    """Binary CIDv1 of a raw block: version 1, codec raw (0x55), sha2-256 multihash."""
    return bytes([0x01, 0x55, 0x12, 0x20]) + hashlib.sha256(block).digest()


def cid_text(cid: bytes) -> str:
    return "b" + base64.b32encode(cid).decode().lower().rstrip("=")


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def car_v1(root: bytes, blocks: list[bytes]) -> bytes:
    """A CARv1 file: dag-cbor header {"roots": [root], "version": 1}, then (cid, block) sections."""
    link = b"\x00" + root  # a CID in dag-cbor: tag 42 over the bytes 0x00 + binary CID
    header = (
        b"\xa2"  # map of 2, keys in dag-cbor order (shorter first)
        + b"\x65roots"
        + b"\x81\xd8\x2a\x58"
        + bytes([len(link)])
        + link
        + b"\x67version\x01"
    )
    out = varint(len(header)) + header
    for block in blocks:
        section = raw_cid(block) + block
        out += varint(len(section)) + section
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def kubo(kubo_url: str) -> Iterator[KuboClient]:
    with KuboClient(kubo_url) as client:
        yield client


# ----- against the session's daemon -----


@pytest.mark.kubo
def test_version_is_the_pinned_kubo(kubo: KuboClient) -> None:
    assert kubo.version() == KUBO_VERSION == "0.42.0"


@pytest.mark.kubo
def test_hello_world_cid_is_fixed_by_explicit_parameters(kubo: KuboClient) -> None:
    assert kubo.add(b"hello world", only_hash=True) == HELLO_CID
    assert kubo.add(b"hello world") == HELLO_CID
    assert cid_text(raw_cid(b"hello world")) == HELLO_CID  # one raw block: the CID is its hash
    assert b"".join(kubo.cat(HELLO_CID)) == b"hello world"


@pytest.mark.kubo
def test_small_round_trip_from_every_kind_of_body(kubo: KuboClient) -> None:
    body = b"licence body \x00\xff " * 100
    cid = kubo.add(body)
    assert kubo.add(bytearray(body)) == cid
    assert kubo.add(memoryview(body)) == cid
    assert kubo.add([body[:7], b"", body[7:]]) == cid
    assert kubo.add(io.BytesIO(body)) == cid
    assert b"".join(kubo.cat(cid)) == body
    assert kubo.block_get(cid) == body  # small enough to be one raw block
    assert kubo.block_stat(cid) == len(body)
    assert kubo.add(b"") == cid_text(raw_cid(b""))


@pytest.mark.kubo
def test_10_mib_streams_both_ways(kubo: KuboClient) -> None:
    size = 10 * MiB
    sent = hashlib.sha256()

    def body() -> Iterator[bytes]:
        for piece in pseudo_random(size, seed=10, chunk=64 * 1024):
            sent.update(piece)
            yield piece

    cid = kubo.add(body())
    assert cid.startswith("bafybei")  # 40 leaves under a dag-pb root
    assert kubo.add(b"".join(pseudo_random(size, seed=10)), only_hash=True) == cid

    got, pieces, received = hashlib.sha256(), 0, 0
    for piece in kubo.cat(cid):
        got.update(piece)
        pieces += 1
        received += len(piece)
    assert received == size
    assert got.digest() == sent.digest()
    assert pieces > 1  # arrived in pieces, not as one buffer
    assert kubo.block_stat(cid) < 4096  # the root block holds links only


@pytest.mark.kubo
def test_add_from_an_iterable_does_not_hold_the_body(kubo: KuboClient) -> None:
    size = 48 * MiB  # over 174 leaves: a two-level DAG, so max-file-links counts too
    tracemalloc.start()
    try:
        cid = kubo.add(pseudo_random(size, seed=48))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MiB, f"peak {peak / MiB:.1f} MiB while streaming {size / MiB:.0f} MiB"
    assert kubo.add(pseudo_random(size, seed=48), only_hash=True) == cid
    assert sum(len(p) for p in kubo.cat(cid)) == size


@pytest.mark.kubo
def test_has_is_local_and_quick(kubo: KuboClient) -> None:
    stored = kubo.add(b"has: stored " + random.randbytes(16))
    absent = kubo.add(b"has: never stored " + random.randbytes(16), only_hash=True)
    started = time.monotonic()
    assert kubo.has(stored) is True
    assert kubo.has(absent) is False
    assert time.monotonic() - started < 2
    with pytest.raises(KuboError, match="invalid"):
        kubo.has("not-a-cid")


@pytest.mark.kubo
def test_pin_add_rm_and_gc(kubo: KuboClient) -> None:
    loose = kubo.add(b"unpinned " + random.randbytes(16), pin=False)
    kept = kubo.add(b"pinned later " + random.randbytes(16), pin=False)
    kubo.pin_add(kept)
    kubo.pin_add(kept)  # pinning twice is fine
    removed = kubo.repo_gc()
    assert loose in removed and kept not in removed
    assert not kubo.has(loose) and kubo.has(kept)

    kubo.pin_rm(kept)
    with pytest.raises(KuboError, match="not pinned") as raised:
        kubo.pin_rm(kept)
    assert raised.value.status_code == 500
    assert kept in kubo.repo_gc()
    assert not kubo.has(kept)
    with pytest.raises(KuboError) as raised:
        kubo.pin_add(kept)  # gone, and an offline daemon cannot fetch it
    assert raised.value.not_found


@pytest.mark.kubo
def test_dag_import_returns_and_pins_the_roots(kubo: KuboClient) -> None:
    root_block, other = b"car root " + random.randbytes(16), b"car other " + random.randbytes(16)
    car = car_v1(raw_cid(root_block), [root_block, other])
    roots = kubo.dag_import(iter([car[:10], car[10:]]))
    assert roots == [cid_text(raw_cid(root_block))]
    assert kubo.has(roots[0]) and kubo.has(cid_text(raw_cid(other)))
    assert b"".join(kubo.cat(roots[0])) == root_block
    kubo.pin_rm(roots[0])  # the root was pinned by the import
    with pytest.raises(KuboError):
        kubo.dag_import(b"not a car file")


@pytest.mark.kubo
def test_http_errors_are_not_retried_and_carry_kubos_message(kubo_url: str) -> None:
    transport = CountingTransport()
    with KuboClient(kubo_url, retries=3, transport=transport) as kubo:
        with pytest.raises(KuboError) as raised:
            kubo.block_get("bafkreinotacid")
        assert transport.paths == ["/api/v0/block/get"]
        assert raised.value.status_code == 500
        assert 'invalid path "bafkreinotacid"' in (raised.value.kubo_message or "")
        assert f"kubo at {kubo_url} refused block/get: invalid path" in str(raised.value)
        assert isinstance(raised.value, StorageError)

        transport.paths.clear()
        absent = kubo.add(random.randbytes(32), only_hash=True)
        transport.paths.clear()
        with pytest.raises(KuboError, match="not found locally") as raised:
            kubo.cat(absent)
        assert raised.value.not_found
        assert transport.paths == ["/api/v0/cat"]


@pytest.mark.kubo
def test_kubo_start_reuses_a_running_daemon(kubo_daemon: KuboDaemon) -> None:
    again = kubo_daemon.start()
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == kubo_daemon.url
    assert "reusing running kubo daemon" in again.stderr


@pytest.mark.kubo
def test_kubo_killed_mid_upload(kubo_url: str, tmp_path: Path) -> None:
    """A daemon SIGKILLed while an add streams into it: KuboError, nothing of it kept, and then
    'cannot reach' after exactly the configured retries. kubo-start brings it back afterwards."""
    size, seed = 64 * MiB, 64
    with KuboClient(kubo_url) as other:
        whole_cid = other.add(pseudo_random(size, seed), only_hash=True)

    victim = start_kubo(tmp_path / "victim")
    try:
        halfway, killed = threading.Event(), threading.Event()

        def body() -> Iterator[bytes]:
            for n, piece in enumerate(pseudo_random(size, seed)):
                if n == 32:  # 8 MiB sent: hold the rest until the daemon is dead
                    halfway.set()
                    assert killed.wait(30)
                yield piece

        with KuboClient(victim.url, retries=2, backoff=0.1) as kubo, ThreadPoolExecutor(1) as pool:
            upload = pool.submit(kubo.add, body())
            assert halfway.wait(30), "the upload never got going"
            victim.kill()
            killed.set()
            # httpx reports the dead peer as RemoteProtocolError, which is retried only when the
            # request can be sent again whole: never a stream that has begun.
            with pytest.raises(KuboError, match=r"broke off add \(the body was not stored\)"):
                upload.result(timeout=60)

            transport = CountingTransport()
            with KuboClient(victim.url, retries=2, backoff=0.1, transport=transport) as down:
                started = time.monotonic()
                with pytest.raises(
                    KuboError, match=r"cannot reach kubo at .*start it with scripts/kubo-start"
                ):
                    down.version()
                elapsed = time.monotonic() - started
            assert len(transport.paths) == 3  # 1 + retries
            assert 0.3 <= elapsed < 3  # slept 0.1 + 0.2

        restarted = victim.start()
        assert restarted.returncode == 0, restarted.stderr
        assert "started kubo" in restarted.stderr
        with KuboClient(victim.url) as kubo:
            assert kubo.version() == KUBO_VERSION
            assert not kubo.has(whole_cid)
            assert kubo.add(b"hello world") == HELLO_CID  # and it works again
    finally:
        victim.stop()
    assert not (victim.run_dir / "kubo.pid").exists()


# ----- no daemon needed -----


def test_unreachable_kubo_fails_after_the_configured_retries() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    for retries, backoff, least in [(0, 0.1, 0.0), (3, 0.05, 0.35)]:
        transport = CountingTransport()
        with KuboClient(url, retries=retries, backoff=backoff, transport=transport) as kubo:
            started = time.monotonic()
            with pytest.raises(KuboError) as raised:
                kubo.add(b"x")
            elapsed = time.monotonic() - started
        assert len(transport.paths) == 1 + retries
        assert least <= elapsed < least + 2
        message = str(raised.value)
        assert message.startswith(f"cannot reach kubo at {url}: ConnectError")
        assert message.endswith("; start it with scripts/kubo-start")
        assert raised.value.diagnostics() == message


class FakeTransport(httpx.BaseTransport):
    """Hands each request to `handler(request, n)` (n counts from 1), its body still unread
    (httpx.MockTransport reads it first, which would spoil the streamed-upload cases)."""

    def __init__(self, handler: Callable[[httpx.Request, int], httpx.Response]) -> None:
        self.handler = handler
        self.seen: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return self.handler(request, len(self.seen))


def _mock(handler: Callable[[httpx.Request, int], httpx.Response]) -> tuple[KuboClient, list[httpx.Request]]:
    transport = FakeTransport(handler)
    return KuboClient("http://kubo.test", retries=3, backoff=0.01, transport=transport), transport.seen


def test_connect_errors_are_retried_even_for_a_streamed_upload() -> None:
    def handler(request: httpx.Request, n: int) -> httpx.Response:
        if n < 3:
            raise httpx.ConnectError("refused", request=request)
        assert b"first second" in request.read()
        return httpx.Response(200, content=b'{"Name":"body","Hash":"bafkfake","Size":"12"}\n')

    kubo, seen = _mock(handler)
    assert kubo.add(iter([b"first ", b"second"])) == "bafkfake"
    assert len(seen) == 3
    params = seen[-1].url.params
    assert params["cid-version"] == "1" and params["raw-leaves"] == "true"
    assert params["chunker"] == "size-262144" and params["hash"] == "sha2-256"
    assert params["trickle"] == "false" and params["pin"] == "true" and params["quieter"] == "true"
    assert seen[-1].method == "POST"


def test_a_broken_off_streamed_upload_is_not_retried() -> None:
    def handler(request: httpx.Request, n: int) -> httpx.Response:
        request.read()  # the body went out
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

    kubo, seen = _mock(handler)
    with pytest.raises(KuboError, match="broke off add .the body was not stored."):
        kubo.add(iter([b"a", b"b"]))
    assert len(seen) == 1


def test_a_dropped_keep_alive_connection_is_retried_when_the_request_can_be_resent() -> None:
    def handler(request: httpx.Request, n: int) -> httpx.Response:
        if n == 1:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return httpx.Response(200, json={"Version": "0.42.0"})

    kubo, seen = _mock(handler)
    assert kubo.version() == "0.42.0"
    assert len(seen) == 2


@pytest.mark.parametrize(
    "error",
    [httpx.ReadTimeout("slow"), httpx.ReadError("reset"), httpx.WriteError("broken pipe")],
    ids=["read-timeout", "read-error", "write-error"],
)
def test_other_transport_errors_are_not_retried(error: httpx.TransportError) -> None:
    def handler(request: httpx.Request, n: int) -> httpx.Response:
        raise error

    kubo, seen = _mock(handler)
    with pytest.raises(KuboError, match="kubo at http://kubo.test"):
        kubo.block_get(HELLO_CID)
    assert len(seen) == 1


def test_http_error_without_json_body() -> None:
    kubo, seen = _mock(lambda request, n: httpx.Response(404, text="404 page not found\n"))
    with pytest.raises(KuboError, match=r"refused version: 404 page not found \(HTTP 404\)") as raised:
        kubo.version()
    assert raised.value.status_code == 404 and len(seen) == 1


def test_a_cat_that_ends_short_raises() -> None:
    def handler(request: httpx.Request, n: int) -> httpx.Response:
        return httpx.Response(200, headers={"X-Content-Length": "10"}, content=b"12345")

    kubo, _ = _mock(handler)
    pieces = kubo.cat(HELLO_CID)
    with pytest.raises(KuboError, match="after 5 of 10 bytes"):
        b"".join(pieces)


def test_kubo_stop_is_quiet_when_nothing_runs(tmp_path: Path) -> None:
    stopped = subprocess.run(
        [ROOT / "scripts" / "kubo-stop"],
        env={"PATH": "/usr/bin:/bin", "CERTLEDGER_RUN_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (stopped.returncode, stopped.stdout, stopped.stderr) == (0, "", "")
    (tmp_path / "kubo.pid").write_text("999999\n")  # stale: no such process
    stopped = subprocess.run(
        [ROOT / "scripts" / "kubo-stop"],
        env={"PATH": "/usr/bin:/bin", "CERTLEDGER_RUN_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (stopped.returncode, stopped.stdout, stopped.stderr) == (0, "", "")
    assert not (tmp_path / "kubo.pid").exists()
