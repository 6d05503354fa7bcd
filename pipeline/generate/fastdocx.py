"""Fill one docxtpl template for thousands of subjects, fast.

Why hand-written: docxtpl re-runs its regex clean-up, Jinja and an lxml parse of every part for
every document, and python-docx re-serialises and re-deflates the whole package (350 kB of
styles included) on every save. Per (template, profile) only a handful of strings differ between
two forms — name, unit, position, duty, the id — and one picture. So the template is rendered
ONCE through docxtpl with sentinel strings in place of those values (every Word feature docxtpl
handles — row loops, vertical merges — is resolved then); after that a form is the static parts'
bytes, already deflated, plus a few parts where the sentinels are swapped for XML-escaped values
and the QR picture's bytes, written straight into a zip.

The zip writer is a small stored/deflate writer of its own because :mod:`zipfile` cannot take
pre-compressed data: it would deflate the unchanged parts again for every file.
"""

from __future__ import annotations

import re
import struct
import time
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from jinja2 import Environment

from pipeline import atomic
from pipeline.generate.ooxml import finish

SENTINEL = "@@LZ{}@@"
SENTINEL_RE = re.compile(rb"@@LZ([a-z_]+)@@")
#: XML 1.0 forbids most control characters; Excel rosters carry some (vertical tab from Alt+Enter).
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
DEFLATE_LEVEL = 1  # the per-form parts are small; level 1 is ~3x faster than 6 for ~5 % more bytes
CUSTOM_PART = "docProps/custom.xml"


def xml_escape(value: object) -> bytes:
    return str(value).translate(_CONTROL).translate(_ESCAPE).encode("utf-8")


def _deflate(data: bytes, level: int) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


@dataclass(frozen=True)
class Picture:
    """A picture a static template variable stands for (a form's drawn chart), at its print size."""

    data: bytes
    width_mm: float
    height_mm: float


def template_context(tpl, values: dict) -> dict:
    """``values`` for docxtpl: a :class:`Picture` becomes an image of ``tpl`` at its print size
    (left as it is, docxtpl would print the object's repr as text)."""
    from docx.shared import Mm
    from docxtpl import InlineImage

    return {k: InlineImage(tpl, BytesIO(v.data), width=Mm(v.width_mm), height=Mm(v.height_mm))
            if isinstance(v, Picture) else v for k, v in values.items()}


@dataclass(frozen=True)
class _Static:
    name: bytes
    method: int  # 0 stored, 8 deflated
    crc: int
    size: int
    data: bytes  # as it goes in the zip (compressed when method is 8)


@dataclass(frozen=True)
class _Filled:
    name: bytes
    chunks: tuple  # bytes and str (a key) alternating


class PreparedDocx:
    """A rendered template split into static parts and parts with per-subject holes."""

    def __init__(self, parts: dict[str, bytes], qr_part: str | None, keys: set[str]):
        self.qr_part = qr_part.encode() if qr_part else None
        self.entries: list[_Static | _Filled | bytes] = []
        for name, data in parts.items():
            bname = name.encode("utf-8")
            if name == qr_part:
                self.entries.append(bname)  # the QR picture: bytes come per form
            elif SENTINEL_RE.search(data):
                pieces = SENTINEL_RE.split(data)  # static, key, static, key, …, static
                chunks = tuple(p.decode() if i % 2 else p for i, p in enumerate(pieces))
                unknown = {c for c in chunks[1::2]} - keys
                if unknown:
                    raise ValueError(f"sentinel for unknown keys {unknown} in {name}")
                self.entries.append(_Filled(bname, chunks))
            else:
                stored = name.endswith((".png", ".jpeg", ".jpg", ".gif"))
                packed = data if stored else _deflate(data, 9)  # once per batch: worth the best level
                self.entries.append(_Static(bname, 0 if stored else 8, zlib.crc32(data), len(data), packed))

    @classmethod
    def render(cls, template: Path, static: dict, keys: set[str], qr_name: str) -> "PreparedDocx":
        """Render ``template`` once with docxtpl: ``static`` values as they are, ``keys`` as sentinels."""
        from docxtpl import DocxTemplate

        tpl = DocxTemplate(str(template))
        context = template_context(tpl, static)
        context.update({k: SENTINEL.format(k) for k in keys})
        tpl.render(context, autoescape=True)
        finish(tpl.docx)  # docxtpl's merge tags add tcPr children out of schema order
        buf = BytesIO()
        tpl.save(buf)
        import zipfile

        with zipfile.ZipFile(buf) as z:
            parts = {i.filename: z.read(i.filename) for i in z.infolist()}
        if CUSTOM_PART in parts:  # docxtpl renders the body, headers, footers and core properties only
            env = Environment(autoescape=True)
            parts[CUSTOM_PART] = env.from_string(parts[CUSTOM_PART].decode("utf-8")).render(context).encode("utf-8")
        return cls(parts, find_picture(parts, qr_name), keys)

    def write(self, path: Path, values: dict[str, object], picture: bytes | None) -> None:
        """Write one filled document; ``values`` has a value for every sentinel key."""
        escaped = {k: xml_escape(v) for k, v in values.items()}
        writer = _ZipWriter()
        for e in self.entries:
            if isinstance(e, _Static):
                writer.add_raw(e.name, e.method, e.crc, e.size, e.data)
            elif isinstance(e, _Filled):
                data = b"".join(escaped[c] if i % 2 else c for i, c in enumerate(e.chunks))
                writer.add(e.name, data, DEFLATE_LEVEL)
            else:
                writer.add(e, picture or b"", None)
        atomic.write_bytes(path, writer.finish())


def find_picture(parts: dict[str, bytes], descr: str) -> str | None:
    """The zip name of the picture whose drawing has ``descr`` (the QR), via its part's relationships."""
    marker = f'descr="{descr}"'.encode()
    for name, data in parts.items():
        at = data.find(marker)
        if at < 0 or not name.endswith(".xml"):
            continue
        embed = re.compile(rb'r:embed="([^"]+)"').search(data, at)
        if not embed:
            continue
        folder, _, base = name.rpartition("/")
        rels = parts.get(f"{folder}/_rels/{base}.rels", b"")
        rel = re.search(rb'<Relationship [^>]*Id="%s"[^>]*>' % re.escape(embed.group(1)), rels)
        target = rel and re.search(rb'Target="([^"]+)"', rel.group(0))
        if target:
            return f"{folder}/{target.group(1).decode()}"
    return None


class _ZipWriter:
    """Minimal zip writer (local headers, central directory, end record); no zip64, no encryption."""

    def __init__(self) -> None:
        t = time.localtime()
        self.dostime = (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2)
        self.dosdate = ((t.tm_year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday
        self.out: list[bytes] = []
        self.central: list[bytes] = []
        self.offset = 0

    def add(self, name: bytes, data: bytes, level: int | None) -> None:
        if level is None:
            self.add_raw(name, 0, zlib.crc32(data), len(data), data)
        else:
            self.add_raw(name, 8, zlib.crc32(data), len(data), _deflate(data, level))

    def add_raw(self, name: bytes, method: int, crc: int, size: int, data: bytes) -> None:
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, self.dostime, self.dosdate,
                             crc, len(data), size, len(name), 0)
        self.central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, self.dostime,
                                        self.dosdate, crc, len(data), size, len(name), 0, 0, 0, 0, 0,
                                        self.offset) + name)
        self.out += (header, name, data)
        self.offset += len(header) + len(name) + len(data)

    def finish(self) -> bytes:
        directory = b"".join(self.central)
        end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(self.central), len(self.central),
                          len(directory), self.offset, 0)
        return b"".join(self.out) + directory + end
