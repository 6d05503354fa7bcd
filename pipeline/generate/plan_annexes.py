"""The blank annex forms bound with the plan (GB/T 9704-2012 7.3.7: after the text, on new pages,
before the 版记).

Each form is its template under ``templates/<form id>.docx`` rendered for the profile as an
institution-level blank (the static context :mod:`pipeline.generate.forms` gives every copy, the
per-person values left empty), then appended with docxcompose, which carries its styles,
numbering and pictures over. Every form gets a section of its own, so it keeps its own page size
and orientation (a landscape form stays landscape, with its own margins) and starts on a new page;
a portrait form takes the plan's 版心 (see :func:`_fit_to_text_block`). Those sections use the
plan's footers, so the annex pages are numbered on with the text. The form's own footer (the
form id, meaningless on a blank) is not carried over.
"""

from __future__ import annotations

from copy import deepcopy
from io import BytesIO

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from pipeline.workspace import Workspace

#: What a section's page geometry consists of (taken from the form, the rest from the plan).
_GEOMETRY = ("pgSz", "pgMar", "cols", "docGrid")


def blank_form(ws: Workspace, form_type: str):
    """The form's template rendered for the profile with no person, department or id filled in."""
    from docxtpl import DocxTemplate

    from pipeline.forms import get
    from pipeline.generate.fastdocx import template_context
    from pipeline.generate.forms import SUBJECT_KEYS, _static_context
    from pipeline.generate.templates import template_name

    definition = get(form_type)
    tpl = DocxTemplate(str(ws.template(template_name(definition))))
    context = template_context(tpl, dict(_static_context(ws, definition)))
    context.update({k: "" for k in SUBJECT_KEYS})
    tpl.render(context, autoescape=True)
    buf = BytesIO()
    tpl.save(buf)
    buf.seek(0)
    return Document(buf)


PREFIX = "LZA"


def _isolate_styles(form) -> None:
    """Give every style of the form a name of its own before it joins the plan.

    docxcompose keeps the plan's definition of a style both documents name (Normal, Table Grid …),
    and the plan's Normal is 3号 on a 28.95 pt line: a form set in it would run onto a second page.
    So the form's styles are renamed, its default paragraph style takes over the form's document
    defaults (which the plan's defaults would otherwise replace), and every paragraph or table
    that relied on a default names its style explicitly.
    """
    styles = form.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    d_rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr")) if defaults is not None else None
    d_ppr = defaults.find(qn("w:pPrDefault") + "/" + qn("w:pPr")) if defaults is not None else None
    default_of: dict[str, str] = {}
    for st in styles.findall(qn("w:style")):
        sid = st.get(qn("w:styleId"))
        kind = st.get(qn("w:type"))
        st.set(qn("w:styleId"), PREFIX + sid)
        name = st.find(qn("w:name"))
        if name is not None:
            name.set(qn("w:val"), "附件-" + name.get(qn("w:val")))
        for tag in ("w:basedOn", "w:next", "w:link"):
            ref = st.find(qn(tag))
            if ref is not None:
                ref.set(qn("w:val"), PREFIX + ref.get(qn("w:val")))
        if st.get(qn("w:default")) in ("1", "true"):
            default_of[kind] = PREFIX + sid
            del st.attrib[qn("w:default")]
            if kind == "paragraph":
                for own_tag, src in (("w:rPr", d_rpr), ("w:pPr", d_ppr)):
                    if src is None:
                        continue
                    own = st.find(qn(own_tag))
                    if own is None:
                        own = OxmlElement(own_tag)
                        rpr = st.find(qn("w:rPr"))
                        if own_tag == "w:pPr" and rpr is not None:
                            rpr.addprevious(own)  # CT_Style: pPr before rPr
                        else:
                            st.append(own)
                    have = {c.tag for c in own}
                    for child in src:
                        if child.tag not in have:
                            own.append(deepcopy(child))
    body = form.element.body
    for tag in ("w:pStyle", "w:rStyle", "w:tblStyle"):
        for ref in body.iter(qn(tag)):
            ref.set(qn("w:val"), PREFIX + ref.get(qn("w:val")))
    if "paragraph" in default_of:
        for para in body.iter(qn("w:p")):
            ppr = para.get_or_add_pPr()
            if ppr.find(qn("w:pStyle")) is None:
                ps = OxmlElement("w:pStyle")
                ps.set(qn("w:val"), default_of["paragraph"])
                ppr.insert(0, ps)
    if "table" in default_of:
        for tbl in body.iter(qn("w:tbl")):
            tblpr = tbl.find(qn("w:tblPr"))
            if tblpr is not None and tblpr.find(qn("w:tblStyle")) is None:
                ts = OxmlElement("w:tblStyle")
                ts.set(qn("w:val"), default_of["table"])
                tblpr.insert(0, ts)


def _text_box(sectpr) -> tuple[int, int]:
    """Width and height of a section's text block, in twentieths of a point."""
    size, margins = sectpr.find(qn("w:pgSz")), sectpr.find(qn("w:pgMar"))
    get = lambda el, attr: int(el.get(qn(f"w:{attr}")) or 0)  # noqa: E731
    return (get(size, "w") - get(margins, "left") - get(margins, "right"),
            get(size, "h") - get(margins, "top") - get(margins, "bottom"))


def _fit_to_text_block(form, text_sectpr) -> None:
    """A portrait form bound with the plan takes the plan's margins, its tables scaled to the 版心.

    GB/T 9704-2012 7.3.7 binds the annexes with the text and 附件格式要求同正文: on a page of the
    plan's size and orientation that is the plan's 版心 (156 × 225 mm, page number 7 mm below it),
    so a portrait form's 170 mm tables and tab stops shrink to 156 mm and its rows to the shorter
    block, so it still fills one page. A landscape form cannot sit in a portrait 版心 and keeps its
    own page setup.
    """
    sectpr = form.element.body.find(qn("w:sectPr"))
    size = sectpr.find(qn("w:pgSz")) if sectpr is not None else None
    if size is None or int(size.get(qn("w:w"))) > int(size.get(qn("w:h"))):
        return
    (form_w, form_h), (text_w, text_h) = _text_box(sectpr), _text_box(text_sectpr)
    body = form.element.body
    rows = sum(int(el.get(qn("w:val")) or 0) for el in body.iter(qn("w:trHeight")))
    # the rows give up the height the page loses, and a quarter more for the lines that wrap
    # again in the narrower block (the text above and below the table keeps its size)
    scale = {"w": text_w / form_w, "h": max(0.5, 1 - 1.25 * (form_h - text_h) / rows) if rows else 1.0}

    def shrink(el, attr: str, by: str) -> None:
        value = el.get(qn(f"w:{attr}"))
        if value is not None and value.lstrip("-").isdigit():
            el.set(qn(f"w:{attr}"), str(round(int(value) * scale[by])))

    for tag in ("w:tblW", "w:tcW", "w:tblInd"):
        for el in body.iter(qn(tag)):
            if el.get(qn("w:type")) in (None, "dxa"):
                shrink(el, "w", "w")
    for el in body.iter(qn("w:gridCol")):
        shrink(el, "w", "w")
    for el in body.iter(qn("w:tab")):
        shrink(el, "pos", "w")
    for el in body.iter(qn("w:trHeight")):
        shrink(el, "val", "h")
    sectpr.replace(sectpr.find(qn("w:pgMar")), deepcopy(text_sectpr.find(qn("w:pgMar"))))


def _section_props(body_sectpr, geometry_from):
    """A section's properties: the plan's footers and settings, ``geometry_from``'s page size,
    margins, columns and grid, starting on a new page."""
    sectpr = deepcopy(body_sectpr)
    for tag in _GEOMETRY:
        for el in sectpr.findall(qn(f"w:{tag}")):
            sectpr.remove(el)
        src = geometry_from.find(qn(f"w:{tag}"))
        if src is not None:
            sectpr.append(deepcopy(src))
    for el in sectpr.findall(qn("w:type")):
        sectpr.remove(el)
    return sectpr


_CONTENT = {qn(f"w:{tag}") for tag in ("drawing", "pict", "object", "br", "sectPr", "pageBreakBefore")}


def _blank(el) -> bool:
    """An empty paragraph: no text, picture, break or section properties."""
    return el.tag == qn("w:p") and not "".join(el.itertext()).strip() and not any(
        child.tag in _CONTENT for child in el.iter())


def _end_section(anchor, sectpr) -> None:
    """End the part that runs up to ``anchor`` (the element the next part goes before) with ``sectpr``.

    The section properties go into the part's last paragraph, after dropping the empty paragraphs
    it ends with (the plan template's closing one): an empty paragraph carrying the break would
    sit after the 成文日期 (or a form's last line) and, on a full page, open a blank numbered page
    of its own. Only a part ending in a table gets a paragraph for the break (one must follow it).
    """
    last = anchor.getprevious()
    while last is not None and _blank(last) and last.getprevious() is not None \
            and last.getprevious().tag == qn("w:p"):
        previous = last.getprevious()
        last.getparent().remove(last)
        last = previous
    if last is None or last.tag != qn("w:p") or last.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None:
        last = OxmlElement("w:p")
        anchor.addprevious(last)
    last.get_or_add_pPr().append(sectpr)


def bind_annexes(ws: Workspace, document, *, before=None) -> bool:
    """Append every annex form of the profile to ``document`` (a python-docx Document), before the
    element ``before`` (the 版记) or at the end. Returns whether anything was bound.

    Afterwards the document's last section (the 版记's, or the last form's when there is no 版记)
    starts on a new page; with a 版记 it keeps the plan's portrait geometry.
    """
    from docxcompose.composer import Composer

    from pipeline.generate.ooxml import normalize

    form_types = list(ws.profile.annexes.forms)
    if not form_types:
        return False
    body = document.element.body
    body_sectpr = body.find(qn("w:sectPr"))
    text_geometry = deepcopy(body_sectpr)
    composer = Composer(document)
    previous = text_geometry
    last_form_geometry = None
    for form_type in form_types:
        form = blank_form(ws, form_type)
        _isolate_styles(form)
        _fit_to_text_block(form, text_geometry)
        form_sectpr = form.element.body.find(qn("w:sectPr"))
        # end the previous part (the text, or the previous form) in its own geometry
        anchor = before if before is not None else body_sectpr
        _end_section(anchor, _section_props(body_sectpr, previous))
        index = list(body).index(anchor)
        composer.insert(index, form)
        previous = form_sectpr if form_sectpr is not None else text_geometry
        last_form_geometry = previous
    if before is not None:
        # end the last form's section; the 版记 opens the last (portrait) section
        _end_section(before, _section_props(body_sectpr, last_form_geometry))
        before.addprevious(OxmlElement("w:p"))  # LibreOffice needs a paragraph before a floating table
    else:
        for tag in _GEOMETRY:
            for el in body_sectpr.findall(qn(f"w:{tag}")):
                body_sectpr.remove(el)
            src = last_form_geometry.find(qn(f"w:{tag}"))
            if src is not None:
                body_sectpr.append(deepcopy(src))
    normalize(body)
    return True
