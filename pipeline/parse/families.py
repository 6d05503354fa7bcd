"""Header labels of other form families: the words a definition does not list but offices write.

An office that retypes a form titles its fields in its own family's words (所在单位, 科(室)责任人,
岗位名称, 填报时间). The head of a Chinese noun phrase is its last word, so a label is read by its
head: each canonical header field (unit, name, position, date) has a family of heads in
``vocabulary.toml``, which may carry a prefix (所在), a suffix (名称) or, for a qualified family, a
head of the qualifying family before it (科室责任人: the person responsible for the 科室). The
definition's own labels win: a family label that spells a label of another of its fields or of a
column is left out, so 000's own field 岗位 keeps that word and 职务 does not take it.
"""

from __future__ import annotations

from pipeline.forms import FormDefinition
from pipeline.parse.text import label_key
from pipeline.parse.vocabulary import VOCABULARY as V


def family_labels(key: str, audience: str | None = None) -> tuple[str, ...]:
    """Every label the vocabulary's family of field ``key`` spells on a form about ``audience``
    (empty for a field with no family)."""
    family = V.header_families.get(key)
    if family is None:
        return ()
    heads = family.heads
    out = [*heads, *(p + h for p in family.prefixes for h in heads), *(h + s for h in heads for s in family.suffixes)]
    qualifier = V.header_families.get(family.qualified_by or "")
    if qualifier is not None:
        out += [q + h for q in qualifier.heads for h in heads]
    out += family.by_audience.get(audience or "", ())  # as written: "科室填表人" is no one's label
    return tuple(dict.fromkeys(out))


_CACHE: dict[str, tuple[tuple[str, str], ...]] = {}


def header_labels(definition: FormDefinition) -> tuple[tuple[str, str], ...]:
    """(field key, label) for every header field of ``definition``: its own labels, then its family's."""
    cached = _CACHE.get(definition.id)
    if cached is None:
        cached = _CACHE[definition.id] = _build(definition)
    return cached


def _build(definition: FormDefinition) -> tuple[tuple[str, str], ...]:
    own = [(h.key, lab) for h in definition.header for lab in h.labels]
    taken = {label_key(lab): "" for c in definition.columns for lab in c.labels}
    taken.update({label_key(lab): key for key, lab in own})
    spelt = {lab for _, lab in own}
    extra = []
    for h in definition.header:
        for lab in family_labels(h.key, definition.audience):
            k = label_key(lab)
            if taken.setdefault(k, h.key) == h.key and lab not in spelt:  # another spelling of its own label is kept
                spelt.add(lab)
                extra.append((h.key, lab))
    return (*own, *extra)

