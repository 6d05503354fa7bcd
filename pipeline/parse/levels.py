"""Risk levels read loosely and placed in the campaign's scheme.

People write 一级, 1级, Ⅰ级, 一 级, 二级风险, A级, A, 高, 高风险 for the same few labels. Each is
reduced to a token ("1", "A", "高") and compared with the scheme's labels reduced the same way.
Which label is *highest* is not universal (002 counts 一级 as the lowest), so the scheme comes
from, in order: ``--levels``; the workspace profile; the form's own note ("从低到高依次分为一级、
二级、三级"); the usual default (一级 / A / 高 highest).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from typing import NamedTuple

from pipeline.parse.choices import ticked
from pipeline.parse.text import squash
from pipeline.parse.vocabulary import VOCABULARY as V
from pipeline.records import Place, place_of

#: A rank token: a digit, a letter, or one of the vocabulary's numerals (longest first: "III" before "I").
_TOKEN_RE = re.compile(r"^(?:[1-5]|[A-Ea-e]|" + "|".join(
    re.escape(n) for n in sorted(V.level_numerals, key=len, reverse=True)) + ")$")

_BRACKET_RE = re.compile(r"[（(]([^）)]*)[）)]")


def token(text: str | None) -> str | None:
    """"二级风险" → "2", "Ⅰ级" → "1", "A级" → "A", "高风险" → "高"; ``None`` if it is no level.

    Printed choices with one ticked ("□一级 ☑二级 □三级", "高□ 中☑ 低□", "高（ ）中（√）低（ ）")
    give the ticked one; "三级（高）" gives the label before the bracket, else the one inside it."""
    s = squash(text).upper().replace("Ｉ", "I")
    if not s:
        return None
    choice = ticked(s)
    if choice is not None:
        return token(choice)
    if _BRACKET_RE.search(s):
        outside = _BRACKET_RE.sub("", s)
        return (token(outside) if outside else None) or next(
            (t for t in (token(x) for x in _BRACKET_RE.findall(s)) if t), None)
    s = _without_suffixes(s)
    if s in V.level_words:
        return V.level_words[s]
    if _TOKEN_RE.match(s):
        return V.level_numerals.get(s, s)
    return None


class Placement(NamedTuple):
    """Where a written level sits in a scheme: its place, the scheme's own label and its rank (1 = highest)."""

    place: Place | None
    label: str | None
    rank: int | None


UNPLACED = Placement(None, None, None)


def place_level(text: str | None, scheme_labels: Sequence[str]) -> Placement:
    """Place a written level in a scheme (labels highest first).

    The rank keeps the middle levels of a 4- or 5-level scheme apart where the place (high /
    medium / low) cannot. A level of another family (A级 or 高 on a 一级…三级 scheme) is placed by its
    rank in its own family, whose order is its own whatever the scheme's (002 counts 一级 lowest, yet
    A and 高 stay highest); with as many levels as the scheme it takes the label of that rank.
    :data:`UNPLACED` when no family knows the text, or it is of the scheme's family but not in it.
    """
    t = token(text)
    if t is None:
        return UNPLACED
    for i, label in enumerate(scheme_labels):
        if token(label) == t:
            return Placement(place_of(i, len(scheme_labels)), label, i + 1)
    family = _family(t)
    if family is None or family == _family_of(scheme_labels):
        return UNPLACED  # no family knows it, or the scheme's own family leaves it out (四级 in a 3-level scheme)
    i, n = family.index(t), len(family)
    if n == len(scheme_labels):
        return Placement(place_of(i, n), scheme_labels[i], i + 1)
    return Placement(place_of(i, n), None, None)


def graded_levels(written: Iterable[str | None], scheme_labels: Sequence[str]) -> dict[str, Placement]:
    """Placements of a form's level words by their own finer order, where that order fits the scheme.

    When every level the form writes is a level word (高, 较高, 一般, 较低, …) and they make exactly as
    many distinct grades (``[levels.grades]``) as the scheme has levels, the form's highest grade
    is the scheme's highest label, and so on down: an office that grades 较高 / 一般 / 较低 means
    three levels, not two. Otherwise empty, and each level is placed alone (:func:`place_level`).
    """
    grades = {w: _grade(w) for w in written if w and squash(w)}
    if not grades or None in grades.values() or len(set(grades.values())) != len(scheme_labels):
        return {}
    order = {g: i for i, g in enumerate(sorted(set(grades.values())))}
    n = len(scheme_labels)
    return {w: Placement(place_of(order[g], n), scheme_labels[order[g]], order[g] + 1) for w, g in grades.items()}


def _grade(text: str) -> int | None:
    return V.level_grades.get(_without_suffixes(squash(text)))


def _without_suffixes(s: str) -> str:
    """``s`` less the vocabulary's level suffixes ("二级风险" needs two strips), never emptied."""
    for _ in range(3):
        stripped = V.level_suffix_re.sub("", s)
        if stripped == s or not stripped:
            break
        s = stripped
    return s


def _family(t: str) -> tuple[str, ...] | None:
    """The tokens of the vocabulary's level family holding token ``t``, in that family's own order
    (highest first): 一级…三级, A…C and 高/中/低 each head their own family."""
    return next((f for f in _FAMILIES if t in f), None)


def _family_of(labels: Sequence[str]) -> tuple[str, ...] | None:
    tokens = [t for t in (token(x) for x in labels) if t]
    return _family(tokens[0]) if tokens else None


_FAMILIES = tuple(tuple(token(x) for x in s) for s in V.default_schemes)


def scheme_from_note(text: str) -> list[str] | None:
    """Read "从低到高依次分为一级、二级、三级" into labels highest first (["三级", "二级", "一级"])."""
    m = V.order_re.search(squash(text))
    if not m:
        return None
    raw = V.order_tail_re.sub("", m[3])
    labels = [x for x in V.list_split_re.split(raw) if x and token(x)]
    if len(labels) < 2:
        return None
    return labels[::-1] if m[1] == V.order_low_word else labels


def default_scheme(written: Iterable[str | None]) -> list[str]:
    """The vocabulary's default scheme whose tokens cover most of what was written (the first on a tie)."""
    tokens = [t for t in (token(w) for w in written) if t]
    best = max(V.default_schemes, key=lambda s: sum(t in {token(x) for x in s} for t in tokens))
    return list(best)


def choose_scheme(*, levels: Sequence[str] | None, note_text: str, written: Iterable[str | None]) -> list[str]:
    """The scheme to place levels in: the campaign's (``--levels``, else the profile: see
    :class:`pipeline.records.Scheme`), else the form's own note, else the best default."""
    if levels:
        return list(levels)
    return scheme_from_note(note_text) or default_scheme(written)
