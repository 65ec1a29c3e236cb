"""A streaming UnixFS file importer that yields exactly the blocks and CIDs kubo produces.

It matches ``ipfs add --cid-version=1 --raw-leaves=true --chunker=size-262144 --hash=sha2-256``
(the balanced layout with at most 174 links per node, boxo's
``ipld/unixfs/importer/balanced``): leaves are raw blocks of exactly `chunk_size` bytes (the
last one shorter), inner nodes are dag-pb nodes holding UnixFS ``File`` data. The encodings are
written out in docs/blocks.md; tests/test_unixfs.py compares the CIDs with a real kubo.

Memory: one chunk being filled plus, per open level of the tree, the links of the node being
filled (at most `max_links` each). Blocks are yielded as soon as they are complete, the root
last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ledger.errors import StorageError
from ledger.storage.cid import CID, DAG_PB, RAW, decode_varint, encode_varint

DEFAULT_CHUNK_SIZE = 262144  # kubo's default chunker: size-262144
DEFAULT_MAX_LINKS = 174  # boxo helpers.DefaultLinksPerBlock: 8192 // (34 + 8 + 5)
MAX_CHUNK_SIZE = 1 << 20  # boxo chunker.BlockSizeLimit (1 MiB)

# UnixFS Data.Type values (ipld/unixfs/pb/unixfs.proto)
UNIXFS_RAW = 0
UNIXFS_DIRECTORY = 1
UNIXFS_FILE = 2

# protobuf wire types
_VARINT = 0
_LEN = 2


@dataclass(frozen=True)
class Block:
    """One IPLD block: its bytes and the CID naming them."""

    cid: CID
    data: bytes


@dataclass(frozen=True)
class _Link:
    cid: CID
    tsize: int  # cumulative size: the child block plus everything below it
    filesize: int  # the file bytes under the child


# ----- protobuf encoding -----


def _key(field: int, wire_type: int) -> bytes:
    return encode_varint(field << 3 | wire_type)


def _len_field(field: int, value: bytes) -> bytes:
    return _key(field, _LEN) + encode_varint(len(value)) + value


def _varint_field(field: int, value: int) -> bytes:
    return _key(field, _VARINT) + encode_varint(value)


def encode_unixfs_file(blocksizes: list[int], data: bytes | None = None) -> bytes:
    """UnixFS ``Data`` of a File node: Type=2, [Data], filesize, one blocksize per child."""
    filesize = (len(data) if data is not None else 0) + sum(blocksizes)
    out = bytearray(_varint_field(1, UNIXFS_FILE))
    if data is not None:
        out += _len_field(2, data)
    out += _varint_field(3, filesize)
    for size in blocksizes:  # proto2 `repeated uint64`, not packed: one key per value
        out += _varint_field(4, size)
    return bytes(out)


def encode_pblink(cid: CID, tsize: int, name: str = "") -> bytes:
    """PBLink: Hash (1) = binary CID, Name (2) = name (present even when empty), Tsize (3)."""
    return _len_field(1, cid.to_bytes()) + _len_field(2, name.encode("utf-8")) + _varint_field(3, tsize)


def encode_pbnode(links: Iterable[bytes], data: bytes | None) -> bytes:
    """PBNode with its Links (field 2) first, then Data (field 1), as dag-pb requires."""
    out = bytearray()
    for link in links:
        out += _len_field(2, link)
    if data is not None:
        out += _len_field(1, data)
    return bytes(out)


def _file_node(links: list[_Link]) -> tuple[Block, _Link]:
    data = encode_unixfs_file([link.filesize for link in links])
    block_bytes = encode_pbnode((encode_pblink(link.cid, link.tsize) for link in links), data)
    block = Block(CID.for_block(DAG_PB, block_bytes), block_bytes)
    tsize = len(block_bytes) + sum(link.tsize for link in links)
    return block, _Link(block.cid, tsize, sum(link.filesize for link in links))


def _raw_leaf(chunk: bytes) -> tuple[Block, _Link]:
    block = Block(CID.for_block(RAW, chunk), chunk)
    return block, _Link(block.cid, len(chunk), len(chunk))


# ----- import -----

Source = bytes | bytearray | memoryview | Iterable[bytes | bytearray | memoryview]


def _chunks(source: Source, chunk_size: int) -> Iterator[bytes]:
    """Re-cut the input into chunks of exactly `chunk_size` bytes (the last may be shorter)."""
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source).cast("B")
        for start in range(0, len(view), chunk_size):
            yield bytes(view[start : start + chunk_size])
        return
    buf = bytearray()
    for piece in source:
        if not isinstance(piece, bytes | bytearray | memoryview):
            raise TypeError(f"import_stream wants bytes, got {type(piece).__name__}")
        view = memoryview(piece).cast("B")
        pos = 0
        if buf:  # top up the pending chunk first
            take = min(chunk_size - len(buf), len(view))
            buf += view[:take]
            pos = take
            if len(buf) < chunk_size:
                continue
            yield bytes(buf)
            buf.clear()
        while len(view) - pos >= chunk_size:  # whole chunks straight from the piece
            yield bytes(view[pos : pos + chunk_size])
            pos += chunk_size
        buf += view[pos:]
    if buf:
        yield bytes(buf)


def import_stream(
    source: Source, chunk_size: int = DEFAULT_CHUNK_SIZE, max_links: int = DEFAULT_MAX_LINKS
) -> Iterator[Block]:
    """Import a file as UnixFS blocks, yielding each block once complete, the root last.

    `source` is a bytes-like object or an iterable of bytes-like pieces of any sizes. The
    balanced layout of boxo: level 0 collects the raw leaves of the depth-1 node being filled,
    level i the depth-i nodes of the depth-(i+1) node being filled. A node is committed as soon
    as it holds `max_links` children; once all input is read, the partly filled nodes are
    committed bottom-up. A file of one chunk is just its raw leaf; an empty file is the raw
    block of zero bytes (which is what kubo produces too).
    """
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk_size must be in 1..{MAX_CHUNK_SIZE}")
    if max_links < 2:
        raise ValueError("max_links must be at least 2")

    levels: list[list[_Link]] = [[]]
    last: Block | None = None
    for chunk in _chunks(source, chunk_size):
        block, link = _raw_leaf(chunk)
        yield block
        last = block
        levels[0].append(link)
        level = 0
        while len(levels[level]) == max_links:  # a full node: commit it into its parent
            block, link = _file_node(levels[level])
            yield block
            last = block
            levels[level] = []
            level += 1
            if level == len(levels):
                levels.append([])  # the tree grows: this node is the first child of a new root
            levels[level].append(link)

    if last is None:  # empty input
        yield _raw_leaf(b"")[0]
        return
    top = len(levels) - 1
    if len(levels[top]) == 1 and all(not level for level in levels[:top]):
        return  # the last block yielded (a leaf or a full node) is the whole file
    for level in range(top + 1):
        if not levels[level]:
            continue
        block, link = _file_node(levels[level])
        yield block
        if level < top:
            levels[level + 1].append(link)


def import_bytes(data: bytes | bytearray | memoryview, **kwargs: int) -> tuple[CID, list[Block]]:
    """Convenience for small inputs: (root CID, all blocks, root last)."""
    blocks = list(import_stream(data, **kwargs))
    return blocks[-1].cid, blocks


def file_cid(source: Source, **kwargs: int) -> CID:
    """The CID kubo gives these bytes, keeping only one block at a time."""
    last: Block | None = None
    for last in import_stream(source, **kwargs):  # noqa: B007 - the last block is the root
        pass
    assert last is not None
    return last.cid


# ----- decoding -----


def _fields(buf: bytes, what: str) -> Iterator[tuple[int, int, int | bytes]]:
    """(field, wire type, value) for each protobuf field; only varint and length-delimited."""
    pos = 0
    while pos < len(buf):
        key, pos = decode_varint(buf, pos)
        field, wire = key >> 3, key & 7
        if field == 0:
            raise StorageError(f"{what}: field number 0")
        if wire == _VARINT:
            value, pos = decode_varint(buf, pos)
            yield field, wire, value
        elif wire == _LEN:
            length, pos = decode_varint(buf, pos)
            if pos + length > len(buf):
                raise StorageError(f"{what}: truncated field {field}")
            yield field, wire, buf[pos : pos + length]
            pos += length
        else:
            raise StorageError(f"{what}: unsupported wire type {wire} in field {field}")


@dataclass(frozen=True)
class PBLink:
    cid: CID
    name: str | None
    tsize: int | None


@dataclass(frozen=True)
class PBNode:
    links: tuple[PBLink, ...]
    data: bytes | None


@dataclass(frozen=True)
class UnixFSData:
    type: int
    data: bytes | None
    filesize: int | None
    blocksizes: tuple[int, ...]


def decode_pbnode(buf: bytes) -> PBNode:
    """Decode a dag-pb block (links must come before data; no other fields)."""
    links: list[PBLink] = []
    data: bytes | None = None
    for field, wire, value in _fields(buf, "dag-pb node"):
        if field == 2 and wire == _LEN and data is None:
            assert isinstance(value, bytes)
            links.append(_decode_pblink(value))
        elif field == 1 and wire == _LEN and data is None:
            assert isinstance(value, bytes)
            data = value
        else:
            raise StorageError(f"dag-pb node: unexpected field {field} (wire type {wire})")
    return PBNode(tuple(links), data)


def _decode_pblink(buf: bytes) -> PBLink:
    cid: CID | None = None
    name: str | None = None
    tsize: int | None = None
    last = 0
    for field, wire, value in _fields(buf, "dag-pb link"):
        if field <= last:
            raise StorageError("dag-pb link: fields out of order or repeated")
        last = field
        if field == 1 and wire == _LEN:
            assert isinstance(value, bytes)
            cid = CID.from_bytes(value)
        elif field == 2 and wire == _LEN:
            assert isinstance(value, bytes)
            try:
                name = value.decode("utf-8")
            except UnicodeDecodeError:
                raise StorageError("dag-pb link: name is not UTF-8") from None
        elif field == 3 and wire == _VARINT:
            assert isinstance(value, int)
            tsize = value
        else:
            raise StorageError(f"dag-pb link: unexpected field {field} (wire type {wire})")
    if cid is None:
        raise StorageError("dag-pb link without a Hash")
    return PBLink(cid, name, tsize)


def decode_unixfs(buf: bytes) -> UnixFSData:
    """Decode UnixFS ``Data`` (fields 5-8, mode and time, are accepted and ignored)."""
    type_: int | None = None
    data: bytes | None = None
    filesize: int | None = None
    blocksizes: list[int] = []
    for field, wire, value in _fields(buf, "UnixFS data"):
        if field == 1 and wire == _VARINT:
            assert isinstance(value, int)
            type_ = value
        elif field == 2 and wire == _LEN:
            assert isinstance(value, bytes)
            data = value
        elif field == 3 and wire == _VARINT:
            assert isinstance(value, int)
            filesize = value
        elif field == 4 and wire == _VARINT:
            assert isinstance(value, int)
            blocksizes.append(value)
        elif field == 4 and wire == _LEN:  # tolerate the packed form
            assert isinstance(value, bytes)
            pos = 0
            while pos < len(value):
                size, pos = decode_varint(value, pos)
                blocksizes.append(size)
        elif field in (5, 6, 7, 8):
            continue
        else:
            raise StorageError(f"UnixFS data: unexpected field {field} (wire type {wire})")
    if type_ is None:
        raise StorageError("UnixFS data without a Type")
    return UnixFSData(type_, data, filesize, tuple(blocksizes))


# ----- reading -----


def read_stream(get_block: Callable[[CID], bytes], root: CID) -> Iterator[bytes]:
    """Yield the file under `root` in order, depth first, checking every block's hash.

    `get_block` returns a block's bytes (raising whatever it likes when it has none). Raises
    StorageError when a block does not match its CID, is not a UnixFS file node, or the sizes
    recorded in the nodes disagree with what is below them.
    """
    yield from _walk(get_block, root, None)


def _fetch(get_block: Callable[[CID], bytes], cid: CID) -> bytes:
    data = bytes(get_block(cid))
    cid.verify(data)
    return data


def _walk(get_block: Callable[[CID], bytes], cid: CID, expected: int | None) -> Iterator[bytes]:
    block = _fetch(get_block, cid)
    if cid.codec == RAW:
        if expected is not None and len(block) != expected:
            raise StorageError(f"raw block {cid}: {len(block)} bytes, its parent says {expected}")
        if block:
            yield block
        return
    node = decode_pbnode(block)
    if node.data is None:
        raise StorageError(f"dag-pb node {cid} has no UnixFS data")
    fs = decode_unixfs(node.data)
    if fs.type not in (UNIXFS_RAW, UNIXFS_FILE):
        raise StorageError(f"{cid} is a UnixFS node of type {fs.type}, not a file")
    if len(fs.blocksizes) != len(node.links):
        raise StorageError(f"{cid}: {len(node.links)} links but {len(fs.blocksizes)} blocksizes")
    own = len(fs.data) if fs.data is not None else 0
    total = own + sum(fs.blocksizes)
    if fs.filesize is not None and fs.filesize != total:
        raise StorageError(f"{cid}: filesize {fs.filesize} but data and blocksizes add up to {total}")
    if expected is not None and total != expected:
        raise StorageError(f"{cid}: holds {total} bytes, its parent says {expected}")
    if fs.data:
        yield fs.data
    for link, size in zip(node.links, fs.blocksizes, strict=True):
        yield from _walk(get_block, link.cid, size)
