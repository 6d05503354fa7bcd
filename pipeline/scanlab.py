"""Paper returns made from the project's own forms — for the OCR tests and ``bench/ocr.py``.

Like :mod:`pipeline.testing`, this ships with the library because both the tests and the bench
need the same corpus. A return is an issued form filled by :func:`pipeline.testing.fill_form`
(the values in a brush font, AR PL UKai, in blue or black "ink" so it is not only a computer
font), printed to PDF by LibreOffice in one batch, rasterised by pypdfium2 and degraded the ways
paper comes back. The expected record of each is what the parser reads from the filled .docx
itself, so the scan is scored against the project's own reading of the same form, not against
hand-kept answers.
"""

from __future__ import annotations

import math
import random
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.records import ParsedForm

#: The ways a page comes back: each but "fax" takes an RGB page at the scanner's dpi and a random
#: source (:func:`degrade`); a fax is drawn at its own resolution (:func:`fax`, :func:`scan`).
DEGRADATIONS = ("clean", "skew", "noise", "fax", "photo", "jpeg", "seal")
PEN_FONT = "AR PL UKai CN"
INKS = ("1F3A93", "111111")  # blue-black ballpoint, black


@dataclass
class Return:
    """One filled form: its .docx, the PDF LibreOffice printed, and what the parser reads from the .docx."""

    docx: Path
    expected: ParsedForm
    pdf: Path | None = None


def _pen(docx_path: Path, ink: str) -> None:
    """Set every run in the form's tables that the filler typed to the brush font, in ``ink``."""
    import docx
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    document = docx.Document(str(docx_path))
    labels = set()
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    for run in p.runs:
                        if not run.text.strip() or run.bold or len(row.cells) < 3:
                            continue
                        labels.add(run.text)
                        run.font.name = PEN_FONT
                        run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), PEN_FONT)
                        run.font.color.rgb = RGBColor.from_string(ink)
    document.save(str(docx_path))


def make_returns(root: Path, profiles: Sequence[str], *, per_profile: int = 1, rows: int = 3,
                 pen: bool = True) -> list[Return]:
    """Issue and fill one form of every type with a risk table in ``per_profile`` departments of each
    profile; print them all to PDF in one LibreOffice batch."""
    from pipeline import api
    from pipeline._exec import soffice
    from pipeline.forms import get
    from pipeline.testing import fill_form, sample_rows
    from pipeline.workspace import Workspace

    here = Path(__file__).resolve().parent.parent / "profiles"
    out: list[Return] = []
    for code in profiles:
        ws_root = root / code
        ws_root.mkdir(parents=True, exist_ok=True)
        for name in ("profile.toml", "roster.xlsx"):
            shutil.copy(here / code / name, ws_root / name)
        ws = Workspace(ws_root)
        labels = list(ws.profile.levels.labels)
        departments = sorted({p.department for p in ws.roster})[:per_profile]
        docxs = []
        for department in departments:
            docxs += [p for p in api.make_forms(ws, department=department, progress=False) if p.suffix == ".docx"]
        seen: set[tuple[str, str]] = set()
        for n, src in enumerate(sorted(set(docxs))):
            from pipeline.parse import parse_file
            issued = parse_file(src)
            if issued.form_type is None or not get(issued.form_type).columns:
                continue
            if (issued.form_type, str(src.parent.parent)) in seen:
                continue  # one form of each type per department
            seen.add((issued.form_type, str(src.parent.parent)))
            definition = get(issued.form_type)
            who = issued.header.name or definition.title[:2]
            dst = root / "filled" / code / f"{n:02d}-{src.name}"
            fill_form(src, dst, definition, sample_rows(who, definition, labels, n=rows))
            if pen:
                _pen(dst, INKS[n % len(INKS)])
            out.append(Return(dst, parse_file(dst, levels=labels)))
    pdfs = soffice.convert([r.docx for r in out], root / "pdf")
    for r, pdf in zip(out, pdfs):
        r.pdf = pdf
    return out


def rasterise(pdf: Path, dpi: int) -> list[np.ndarray]:
    """Each page of ``pdf`` as an RGB array at ``dpi``, as a scanner sees the printout."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        return [np.asarray(doc[i].render(scale=dpi / 72).to_pil().convert("RGB")) for i in range(len(doc))]
    finally:
        doc.close()


def _rotate(page: np.ndarray, angle: float) -> np.ndarray:
    import cv2

    h, w = page.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(page, m, (w, h), borderValue=(255, 255, 255))


def _skew(page, rng):
    return _rotate(page, rng.choice((-1, 1)) * rng.uniform(1.5, 4.0))


def _noise(page, rng):
    import cv2

    page = _rotate(page, rng.uniform(-1.5, 1.5))
    g = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 14, page.shape[:2])
    out = np.clip(page.astype(np.float32) + g[..., None], 0, 255).astype(np.uint8)
    return cv2.GaussianBlur(out, (3, 3), 0.8)


#: ITU-T T.4 fixes a fax's resolution whatever paper is fed in: 1728 pels across 215 mm (8 a
#: millimetre, stored as 204 dpi) and 3.85 lines a millimetre down in standard mode (98 dpi) or
#: 7.7 in fine mode (196 dpi). A fax server delivers the pages at exactly that resolution.
FAX_PELS = 204
FAX_DPI = {"standard": (FAX_PELS, 98), "fine": (FAX_PELS, 196)}
FAX_MODES = tuple(FAX_DPI)


def fax_mode(seed: int) -> str:
    """The mode a fax of ``seed`` is sent in: standard and fine in turn, so a corpus holds both."""
    return FAX_MODES[seed % len(FAX_MODES)]


def fax(pages: Sequence[np.ndarray], mode: str, seed: int) -> list[np.ndarray]:
    """Pages as a fax machine sends them in ``mode`` (a key of :data:`FAX_DPI`): ``pages`` drawn at
    :data:`FAX_PELS` dpi (the machine's pels across), fed a little crooked, scanned at the mode's
    lines an inch (each line the average of the strip of paper it covers), thresholded to 1 bit,
    with specks of dirt. The result has the fax's non-square pixels; save it with its dpi."""
    import cv2

    rng = random.Random(seed)
    x_dpi, y_dpi = FAX_DPI[mode]
    out = []
    for page in pages:
        gray = cv2.cvtColor(_rotate(page, rng.uniform(-1.0, 1.0)), cv2.COLOR_RGB2GRAY)
        h, w = gray.shape
        gray = cv2.resize(gray, (w, round(h * y_dpi / x_dpi)), interpolation=cv2.INTER_AREA)
        bw = np.where(gray < rng.uniform(150, 190), 0, 255).astype(np.uint8)
        specks = np.random.default_rng(rng.randrange(1 << 30)).random(bw.shape) < 0.0008
        bw[specks] = 0
        out.append(cv2.cvtColor(bw, cv2.COLOR_GRAY2RGB))
    return out


def _lamp(page: np.ndarray, rng) -> np.ndarray:
    """Uneven light: a lamp to one side and a shadow falling across the page."""
    h, w = page.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    d = np.hypot(xx - cx, yy - cy) / math.hypot(w, h)
    light = 1.0 - 0.55 * d
    a = rng.uniform(0, math.pi)
    shade = 0.82 + 0.18 * (np.cos(a) * xx / w + np.sin(a) * yy / h > rng.uniform(0.3, 0.7))
    tint = np.array([1.0, 0.97, 0.9], np.float32)  # warm lamp
    return np.clip(page.astype(np.float32) * (light * shade)[..., None] * tint, 0, 255).astype(np.uint8)


def _photo(page, rng):
    """A phone photo: the page in perspective on a desk, under a lamp, slightly out of focus."""
    import cv2

    h, w = page.shape[:2]
    j = lambda: rng.uniform(0.01, 0.06)  # noqa: E731 - a jitter of the corners
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[w * j(), h * j()], [w * (1 - j()), h * j()], [w * (1 - j()), h * (1 - j())], [w * j(), h * (1 - j())]])
    m = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(page, m, (w, h), borderValue=(120, 110, 100))
    out = _lamp(out, rng)
    return cv2.GaussianBlur(out, (0, 0), rng.uniform(0.6, 1.1))


def _jpeg(page, rng):
    import cv2

    page = _rotate(page, rng.uniform(-2, 2))
    _, buf = cv2.imencode(".jpg", cv2.cvtColor(page, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, rng.randint(18, 30)])
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _seal(page, rng):
    """A red round seal, half transparent like ink, stamped over the table's text."""
    from PIL import Image, ImageDraw, ImageFont

    h, w = page.shape[:2]
    r = int(w * rng.uniform(0.09, 0.12))
    cx, cy = int(w * rng.uniform(0.3, 0.75)), int(h * rng.uniform(0.3, 0.6))
    stamp = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(stamp)
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=255, width=max(3, r // 14))
    try:
        font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", r // 3)
        d.text((cx, cy), "★", fill=255, font=font, anchor="mm")
        d.text((cx, cy + r // 2), "专用章", fill=255, font=font, anchor="mm")
    except OSError:
        d.regular_polygon((cx, cy, r // 4), 5, fill=255)
    mask = np.asarray(stamp, np.float32)[..., None] / 255 * 0.85
    red = np.array([214, 40, 40], np.float32)
    out = page.astype(np.float32) * (1 - mask) + np.minimum(page.astype(np.float32), red) * mask
    return _rotate(out.astype(np.uint8), rng.uniform(-1, 1))


_DEGRADE: dict[str, Callable] = {"clean": lambda p, rng: p, "skew": _skew, "noise": _noise,
                                 "photo": _photo, "jpeg": _jpeg, "seal": _seal}


def degrade(page: np.ndarray, how: str, seed: int) -> np.ndarray:
    """``page`` degraded the way ``how`` names (one of :data:`DEGRADATIONS` but "fax", whose pages
    are drawn at the fax's own resolution: :func:`scan`), reproducibly by ``seed``."""
    if how == "fax":
        raise ValueError("a fax is not a page at a scanner's dpi degraded: use scanlab.fax or scanlab.scan")
    return _DEGRADE[how](page, random.Random(seed))


def scan(pdf: Path, how: str, dpi: int, seed: int) -> tuple[list[np.ndarray], tuple[int, int]]:
    """The pages of ``pdf`` as they come back degraded ``how``, and the (x, y) dpi their file
    states: scanned at ``dpi``, or for a fax at the mode's T.4 resolution (:data:`FAX_DPI`) —
    a fax machine has no dpi setting, so ``dpi`` does not apply to it."""
    if how == "fax":
        mode = fax_mode(seed)
        return fax(rasterise(pdf, FAX_PELS), mode, seed), FAX_DPI[mode]
    return [degrade(p, how, seed) for p in rasterise(pdf, dpi)], (dpi, dpi)


def save_scan(pages: Iterable[np.ndarray], dst: Path, dpi: int | tuple[int, int]) -> Path:
    """Pages as the office receives them: PNG/JPEG for one page, a multi-page TIFF or image-only PDF,
    stating ``dpi`` (x and y differ for a fax: :data:`FAX_DPI`). A TIFF or PDF of 1-bit pages (a
    fax, a scanner's black-and-white mode) is stored 1-bit in CCITT Group 4, as fax servers store
    them. More than one page for a PNG or JPEG is refused: the file would hold the first page alone."""
    from PIL import Image

    pages = list(pages)
    images = [Image.fromarray(p) for p in pages]
    kind = dst.suffix.lower()
    if kind not in (".tif", ".tiff", ".pdf") and len(images) > 1:
        raise ValueError(f"{dst.name}：{kind} 只能存一页，{len(images)} 页的扫描件请存为 .tif 或 .pdf")
    xy = (dpi, dpi) if isinstance(dpi, int) else tuple(dpi)
    options: dict = {"dpi": xy}
    if kind in (".tif", ".tiff", ".pdf") and all(np.isin(p, (0, 255)).all() for p in pages):
        images = [im.convert("1") for im in images]  # Pillow writes a 1-bit PDF image as CCITT G4
        if kind != ".pdf":
            options["compression"] = "group4"
    if kind in (".tif", ".tiff", ".pdf"):
        images[0].save(dst, save_all=True, append_images=images[1:], **options)
    else:
        images[0].save(dst, quality=85, **options) if kind in (".jpg", ".jpeg") else images[0].save(dst, **options)
    return dst


# --- scoring ----------------------------------------------------------------------------------

def _norm(value: object) -> str:
    return "".join(str(value or "").split()).replace("：", ":").replace("，", ",").replace("（", "(").replace("）", ")")


def fields(form: ParsedForm) -> dict[str, str]:
    """The non-empty fields of a parsed form, keyed by where they are (header key, risk n and field)."""
    out = {f"header.{k}": _norm(v) for k, v in (("unit", form.header.unit), ("name", form.header.name),
                                                 ("position", form.header.position), ("date", form.header.date))}
    out.update({f"header.{k}": _norm(v) for k, v in form.header.extra.items()})
    for n, r in enumerate(form.risks, 1):
        for k in ("name", "description", "level_label", "category", "measures", "review", "duty"):
            out[f"risk{n}.{k}"] = _norm(getattr(r, k))
        out.update({f"risk{n}.{k}": _norm(v) for k, v in r.extra.items() if k != "post_level_place" and v})
    return {k: v for k, v in out.items() if v and v != "None"}


def score(expected: ParsedForm, got: ParsedForm) -> tuple[int, int]:
    """(right, counted): each expected non-empty field read exactly, and every extra field an error."""
    want, have = fields(expected), fields(got)
    right = sum(have.get(k) == v for k, v in want.items())
    extras = sum(1 for k in have if k not in want)
    return right, len(want) + extras


def _column_label(form: ParsedForm, key: str) -> str | None:
    """The printed label of the column (or header field) a field key of :func:`fields` reads."""
    from pipeline.forms import get

    if not form.form_type:
        return None
    definition = get(form.form_type)
    where, _, name = key.partition(".")
    if where == "header":
        found = definition.header_field(name)
    else:
        found = definition.column("level" if name == "level_label" else name)
    return found.label if found else None


def unflagged(expected: ParsedForm, got: ParsedForm) -> int:
    """Wrong fields the office is not told to check: read differently from ``expected`` while no
    ``low_confidence`` problem quotes their text, or not read at all while no problem says a cell
    of their column has writing that could not be read. A flagged wrong field is honest — the
    office looks at it; an unflagged one goes into the ledger unseen."""
    import re

    low = [p for p in got.problems if p.code == "low_confidence"]
    quoted = [_norm(m.group(1)) for p in low for m in [re.search(r"识别为“(.*)”", p.message, re.S)] if m]
    unread = [p.where for p in low if "未能识别" in p.message]
    have = fields(got)
    out = 0
    for k, v in fields(expected).items():
        g = have.get(k)
        if g == v:
            continue
        if g:
            out += not any(g in q or q in g for q in quoted if q)
        else:
            label = _column_label(got, k)
            out += not (label and any(f"（{label}）" in w for w in unread))
    return out
