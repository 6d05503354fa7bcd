"""Reading the members of an Office package (a zip) straight from their data.

zipfile opens a member in some twenty Python steps (a shared-file wrapper, the local header, a
decrypter check, a decompressor, buffers, a CRC object), which for the dozen small parts of a
.docx — each read once, most of a few kilobytes — cost more than parsing the document itself.
Here a stored or deflated member is read in one seek, one read and one bounded inflate, and
checked as zipfile checks it (size, CRC-32); anything else (encrypted, another method, a local
header that does not check out) goes to zipfile, which reads it or says why not. Nothing is
trusted that zipfile would have refused.
"""

from __future__ import annotations

import struct
import zipfile
import zlib

_LOCAL_HEADER = struct.Struct(zipfile.structFileHeader)


def _data_start(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> int | None:
    """Where the member's data begins in the archive, or None if it is not ours to read."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    fp = zf.fp
    if fp is None:
        return None
    fp.seek(info.header_offset)
    header = fp.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != zipfile.stringFileHeader:
        return None
    fields = _LOCAL_HEADER.unpack(header)
    name = fp.read(fields[zipfile._FH_FILENAME_LENGTH])
    wanted = info.orig_filename
    expected = wanted.encode("ascii") if wanted.isascii() else \
        wanted.encode("utf-8" if info.flag_bits & 0x800 else "cp437", errors="replace")
    if name != expected:
        return None  # zipfile refuses a member whose two names differ
    return info.header_offset + _LOCAL_HEADER.size + len(name) + fields[zipfile._FH_EXTRA_FIELD_LENGTH]


def read_member(zf: zipfile.ZipFile, member: str | zipfile.ZipInfo) -> bytes:
    """The member's bytes, as ``zf.read(member)`` gives them: KeyError for a name not in the
    archive, :class:`zipfile.BadZipFile` for data that does not inflate to its size and CRC."""
    info = member if isinstance(member, zipfile.ZipInfo) else zf.getinfo(member)
    start = _data_start(zf, info)
    if start is None:
        return zf.read(info)
    zf.fp.seek(start)
    raw = zf.fp.read(info.compress_size)
    if info.compress_type == zipfile.ZIP_STORED:
        data = raw
    else:  # bounded: a stream that inflates past its stated size is damage, not a bigger part
        data = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 or size for file {info.filename!r}")
    return data


def first_bytes(zf: zipfile.ZipFile, info: zipfile.ZipInfo, count: int) -> bytes | None:
    """Up to ``count`` bytes from the start of a stored or deflated member (no CRC can be checked
    on a part), or None for a member only zipfile can read."""
    start = _data_start(zf, info)
    if start is None:
        return None
    zf.fp.seek(start)
    if info.compress_type == zipfile.ZIP_STORED:
        return zf.fp.read(min(info.compress_size, count))
    raw = zf.fp.read(min(info.compress_size, count * 2))
    return zlib.decompressobj(-15).decompress(raw, count)
