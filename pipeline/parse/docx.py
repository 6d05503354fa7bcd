"""The .docx reader: walk WordprocessingML with lxml into lines and grids.

python-docx's ``row.cells`` repeats a merged cell at every grid position it covers and is slow on
big batches; here one pass over ``document.xml`` reads gridSpan/gridBefore, vMerge, content
controls (w:sdt, also around rows and cells), nested tables (read as tables of their own), tracked
insertions (kept) and deletions, moves away, deleted rows and hidden text (dropped). What Word keeps
that nobody typed is not read: a content control still showing its prompt (showingPlcHdr), and the
fallback copy Word stores of every text box beside the box itself (mc:Fallback). A picture (a
signature or seal pasted in as an image) reads as the vocabulary's image word, so a signature
field holding only a picture is signed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from pipeline.campaign import identity
from pipeline.errors import InputFileError
from pipeline.parse.active import refuse_dtd
from pipeline.parse.layout import Cell, Grid, Layout
from pipeline.parse.members import read_member
from pipeline.parse.numbering import Numbering
from pipeline.parse.route import ZIP_DAMAGE
from pipeline.parse.text import clean
from pipeline.parse.vocabulary import VOCABULARY

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
P, TBL, TR, TC, SDT, SDTC, R = W + "p", W + "tbl", W + "tr", W + "tc", W + "sdt", W + "sdtContent", W + "r"
T, TAB, BR, CR, RPR, VANISH = W + "t", W + "tab", W + "br", W + "cr", W + "rPr", W + "vanish"
SDTPR, PLACEHOLDER_SHOWN, NB_HYPHEN, PPR = W + "sdtPr", W + "showingPlcHdr", W + "noBreakHyphen", W + "pPr"
NUMPR, DEL = W + "numPr", W + "del"
DRAWING, PICT, TXBX = W + "drawing", W + "pict", W + "txbxContent"
BLIP, IMAGEDATA = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip", "{urn:schemas-microsoft-com:vml}imagedata"
#: Runs inside these are not the document's text: deleted or moved away (tracked changes).
REMOVED = (W + "del", W + "moveFrom")
#: Word stores a text box (and other drawings) twice: the DrawingML choice and a VML fallback copy.
FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
TCPR, GRIDSPAN, VMERGE, TRPR, GRIDBEFORE, VAL = W + "tcPr", W + "gridSpan", W + "vMerge", W + "trPr", W + "gridBefore", W + "val"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, collect_ids=False,
                          remove_comments=True, remove_pis=True)
#: Parts :func:`read_docx` reads whole every time (and refuses a DTD in), which the active-content
#: scan need not open again.
ALWAYS_READ = frozenset({"word/document.xml", "docProps/custom.xml", "docProps/core.xml", "docProps/app.xml"})


def _xml(zf: zipfile.ZipFile, name: str, path: Path) -> etree._Element | None:
    """Parse one part; refuse DTDs (the door to entity expansion and external fetches)."""
    try:
        data = read_member(zf, name)
    except KeyError:
        return None
    except ZIP_DAMAGE:
        raise InputFileError(f"文件已损坏（{name} 读不出来）", path=path,
                             hint="请填表人在 Word/WPS 中重新保存为 .docx 后再发送") from None
    refuse_dtd(path, name, data)
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        raise InputFileError(f"文件已损坏（{name} 不是完整的 XML）", path=path,
                             hint="请填表人在 Word/WPS 中重新保存为 .docx 后再发送") from None


def _run_text(run: etree._Element, out: list[str], hidden: bool = True) -> None:
    """A run's text into ``out``, then the text of the runs inside it (a text box's, a ruby's), as
    they follow it in document order; nothing of a run marked hidden (w:vanish) — looked for only
    when ``hidden`` says the document holds a w:vanish at all."""
    start = len(out)
    inner: list[etree._Element] = []
    vanished = False
    for child in run:
        tag = child.tag
        if tag == T:
            if child.text:
                out.append(child.text)
        elif tag == RPR:
            vanished = hidden and any(c.tag == VANISH for c in child)
        elif tag == TAB:
            out.append("\t")
        elif tag == BR or tag == CR:
            out.append("\n")
        elif tag == NB_HYPHEN:
            out.append("-")
        else:
            if (tag == DRAWING or tag == PICT) and _is_picture(child):
                out.append(VOCABULARY.image_text)
            if len(child):
                inner.append(child)
    if vanished:
        del out[start:]
    for node in inner:
        _runs_text(node, out, hidden)


def _runs_text(node: etree._Element, out: list[str], hidden: bool = True) -> None:
    """The text of every run under ``node``, in document order, but for what is no text of the
    paragraph: a tracked deletion or move away, a drawing's fallback copy, a content control still
    showing its placeholder (and the paragraph's properties, which hold no run).

    Walked child by child, not with ``node.iter(w:r)`` and a look up each run's ancestors: lxml
    sets up a tag matcher for every ``find`` and filtered ``iter``, which on a form's dozens of
    runs cost more than visiting their children.
    """
    for child in node:
        tag = child.tag
        if tag == R:
            _run_text(child, out, hidden)
        elif tag == PPR or tag in REMOVED or tag == FALLBACK or (tag == SDT and _placeholder_shown(child)):
            continue
        elif len(child):
            _runs_text(child, out, hidden)


def _is_picture(node: etree._Element) -> bool:
    """A drawing that is an image (a signature or seal pasted in as a picture), not a text box."""
    return next(node.iter(BLIP, IMAGEDATA), None) is not None and next(node.iter(TXBX), None) is None


def _placeholder_shown(sdt: etree._Element) -> bool:
    """A content control nobody filled: Word shows its prompt ("单击此处输入文字") and marks it."""
    pr = sdt.find(SDTPR)
    return pr is not None and pr.find(PLACEHOLDER_SHOWN) is not None


def paragraph_text(p: etree._Element, numbering: Numbering | None = None, hidden: bool = True) -> str:
    """Raw text of a paragraph (spacing kept: header lines are split on wide gaps), with its
    automatic list number when it has one; ``hidden``: whether the document marks any text hidden."""
    out: list[str] = [numbering.label(p)] if numbering is not None else []
    _runs_text(p, out, hidden)
    return "".join(out)


def _flatten(parent: etree._Element, want: str):
    """Children with tag ``want``, looking through content controls (w:sdt/w:sdtContent)."""
    for child in parent:
        if child.tag == want:
            yield child
        elif child.tag == SDT:
            yield from _flatten_sdt(child, want)


def _flatten_sdt(sdt: etree._Element, want: str):
    content = sdt.find(SDTC)
    if content is not None:
        yield from _flatten(content, want)


def _row_parts(tr: etree._Element) -> tuple[bool, int, list[etree._Element]]:
    """Whether the row is a tracked deletion, the empty grid columns before its first cell
    (gridBefore), and its cells (looking through content controls) — in one visit of its children.

    Properties are read by visiting the few children of trPr/tcPr rather than with ``find``: lxml
    sets up a tag matcher for every ``find``, which over a form's cells cost more than the visit.
    """
    deleted, before, cells = False, 0, []
    for child in tr:
        tag = child.tag
        if tag == TC:
            cells.append(child)
        elif tag == TRPR:
            for prop in child:
                if prop.tag == DEL:
                    deleted = True
                elif prop.tag == GRIDBEFORE:
                    before = int(prop.get(VAL, "0") or 0)
        elif tag == SDT:
            cells.extend(_flatten_sdt(child, TC))
    return deleted, before, cells


def _cell_merge(tc: etree._Element) -> tuple[int, str | None]:
    """A cell's gridSpan (1 if none) and vMerge value (None if none, "continue" if written bare)."""
    span, vmerge = 1, None
    for child in tc:
        if child.tag != TCPR:
            continue
        for prop in child:
            if prop.tag == GRIDSPAN:
                span = max(1, int(prop.get(VAL, "1") or 1))
            elif prop.tag == VMERGE:
                vmerge = prop.get(VAL, "continue")
        break
    return span, vmerge


class _Walker:
    def __init__(self, numbering: Numbering | None = None, hidden: bool = True) -> None:
        self.blocks: list[str | Grid] = []
        self.count = 0
        self.numbering = numbering
        self.hidden = hidden  # whether any text of the document is marked hidden

    def body(self, parent: etree._Element) -> None:
        for child in parent:
            tag = child.tag
            if tag == P:
                self.blocks.extend(paragraph_text(child, self.numbering, self.hidden).split("\n"))
            elif tag == TBL:
                self.table(child)
            elif tag == SDT and not _placeholder_shown(child):
                content = child.find(SDTC)
                if content is not None:
                    self.body(content)

    def _cell_lines(self, node: etree._Element, lines: list[str], nested: list[etree._Element]) -> None:
        for child in node:
            tag = child.tag
            if tag == P:
                lines.append(paragraph_text(child, self.numbering, self.hidden))
            elif tag == TBL:
                nested.append(child)
            elif tag == SDT and not _placeholder_shown(child):
                content = child.find(SDTC)
                if content is not None:
                    self._cell_lines(content, lines, nested)

    def _cell_text(self, tc: etree._Element, nested: list[etree._Element]) -> str:
        lines: list[str] = []
        self._cell_lines(tc, lines, nested)
        return clean("\n".join(lines))

    def table(self, tbl: etree._Element) -> None:
        self.count += 1
        grid = Grid(rows=[], index=self.count)
        self.blocks.append(grid)
        nested: list[etree._Element] = []
        above: dict[int, str] = {}  # text of the cell last seen at each grid column, for vMerge
        for tr in _flatten(tbl, TR):
            row: list[Cell] = []
            deleted, before, cells = _row_parts(tr)
            if deleted:
                continue  # a row deleted with tracked changes on
            row.extend(Cell("") for _ in range(before))
            for tc in cells:
                span, vmerge = _cell_merge(tc)
                col = len(row)
                if vmerge == "continue":
                    text = above.get(col, "")
                    row.append(Cell(text, vmerge=True))
                else:
                    text = self._cell_text(tc, nested)
                    row.append(Cell(text))
                above[col] = text
                for k in range(1, span):
                    row.append(Cell(text, hmerge=True, vmerge=vmerge == "continue"))
                    above[col + k] = text
            grid.rows.append(row)
        for inner in nested:
            self.table(inner)


#: Characters of text a Word file may hold beside its pictures and still be a pasted scan (a
#: caption such as "扫描件"); a form typed in Word has a table or far more.
PASTED_SCAN_MAX_CHARS = 20
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _only_pictures(layout: Layout) -> bool:
    """No table and next to no text: what is left of a form is in its pictures."""
    if any(isinstance(b, Grid) for b in layout.blocks):
        return False
    text = "".join(b for b in layout.blocks if isinstance(b, str)).replace(VOCABULARY.image_text, "")
    return len("".join(text.split())) <= PASTED_SCAN_MAX_CHARS


def body_pictures(zf: zipfile.ZipFile, path: Path) -> list[bytes]:
    """The pictures of the body in reading order (a scan pasted in as one picture a page)."""
    root = _xml(zf, "word/document.xml", path)
    rels = _xml(zf, "word/_rels/document.xml.rels", path)
    if root is None or rels is None:
        return []
    targets = {r.get("Id"): r.get("Target", "") for r in rels if r.get("TargetMode") != "External"}
    out = []
    for node in root.iter(BLIP, IMAGEDATA):
        rid = node.get(_REL_ID + "embed") or node.get(_REL_ID + "id")
        target = targets.get(rid)
        if not target:
            continue
        name = target.lstrip("/") if target.startswith("/") else f"word/{target}"
        try:
            out.append(read_member(zf, name))
        except (KeyError, *ZIP_DAMAGE):
            continue  # a picture that is not in the package is not read
    return out


_CUSTOM_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_CORE = {
    "{http://purl.org/dc/elements/1.1/}creator": "author",
    "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}lastModifiedBy": "last_modified_by",
    "{http://purl.org/dc/terms/}created": "created",
    "{http://purl.org/dc/terms/}modified": "modified",
    "{http://purl.org/dc/elements/1.1/}title": "title",
}
_APP_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"


def read_docx(path: Path, zf: zipfile.ZipFile) -> Layout:
    """Lines and grids of the body, footer text, custom properties and file metadata."""
    root = _xml(zf, "word/document.xml", path)
    body = root.find(W + "body") if root is not None else None
    numbered = body is not None and "word/numbering.xml" in zf.NameToInfo and next(body.iter(NUMPR), None) is not None
    numbering = Numbering(lambda: _xml(zf, "word/numbering.xml", path)) if numbered else None  # most forms: no list
    walker = _Walker(numbering, hidden=body is not None and next(body.iter(VANISH), None) is not None)
    if body is not None:
        walker.body(body)
    layout = Layout(blocks=walker.blocks)
    if body is not None and _only_pictures(layout) and next(body.iter(BLIP, IMAGEDATA), None) is not None:
        layout.has_text = False  # a scan pasted into Word: read its pictures as the pages of a scan
    custom = _xml(zf, "docProps/custom.xml", path)
    if custom is not None:
        for prop in custom.iter(_CUSTOM_NS + "property"):
            value = next((c.text for c in prop if c.text), None)
            if prop.get("name") and value is not None:
                layout.custom[prop.get("name")] = value.strip()
    if not identity.parse(layout.custom.get("lianzheng_form_id", "")):  # else read the id printed in the footer
        footers = []
        for name in zf.namelist():
            if name.startswith(("word/footer", "word/header")) and name.endswith(".xml"):
                part = _xml(zf, name, path)
                if part is not None:
                    footers.extend(paragraph_text(p) for p in part.iter(P))
        layout.footer = "\n".join(footers)
    layout.meta.update(core_meta(zf, path))
    return layout


def core_meta(zf: zipfile.ZipFile, path: Path) -> dict[str, str]:
    """An Office file's author, last editor, created / modified times, title and the program that
    saved it (``docProps/core.xml`` and ``app.xml``, the same in .docx and .xlsx)."""
    meta: dict[str, str] = {}
    core = _xml(zf, "docProps/core.xml", path)
    if core is not None:
        for el in core:
            key = _CORE.get(el.tag)
            if key and el.text:
                meta[key] = el.text.strip()
    app = _xml(zf, "docProps/app.xml", path)
    if app is not None:
        name = app.findtext(_APP_NS + "Application")
        version = app.findtext(_APP_NS + "AppVersion")
        if name:
            meta["creator"] = f"{name.strip()} {version.strip()}" if version else name.strip()
    return meta
