"""The rows of the risk-point ledger (风险点台账): one per risk point of every current return.

A row joins what the form said (risk, level, measures), who wrote it (department, person, post,
duty — from the form's header, else the roster), who answers for it (责任人 and 监督人 by the
profile's supervision rule) and what the office made of it (its review, which overrides the
form's level, category and opinion). The column list is built from the campaign's form
definitions, so every measure column a form has (000's 前期预防 / 中期监控 / 后期处置) gets its own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter

from pipeline.forms import FormDefinition, registry
from pipeline.profile import Profile, StaffMember
from pipeline.report.headings import LEDGER, SUPERVISION
from pipeline.store.queries import LedgerPoints
from pipeline.store.status import Status

MAIN_LEADER: str = SUPERVISION["main_leader"]
DEPUTY: str = SUPERVISION["deputy"]
HEAD_ROLES = frozenset(SUPERVISION["heads"])
SELF_ROLES = frozenset(SUPERVISION["self"])
#: Roles a supervision rule names, longest first so 科室负责人 is not read as 负责人.
_ROLES = sorted([MAIN_LEADER, DEPUTY, *SUPERVISION["heads"], *SUPERVISION["self"]], key=len, reverse=True)
_ROLE_RE = re.compile("|".join(map(re.escape, _ROLES)))


def risk_definitions(profile: Profile) -> list[FormDefinition]:
    """The campaign's forms whose rows are risk points (not 职权 catalogues, not 承诺书)."""
    known = registry()
    return [known[f] for f in profile.annexes.forms if known[f].kind == "risk_table"]


def measure_columns(profile: Profile) -> list[tuple[str, str]]:
    """(key, ledger label) of every measure column the campaign's risk forms have, in form order.

    A column counts as a measure when its key starts with ``measures`` or it sits under the
    防控措施 group; grouped ones are labelled 防控措施（前期预防） so each stays its own column.
    """
    heading = LEDGER["measures"]
    out: dict[str, str] = {}
    for definition in risk_definitions(profile):
        for c in definition.columns:
            if (c.key.startswith("measures") or c.group == heading) and c.key not in out:
                out[c.key] = f"{c.group}（{c.label}）" if c.group else heading
    return list(out.items()) or [("measures", heading)]


@dataclass(frozen=True)
class Supervision:
    """Who carries out the control of a level (责任人) and who oversees it (监督人), as roles."""

    responsible: str
    supervisor: str


def parse_supervision(text: str) -> Supervision | None:
    """Read a rule like 一级风险由分管领导直接负责管理落实，主要领导负责监督 into its two roles.

    The clause that says 监督 names the supervisor; the first role elsewhere is the responsible one.
    """
    responsible = supervisor = None
    for clause in re.split(r"[，,；;。]", text):
        roles = _ROLE_RE.findall(clause)
        if not roles:
            continue
        if "监督" in clause and supervisor is None:
            supervisor = roles[0]
        elif responsible is None:
            responsible = roles[0]
    if responsible is None or supervisor is None:
        return None
    return Supervision(responsible, supervisor)


#: Without a rule for a level: a person answers for their own risks under their department head;
#: a department's risks are its head's, overseen by the department's 分管领导.
DEFAULT_PERSON = Supervision("本人", "部门负责人")
DEFAULT_DEPARTMENT = Supervision("部门负责人", "分管领导")


class People:
    """Names behind the roles, from the profile (leaders, departments) and the roster (staff)."""

    def __init__(self, profile: Profile, roster: Sequence[StaffMember]):
        self.profile = profile
        self.staff = {p.staff_id: p for p in roster}
        self.rules = {label: parse_supervision(text) for label, text in profile.levels.supervision.items()}
        self.main_leader = profile.leadership.leaders[0].name
        self.departments = {key: d for d in profile.departments for key in (d.code, d.name)}

    def who(self, role: str, department: str | None, person: str | None) -> str:
        d = self.departments.get(department or "")
        if role == MAIN_LEADER:
            name = self.main_leader
        elif role == DEPUTY:
            name = d.supervisor if d else None
        elif role in HEAD_ROLES:
            name = d.head if d else None
        else:
            name = person
        return f"{name}（{role}）" if name else role

    def supervision(self, label: str | None, personal: bool) -> Supervision:
        rule = self.rules.get(label or "")
        return rule or (DEFAULT_PERSON if personal else DEFAULT_DEPARTMENT)


def risk_key(campaign: str, risk_id: int) -> str:
    """The stable id a ledger row carries (hidden): the campaign and the store's risk point id."""
    return f"{campaign}-R{risk_id}"


def parse_risk_key(text: str) -> tuple[str, int] | None:
    m = re.fullmatch(r"([A-Z0-9]+)-R(\d+)", str(text or "").strip())
    return (m.group(1), int(m.group(2))) if m else None


def canon(value) -> str:
    """A cell value as the check value sees it, the same whether written or read back."""
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check_value(key: str, values: Sequence) -> str:
    """The check over a row's protected cells as exported: any edit to them changes it.

    SHA-256 of the key and each canonical value after a unit separator (hashed in one piece: it
    runs for every row of a 100,000-point ledger).
    """
    text = key + "".join(["\x1f" + (v.strip() if v.__class__ is str else canon(v)) for v in values])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class LedgerColumns:
    """The 风险点台账 columns for one campaign (``headings.toml``'s ``[ledger]``, the campaign's
    measure columns in place of ``measures``); editable ones are the office's review fields."""

    measures: list[tuple[str, str]]

    SEQ = LEDGER["seq"]
    LEVEL = LEDGER["level"]
    CATEGORY = LEDGER["category"]
    OPINION = LEDGER["opinion"]
    KEY = LEDGER["key"]
    CHECK = LEDGER["check"]
    #: The office's review fields, in the order the ledger and its messages name them.
    REVIEW = (LEVEL, CATEGORY, OPINION)

    @property
    def keys(self) -> list[str]:
        """The columns' keys, in :attr:`labels` order: ``[ledger]``'s, a measure column's its form's."""
        return [k for key in LEDGER for k in ([m for m, _ in self.measures] if key == "measures" else [key])]

    @property
    def labels(self) -> list[str]:
        return [t for key, text in LEDGER.items()
                for t in ([label for _, label in self.measures] if key == "measures" else [text])]

    @property
    def editable(self) -> set[str]:
        return set(self.REVIEW)

    @property
    def hidden(self) -> set[str]:
        return {self.KEY, self.CHECK}


@dataclass
class LedgerRow:
    """One risk point as the ledger shows it; ``values`` follow :class:`LedgerColumns` order."""

    risk_id: int
    department: str
    level_rank: int | None
    level: str
    category: str
    personal: bool
    person: str
    reviewed: bool
    values: list
    stated_post: str = ""  # the post grade (岗位风险等级) the form itself states, 001


def ledger_rows(profile: Profile, roster: Sequence[StaffMember], points: LedgerPoints) -> tuple[LedgerColumns, list[LedgerRow]]:
    """Turn :func:`pipeline.store.queries.ledger_risk_points` rows into ledger rows, numbered 序号."""
    columns = LedgerColumns(measure_columns(profile))
    people = People(profile, roster)
    known = registry()
    wanted = {d.id for d in risk_definitions(profile)}
    campaign = profile.campaign.code
    protected = itemgetter(*protected_indexes(columns))
    rows: list[LedgerRow] = []
    # the same few answers for every row of a return: computed once, one string shared by the rows
    status_label, who = cache(Status.label), cache(people.who)
    day = cache(lambda at: f"{at:%Y-%m-%d}" if at else "")
    for p in points.rows:
        if p.form_type not in wanted:
            continue
        definition = known[p.form_type]
        header = points.header(p)
        extra = header.get("extra") or {}
        staff = people.staff.get(p.staff_id or "")
        personal = definition.audience == "person"
        level = p.rv_level or p.level_scheme or p.level_label or ""
        rank = p.rv_rank if p.rv_level else p.level_rank
        category = p.rv_category or p.category or ""
        opinion = p.rv_opinion if p.rv_opinion is not None else (p.review or "")
        rule = people.supervision(level, personal)
        person = p.person_name or header.get("name") or ""
        measures = [p.measures if key == "measures" else (p.extra or {}).get(key) for key, _ in columns.measures]
        reviewed = p.rv_at is not None
        key = risk_key(campaign, p.id)
        values = [len(rows) + 1, p.department or "", person if personal else "",
                  header.get("position") or (staff.position if staff and personal else ""),
                  extra.get("post") or (staff.post if staff and personal else ""),
                  p.duty or extra.get("duty") or (staff.duty if staff and personal else ""),
                  p.name, p.description or "", category, level, *[m or "" for m in measures],
                  who(rule.responsible, p.department, person), who(rule.supervisor, p.department, person),
                  opinion, status_label(p.status),
                  f"已复核（{p.rv_actor}，{p.rv_at:%Y-%m-%d}）" if reviewed else "",
                  definition.title, p.form_id or "", day(p.received_at), key]
        values.append(check_value(key, protected(values)))
        rows.append(LedgerRow(p.id, p.department or "", rank, level, category, personal, person, reviewed, values,
                              str((p.extra or {}).get("post_level") or "").strip()))
    return columns, rows


def protected_indexes(columns: LedgerColumns) -> list[int]:
    """Positions of the protected, visible columns the check value covers.

    序号 is left out: a department's own workbook numbers its rows afresh, the check stays the same.
    """
    return [i for i, label in enumerate(columns.labels)
            if label not in columns.editable and label not in columns.hidden and label != columns.SEQ]
