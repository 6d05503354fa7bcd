"""The parser's words, read once from ``vocabulary.toml`` (placeholders, level words, default
schemes, categories, title, note and signature words, the headings of a file no definition matched).

Form labels are the definitions'; these are the words no single form owns. Keeping them in one data
file means a new way of writing "无" or a new level word is a line of TOML, and no module of the
parser holds a second copy.
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.toml")


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class HeaderFamily:
    """The words one canonical header field is written with across form families."""

    heads: tuple[str, ...]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    qualified_by: str | None
    by_audience: dict[str, tuple[str, ...]]  # further heads on forms about this audience only


@dataclass(frozen=True)
class Vocabulary:
    placeholders: frozenset[str]
    level_numerals: dict[str, str]
    level_words: dict[str, str]
    level_grades: dict[str, int]
    level_suffixes: tuple[str, ...]
    default_schemes: tuple[tuple[str, ...], ...]
    default_post_levels: tuple[str, ...]
    order_pattern: str
    order_low_word: str
    order_tail_pattern: str
    list_separators: tuple[str, ...]
    categories: tuple[str, ...]
    category_aliases: dict[str, str]
    category_suffix_pattern: str
    annex_words: tuple[str, ...]
    form_id_words: tuple[str, ...]
    column_modifiers: frozenset[str]
    sentence_punct: tuple[str, ...]
    title_endings: tuple[str, ...]
    note_words: tuple[str, ...]
    total_words: tuple[str, ...]
    signature_words: tuple[str, ...]
    label_hints: tuple[str, ...]
    image_text: str
    header_families: dict[str, "HeaderFamily"]
    unmatched_columns: dict[str, str]
    unmatched_header: dict[str, str]

    # --- patterns built from the words -------------------------------------------------------

    @functools.cached_property
    def level_suffix_re(self) -> re.Pattern[str]:
        return re.compile("(" + "|".join(re.escape(w) for w in self.level_suffixes) + ")$")

    @functools.cached_property
    def order_re(self) -> re.Pattern[str]:
        return re.compile(self.order_pattern)

    @functools.cached_property
    def order_tail_re(self) -> re.Pattern[str]:
        return re.compile(self.order_tail_pattern)

    @functools.cached_property
    def list_split_re(self) -> re.Pattern[str]:
        return re.compile("[" + "".join(re.escape(s) for s in self.list_separators) + r"]|\s+")

    @functools.cached_property
    def category_suffix_re(self) -> re.Pattern[str]:
        return re.compile(self.category_suffix_pattern)

    @functools.cached_property
    def annex_prefix_re(self) -> re.Pattern[str]:
        return re.compile(rf"^({_alternation(list(self.annex_words))})\s*\d*\s*[:：]?\s*")

    @functools.cached_property
    def sentence_punct_re(self) -> re.Pattern[str]:
        return re.compile("[" + "".join(re.escape(p) for p in self.sentence_punct) + "]")

    @functools.cached_property
    def total_re(self) -> re.Pattern[str]:
        """A totals row's first cell: "合计", "合计：3项", "小计 2"."""
        return re.compile(rf"^({_alternation(list(self.total_words))})\s*([0-9:：]|$)")

    @functools.cached_property
    def note_re(self) -> re.Pattern[str]:
        """A note row or line: "备注：…", "注1. …"."""
        return re.compile(rf"^({_alternation(list(self.note_words))})\s*[0-9:：.、]")




@functools.cache
def load(path: Path = VOCABULARY_FILE) -> Vocabulary:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    lv, cat, titles, lines = data["levels"], data["categories"], data["titles"], data["lines"]
    return Vocabulary(
        placeholders=frozenset(data["placeholders"]["vague"]),
        level_numerals=dict(lv["numerals"]),
        level_words=dict(lv["words"]),
        level_grades=dict(lv["grades"]),
        level_suffixes=tuple(lv["suffixes"]),
        default_schemes=tuple(tuple(s) for s in lv["default_schemes"]),
        default_post_levels=tuple(lv["default_post_levels"]),
        order_pattern=lv["order_pattern"],
        order_low_word=lv["low_word"],
        order_tail_pattern=lv["order_tail_pattern"],
        list_separators=tuple(lv["list_separators"]),
        categories=tuple(cat["names"]),
        category_aliases=dict(cat.get("aliases", {})),
        category_suffix_pattern=cat["suffix_pattern"],
        annex_words=tuple(titles["annex_words"]),
        form_id_words=tuple(titles["form_id_words"]),
        column_modifiers=frozenset(data["columns"]["modifiers"]),
        sentence_punct=tuple(data["columns"]["sentence_punct"]),
        title_endings=tuple(titles["title_endings"]),
        note_words=tuple(lines["note_words"]),
        total_words=tuple(lines["total_words"]),
        signature_words=tuple(lines["signature_words"]),
        label_hints=tuple(lines["label_hints"]),
        image_text=lines["image_text"],
        header_families={k: HeaderFamily(tuple(f["heads"]), tuple(f.get("prefixes", ())), tuple(f.get("suffixes", ())),
                                         f.get("qualified_by"),
                                         {a: tuple(w) for a, w in f.get("audience", {}).items()})
                         for k, f in data["header_families"].items()},
        unmatched_columns=dict(data["unmatched"]["columns"]),
        unmatched_header=dict(data["unmatched"]["header"]),
    )


VOCABULARY = load()
