"""Checks a returned form gets beyond what the parser finds in it alone.

Two kinds. *Form* checks look at one file against the profile (a level outside the scheme). *Department*
checks compare the current forms of one department with each other, because the defects the seeds
warn about only show across people: a risk point copied word for word into several people's forms,
and seed 004's "一个部门及其所有工作人员的廉政风险点均由某一个人来填写" — every personal form of a
department written by the same hand. Department checks are recomputed from the store after every
ingest, so they do not depend on the order files arrived in (nor on an interrupted run).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.forms import registry
from pipeline.intake.labels import column_label
from pipeline.profile import RULES
from pipeline.records import ParsedForm, Problem

#: A text copied into this many people's forms of one department is flagged on each of them.
COPIED_MIN_PEOPLE = 3
#: Shorter texts ("招生录取", "物资采购") repeat honestly between colleagues with the same duties.
COPIED_MIN_CHARS = 12
#: Values a generator or a template writes into document metadata: not evidence of whose hand it is.
NOT_A_HAND = {"", "python-docx", "lianzheng", "administrator", "admin", "user", "微软用户", "microsoft office 用户",
              "unknown", "未知"}


#: Problem codes a profile rule can switch off (``rules = [...]``); the rest always apply.
RULE_OF_CODE = {"vague": "vague_risk"}


def form_problems(parsed: ParsedForm, rules: Iterable[str] = RULES) -> list[Problem]:
    """Problems of one file: the parser's (less those of rules the profile leaves off), plus levels
    the campaign's scheme does not know."""
    on = set(rules)
    problems = [p for p in parsed.problems if RULE_OF_CODE.get(p.code, "") in on or p.code not in RULE_OF_CODE]
    labels = "、".join(parsed.levels)
    column = column_label(parsed.form_type, "level")
    for risk in parsed.risks:
        row = risk.where or f"第{risk.seq}行"
        already = any(p.code == "level_unknown" and p.where.startswith(row) for p in parsed.problems)
        if risk.level_label and risk.level is None and not already:
            problems.append(Problem(
                code="level_outside_scheme", where=f"{row} {column}",
                message=f"{column}“{risk.level_label}”不在本次活动的等级中（{labels}）：请从中选择一个"))
    return problems


@functools.cache
def _dropped() -> re.Pattern[str]:
    """Every whitespace and punctuation character of the BMP (where all CJK punctuation lives), as
    one character class of ranges: matched by the regex engine, not looked up char by char."""
    ranges: list[list[int]] = []
    for c in range(0x10000):
        if chr(c).isspace() or unicodedata.category(chr(c)).startswith("P"):
            if ranges and ranges[-1][1] == c - 1:
                ranges[-1][1] = c
            else:
                ranges.append([c, c])
    return re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges) + "]+")


@functools.lru_cache(maxsize=1 << 16)
def fold(text: str | None) -> str:
    """The text as compared for copying: full-width folded, spaces and punctuation dropped.

    Dropped first: Chinese text is seldom NFKC-normal only for its full-width punctuation, and
    telling that is a hundredth of normalizing it; what is still not normal is normalized and
    dropped again (a compatibility character may unfold into punctuation: "⑴" → "(1)")."""
    dropped = _dropped().sub("", text or "")
    if unicodedata.is_normalized("NFKC", dropped):
        return dropped
    return _dropped().sub("", unicodedata.normalize("NFKC", dropped))


@dataclass
class FormView:
    """What the department checks need of one current submission."""

    submission_id: int
    department: str
    form_type: str
    person: str  # staff id, else the name as written
    person_name: str
    meta: dict[str, str]
    risks: list[tuple[int, str, str, str]]  # (seq, name, description, measures)

    @functools.cached_property
    def compared(self) -> list[tuple[str, bool]]:
        """Per risk row, its text as compared for copying and whether it says enough to count
        (short names alone repeat honestly between colleagues); folded once per form, as a
        department's checks look at each row several times."""
        out = []
        for _seq, name, description, measures in self.risks:
            folded = [fold(x) for x in (name, description, measures)]
            out.append(("|".join(folded), len(folded[1]) + len(folded[2]) >= COPIED_MIN_CHARS
                        or len(folded[0]) >= COPIED_MIN_CHARS))
        return out


@dataclass
class DepartmentFinding:
    """One department-level finding: its forms get the problem when the profile's rule is on."""

    department: str
    form_type: str
    code: str
    message: str
    submission_ids: list[int]
    per_form: dict[int, list[Problem]] = field(default_factory=dict)


def _by_department_and_type(forms: list[FormView]) -> list[tuple[tuple[str, str], list[FormView]]]:
    """Forms compared with each other: one department's returns of one form type, in a stable order."""
    groups: dict[tuple[str, str], list[FormView]] = defaultdict(list)
    for f in forms:
        groups[(f.department, f.form_type)].append(f)
    return sorted(groups.items())


def copied_risks(forms: list[FormView]) -> list[DepartmentFinding]:
    """A risk text found word for word in ≥3 people's forms of one department and form type."""
    findings = []
    for (department, form_type), members in _by_department_and_type(forms):
        holders: dict[str, set[str]] = defaultdict(set)
        for f in members:
            for text, substantial in f.compared:
                if substantial:
                    holders[text].add(f.person)
        copied = {t for t, people in holders.items() if len(people) >= COPIED_MIN_PEOPLE}
        if not copied:
            continue
        finding = DepartmentFinding(department, form_type, "copied_risk", "", [])
        for f in members:
            for (seq, name, description, _measures), (text, _) in zip(f.risks, f.compared):
                if text in copied:
                    n = len(holders[text])
                    finding.per_form.setdefault(f.submission_id, []).append(Problem(
                        code="copied_risk", where=f"第{seq}行 {column_label(form_type, 'name')}",
                        message=f"风险点“{_short(name or description)}”与本部门另外{n - 1}人的表格一字不差："
                                f"请结合本人岗位重新查找，写出自己的风险点"))
        finding.submission_ids = sorted(finding.per_form)
        finding.message = (f"{department}《{_title(form_type)}》中有{len(copied)}条风险点在{COPIED_MIN_PEOPLE}人"
                           f"以上的表格中一字不差")
        findings.append(finding)
    return findings


def same_hand(forms: list[FormView]) -> list[DepartmentFinding]:
    """Seed 004: every personal form of a department (two people or more) written by one hand."""
    findings = []
    for (department, form_type), members in _by_department_and_type(forms):
        if len({f.person for f in members}) < 2:
            continue
        evidence = _one_hand(members)
        if evidence is None:
            continue
        message = (f"{department}全部{len(members)}份《{_title(form_type)}》{evidence}，像是由一人代填："
                   f"个人表格须由本人填写并签字确认")
        finding = DepartmentFinding(department, form_type, "same_hand", message, sorted(f.submission_id for f in members))
        for f in members:
            finding.per_form[f.submission_id] = [Problem(
                code="same_hand", where="全表",
                message=f"本部门全部{len(members)}份个人表格{evidence}，像是由一人代填：请本人亲自填写并签字确认")]
        findings.append(finding)
    return findings


def _one_hand(members: list[FormView]) -> str | None:
    for key, label in (("last_modified_by", "最后修改者"), ("author", "作者")):
        values = {(f.meta.get(key) or "").strip() for f in members}
        if len(values) == 1:
            value = values.pop()
            if value.lower() not in NOT_A_HAND:
                return f"的文档{label}都是“{value}”"
    texts = {tuple(text for text, _ in f.compared) for f in members}
    if len(texts) == 1 and any(texts.pop()):
        return "的内容完全相同"
    return None


def department_findings(forms: list[FormView]) -> list[DepartmentFinding]:
    """Both department checks over the current personal forms."""
    personal = [f for f in forms if f.form_type in registry() and registry()[f.form_type].audience == "person"]
    return [*copied_risks(personal), *same_hand(personal)]


def enforced(finding: DepartmentFinding, rules: Iterable[str]) -> bool:
    """Whether a finding sends its forms back: the profile turns the rule on (``rules = [...]``).

    Without the rule the office still sees the finding in the ingest summary and in ``status``.
    """
    return finding.code in set(rules)


def _title(form_type: str) -> str:
    d = registry().get(form_type)
    return d.title if d else form_type


def _short(text: str, limit: int = 24) -> str:
    text = re.sub(r"\s+", "", text or "")
    return text if len(text) <= limit else text[:limit] + "…"
