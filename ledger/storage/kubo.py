"""A typed client for kubo's (IPFS) RPC API over httpx.

Kubo's RPC API (`/api/v0/...`) takes POST only; arguments and options travel in the query
string, file bodies as multipart/form-data. Every call has a timeout. Calls are retried with
exponential backoff only when the daemon could not be reached (connection refused or timed out,
or a kept-alive connection closed before any response) and the request can be sent again; never
on an HTTP error answer, and never once a response or a streamed upload has begun.

Everything that goes wrong raises `KuboError` (a `StorageError`). An `add` that raises stored
nothing the caller may rely on: blocks already written are unpinned and go at the next GC.

    with KuboClient("http://127.0.0.1:5501") as kubo:
        cid = kubo.add(b"hello world")
        body = b"".join(kubo.cat(cid))

Start a local daemon with scripts/kubo-start (kubo 0.42.0, offline, loopback only).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

import httpx

from ledger.errors import StorageError

__all__ = ["ADD_PARAMS", "KuboClient", "KuboError"]

# Every parameter that shapes the DAG, given explicitly: the CID of a body must never change
# with kubo's defaults or an `Import.*` setting of the daemon's config. Kubo silently ignores
# option names it does not know, so tests check a known CID (b"hello world").
ADD_PARAMS: dict[str, str] = {
    "cid-version": "1",
    "raw-leaves": "true",
    "chunker": "size-262144",
    "hash": "sha2-256",
    "trickle": "false",
    "max-file-links": "174",  # Import.UnixFSFileMaxLinks; the unixfs-v1-2025 profile sets 1024
    "inline": "false",
    "cid-base": "base32",
    "wrap-with-directory": "false",
    "quieter": "true",  # only the root's event
}

_CHUNK = 256 * 1024
_NOT_FOUND_MARKERS = ("not found", "could not find")


Params = dict[str, str] | list[tuple[str, str]]


class KuboError(StorageError):
    """Kubo could not be reached, refused a request, or broke off while answering.

    `status_code` and `kubo_message` are set when kubo answered with an HTTP error.
    """

    def __init__(self, message: str, *, status_code: int | None = None, kubo_message: str | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.kubo_message = kubo_message

    @property
    def not_found(self) -> bool:
        """True when kubo said the block or path does not exist locally."""
        text = (self.kubo_message or "").lower()
        return any(marker in text for marker in _NOT_FOUND_MARKERS)


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


Body = bytes | bytearray | memoryview | Iterable[bytes] | _Readable


class _Upload:
    """A multipart/form-data body holding one file part.

    Bytes are sent whole (and can be sent again on a retry). Anything else is streamed from its
    iterator, never held whole in memory, and can be sent once: `started` turns true when its
    first piece is handed to httpx.
    """

    def __init__(self, data: Body) -> None:
        self.boundary = uuid.uuid4().hex
        self.head = (
            f"--{self.boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="body"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.started = False
        self._whole: bytes | None = None
        self._pieces: Iterator[bytes] | None = None
        if isinstance(data, bytes | bytearray | memoryview):
            self._whole = self.head + bytes(data) + self.tail
        elif hasattr(data, "read"):
            self._pieces = _read_chunks(data)  # type: ignore[arg-type]
        else:
            self._pieces = iter(data)  # type: ignore[arg-type]

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def replayable(self) -> bool:
        return self._whole is not None or not self.started

    def content(self) -> bytes | Iterator[bytes]:
        if self._whole is not None:
            return self._whole
        return self._stream()

    def _stream(self) -> Iterator[bytes]:
        self.started = True
        yield self.head
        assert self._pieces is not None
        for piece in self._pieces:
            if not isinstance(piece, bytes | bytearray | memoryview):
                raise TypeError(f"a streamed body must yield bytes, got {type(piece).__name__}")
            if piece:
                yield bytes(piece)
        yield self.tail


def _read_chunks(stream: _Readable) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk


class KuboClient:
    """Kubo's RPC API at `base_url` (e.g. http://127.0.0.1:5501).

    timeout: seconds for connecting, for each read and write, and for waiting on the pool.
    retries: how many more times a call is tried when kubo cannot be reached (so at most
    1 + retries attempts), sleeping backoff, 2*backoff, 4*backoff... in between.
    transport: an httpx transport, for tests.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.1,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        if timeout <= 0:
            raise ValueError("timeout must be > 0")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        # trust_env=False: the RPC API is local; an http_proxy from the environment must not
        # carry it (nor see its traffic).
        self._http = httpx.Client(
            base_url=self.base_url + "/api/v0/",
            timeout=httpx.Timeout(timeout),
            trust_env=False,
            transport=transport,
        )

    # ----- lifecycle -----

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KuboClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KuboClient({self.base_url!r})"

    # ----- commands -----

    def version(self) -> str:
        """Kubo's version number, e.g. "0.42.0"."""
        return str(self._json("version")["Version"])

    def add(self, data: Body, *, only_hash: bool = False, pin: bool = True) -> str:
        """Store a body as a UnixFS file and return its CID (CIDv1, base32).

        `data` is bytes, or an iterable of bytes (or a binary file) streamed without holding
        it whole. With only_hash the CID is computed and nothing is stored. When this raises,
        the body must be treated as not stored.
        """
        params = {**ADD_PARAMS, "only-hash": _flag(only_hash), "pin": _flag(pin and not only_hash)}
        events = self._ndjson("add", params, upload=_Upload(data))
        hashes = [event["Hash"] for event in events if event.get("Hash")]
        if not hashes:
            raise KuboError(f"kubo at {self.base_url} ended add without a CID: the body was not stored")
        return str(hashes[-1])

    def cat(self, cid: str) -> Iterator[bytes]:
        """The body of a UnixFS file, in pieces as they arrive.

        The request is made at once (errors such as an unknown CID raise here); reading the
        iterator raises KuboError if the stream breaks off or ends short.
        """
        response = self._send("cat", {"arg": cid}, stream=True)
        return self._pieces(response, "cat")

    def block_get(self, cid: str) -> bytes:
        """The raw bytes of one block."""
        return self._send("block/get", {"arg": cid}).content

    def block_stat(self, cid: str) -> int:
        """The size in bytes of one block."""
        return int(self._json("block/stat", {"arg": cid})["Size"])

    def has(self, cid: str) -> bool:
        """True if the block `cid` is in the local repo. Never asks the network, even on an
        online daemon: block/stat with the global `offline` option fails at once for a missing
        block. Only the root block is looked at, not the whole DAG."""
        try:
            self._json("block/stat", {"arg": cid, "offline": "true"})
        except KuboError as exc:
            if exc.not_found:
                return False
            raise
        return True

    def pin_add(self, *cids: str) -> None:
        """Pin each CID and everything below it (many in one call: kubo pins under one lock)."""
        self._json("pin/add", [("arg", c) for c in cids] + [("recursive", "true"), ("progress", "false")])

    def pin_rm(self, cid: str) -> None:
        """Remove the recursive pin of `cid` (KuboError if it is not pinned)."""
        self._json("pin/rm", {"arg": cid, "recursive": "true"})

    def dag_import(self, car: Body) -> list[str]:
        """Import a CAR (v1 or v2) stream, pinning its roots; return the root CIDs."""
        params = {"pin-roots": "true", "silent": "false", "stats": "false", "cid-base": "base32"}
        roots: list[str] = []
        for event in self._ndjson("dag/import", params, upload=_Upload(car)):
            root = event.get("Root")
            if not root:
                continue
            cid = root["Cid"]["/"]
            if root.get("PinErrorMsg"):
                raise KuboError(
                    f"kubo at {self.base_url} imported {cid} but could not pin it: {root['PinErrorMsg']}",
                    kubo_message=root["PinErrorMsg"],
                )
            roots.append(str(cid))
        return roots

    def repo_gc(self) -> list[str]:
        """Garbage-collect unpinned blocks; return the CIDs removed."""
        removed: list[str] = []
        errors: list[str] = []
        for event in self._ndjson("repo/gc", {"stream-errors": "true", "quiet": "false"}):
            if event.get("Error"):
                errors.append(str(event["Error"]))
            elif event.get("Key"):
                removed.append(str(event["Key"]["/"]))
        if errors:
            raise KuboError(
                f"kubo at {self.base_url} repo gc failed: {'; '.join(errors)}", kubo_message=errors[0]
            )
        return removed

    # ----- transport -----

    def _json(self, path: str, params: Params | None = None) -> dict[str, Any]:
        response = self._send(path, params)
        try:
            value = response.json()
        except ValueError as exc:
            raise KuboError(f"kubo at {self.base_url} answered {path} with malformed JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise KuboError(
                f"kubo at {self.base_url} answered {path} with {type(value).__name__}, not an object"
            )
        return value

    def _ndjson(
        self, path: str, params: Params | None = None, *, upload: _Upload | None = None
    ) -> list[dict[str, Any]]:
        """The JSON objects of a newline-delimited JSON answer."""
        response = self._send(path, params, upload=upload)
        events: list[dict[str, Any]] = []
        for line in response.text.splitlines():
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError as exc:
                raise KuboError(
                    f"kubo at {self.base_url} answered {path} with malformed JSON: {exc}"
                ) from exc
            if isinstance(event, dict):
                if event.get("Type") == "error" and "Message" in event:  # an error emitted in-stream
                    raise KuboError(
                        f"kubo at {self.base_url} failed {path}: {event['Message']}",
                        kubo_message=event["Message"],
                    )
                events.append(event)
        return events

    def _send(
        self,
        path: str,
        params: Params | None = None,
        *,
        upload: _Upload | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """POST and return a successful response: read whole, or (stream=True) with its body
        still to be read, which the caller must close."""
        attempt = 0
        while True:
            headers = {"Content-Type": upload.content_type} if upload else None
            request = self._http.build_request(
                "POST", path, params=params, headers=headers, content=upload.content() if upload else None
            )
            try:
                response = self._http.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                failure: httpx.TransportError = exc  # nothing reached kubo: safe to try again
            except httpx.RemoteProtocolError as exc:
                # Closed before any response: a kept-alive connection kubo had dropped, or kubo
                # died. Sent again only if the whole request can be sent again.
                if upload is not None and not upload.replayable:
                    raise self._broken(path, exc) from exc
                failure = exc
            except httpx.TimeoutException as exc:
                raise KuboError(
                    f"kubo at {self.base_url} did not answer {path} within {self.timeout:g}s: {_describe(exc)}"
                ) from exc
            except httpx.TransportError as exc:
                raise self._broken(path, exc) from exc
            else:
                return self._accept(path, response, stream)

            if attempt >= self.retries or (upload is not None and not upload.replayable):
                raise KuboError(
                    f"cannot reach kubo at {self.base_url}: {_describe(failure)} "
                    f"(tried {attempt + 1} time{'s' if attempt else ''}); start it with scripts/kubo-start"
                ) from failure
            time.sleep(self.backoff * 2**attempt)
            attempt += 1

    def _accept(self, path: str, response: httpx.Response, stream: bool) -> httpx.Response:
        ok = False
        try:
            if response.is_error:
                response.read()
                raise self._refused(path, response)
            if not stream:
                response.read()
            ok = True
        except httpx.TimeoutException as exc:
            raise KuboError(
                f"kubo at {self.base_url} stopped answering {path} for {self.timeout:g}s: {_describe(exc)}"
            ) from exc
        except httpx.TransportError as exc:
            raise self._broken(path, exc) from exc
        finally:
            if not (ok and stream):
                response.close()
        return response

    def _pieces(self, response: httpx.Response, path: str) -> Iterator[bytes]:
        expected = response.headers.get("X-Content-Length")
        received = 0
        try:
            for piece in response.iter_bytes(_CHUNK):
                received += len(piece)
                yield piece
        except httpx.TimeoutException as exc:
            raise KuboError(
                f"kubo at {self.base_url} stopped sending {path} for {self.timeout:g}s "
                f"after {received} bytes: {_describe(exc)}"
            ) from exc
        except httpx.TransportError as exc:
            raise self._broken(path, exc) from exc
        finally:
            response.close()
        # An error after the first byte comes as an HTTP trailer (X-Stream-Error), which httpx
        # drops: a short body is how it shows.
        if expected is not None and expected.isdigit() and received != int(expected):
            raise KuboError(
                f"kubo at {self.base_url} ended {path} after {received} of {expected} bytes "
                "(an error in mid-stream; see the daemon's log)"
            )

    def _refused(self, path: str, response: httpx.Response) -> KuboError:
        message = response.text.strip()
        try:
            body = json.loads(message)
        except ValueError:
            pass
        else:
            if isinstance(body, dict) and "Message" in body:
                message = str(body["Message"])
        return KuboError(
            f"kubo at {self.base_url} refused {path}: {message or response.reason_phrase} "
            f"(HTTP {response.status_code})",
            status_code=response.status_code,
            kubo_message=message,
        )

    def _broken(self, path: str, exc: Exception) -> KuboError:
        stored = " (the body was not stored)" if path in {"add", "dag/import"} else ""
        return KuboError(f"kubo at {self.base_url} broke off {path}{stored}: {_describe(exc)}")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
