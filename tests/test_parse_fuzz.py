"""Damaged returns: whatever happened to the bytes, parsing ends in a record or in InputFileError.

A traceback in front of a user is a defect, so this mutates real generated forms the ways files get
damaged — truncated, bytes flipped inside the XML or inside the compressed zip, parts dropped, a PDF
cut short — and asserts that nothing but :class:`InputFileError` ever escapes ``parse_file``. The
readers convert only their libraries' own errors (tests/test_reader_faults.py shows that a fault of
the program still escapes), so a new kind of damage the libraries report differently fails here.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

from conftest import make_workspace, needs_soffice
from pipeline import api
from pipeline._exec import soffice
from pipeline.errors import InputFileError
from pipeline.records import ParsedForm

CASES = 60


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> list[Path]:
    ws = make_workspace(tmp_path_factory.mktemp("fuzz"))
    return [p for p in api.make_forms(ws, department="财务处", progress=False) if p.suffix == ".docx"][:4]


def _rezip(data: bytes, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = change(info.filename, src.read(info))
            if body is not None:
                dst.writestr(info.filename, body)
    return out.getvalue()


def _mutations(data: bytes, rng: random.Random):
    yield "truncated", data[: rng.randrange(1, len(data))]

    raw = bytearray(data)  # flipped on disk: inside the deflate streams and the zip directory
    for _ in range(rng.randrange(1, 10)):
        raw[rng.randrange(len(raw))] = rng.randrange(256)
    yield "zip bytes flipped", bytes(raw)

    def flip(name, body):
        if not name.endswith(".xml") or not body:
            return body
        body = bytearray(body)
        for _ in range(rng.randrange(1, 8)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        return bytes(body)
    yield "xml bytes flipped", _rezip(data, flip)

    victim = rng.choice(["word/document.xml", "word/styles.xml", "[Content_Types].xml", "docProps/custom.xml",
                         "word/footer1.xml", "word/numbering.xml"])
    yield f"{victim} dropped", _rezip(data, lambda name, body: None if name == victim else body)

    def cut_xml(name, body):
        return body[: len(body) // 2] if name == "word/document.xml" else body
    yield "document.xml cut in half", _rezip(data, cut_xml)


def _parse_or_clear_error(path: Path) -> str:
    """"record" or "error"; anything else escaping is what these tests exist to catch."""
    try:
        assert isinstance(api.parse_file(path), ParsedForm)
        return "record"
    except InputFileError as e:
        assert path.name in str(e) and "处理办法" in str(e)
        return "error"


def test_damaged_docx_never_escapes_as_a_traceback(originals, tmp_path):
    rng = random.Random(20261123)
    n = 0
    outcomes = set()
    while n < CASES:
        src = rng.choice(originals)
        for what, data in _mutations(src.read_bytes(), rng):
            path = tmp_path / f"{n:03d}.docx"
            path.write_bytes(data)
            try:
                outcomes.add(_parse_or_clear_error(path))
            except AssertionError:
                raise
            except Exception as e:  # pragma: no cover - the failure this test exists to catch
                pytest.fail(f"{what} ({src.name}): {type(e).__name__}: {e}")
            n += 1
    assert outcomes == {"record", "error"}, "the mutations should give both readable and unreadable files"


def _damage_pdf(pdf: bytes, rng: random.Random, n: int) -> bytes:
    data = bytearray(pdf[: rng.randrange(len(pdf) // 3, len(pdf))] if n % 2 else pdf)
    for _ in range(rng.randrange(1, 20)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def test_damaged_small_pdf_never_escapes_as_a_traceback(tmp_path):
    """The same on a hand-written PDF, so it runs where LibreOffice is not installed."""
    from test_reader_faults import tiny_pdf

    pdf = tiny_pdf(["Risk register", "1  expense review  high", "2  procurement  medium"])
    assert _damaged_pdf_outcomes(pdf, tmp_path, random.Random(11), CASES * 2) == {"record", "error"}


@needs_soffice
def test_damaged_pdf_never_escapes_as_a_traceback(originals, tmp_path):
    pdf = soffice.convert(originals[:1], tmp_path / "pdf")[0].read_bytes()
    assert _damaged_pdf_outcomes(pdf, tmp_path, random.Random(7), CASES) == {"record", "error"}


def _damaged_pdf_outcomes(pdf: bytes, folder, rng: random.Random, cases: int) -> set[str]:
    """Parse ``cases`` damaged copies of ``pdf``; the outcomes seen (any other exception fails the test)."""
    outcomes = set()
    for n in range(cases):
        path = folder / f"{n:03d}.pdf"
        path.write_bytes(_damage_pdf(pdf, rng, n))
        try:
            outcomes.add(_parse_or_clear_error(path))
        except AssertionError:
            raise
        except Exception as e:  # pragma: no cover
            pytest.fail(f"damaged PDF {n}: {type(e).__name__}: {e}")
    return outcomes
