"""The institution profile (profile.toml) and its staff roster (roster.xlsx).

A profile describes one campaign of one institution: who issues the plan, who leads, which
departments exist, the phases and deadlines, the level scheme, the risk categories and the annex
forms chosen. Everything downstream (plan, forms, parser, validation, ledgers) reads it, so it is
validated once, here, with messages in Chinese that name the file and the key.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import sys
from pathlib import Path
from typing import ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.errors import ProfileError
from pipeline.records import place_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CODE_RE = re.compile(r"^[A-Z0-9]+$")

#: Checks on returned forms a profile can switch on (``rules = [...]``): one person filling in a
#: whole department's forms, risk points copied word for word, vague risk points sent back.
Rule = Literal["same_hand", "copied_risk", "vague_risk"]
RULES: tuple[str, ...] = get_args(Rule)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Institution(_Model):
    name: str = Field(min_length=2, description="机构全称")
    short_name: str = Field(min_length=1, description="机构简称，用于文件名")
    kind: Literal["university", "college", "hospital", "education_bureau", "other"] = "other"


class Document(_Model):
    """The official-document frame of the implementation plan (GB/T 9704-2012).

    ``kind`` is the campaign's own kind of document: ``plan`` a plan standing on its own (title,
    text, 附件说明, 落款); ``issued_plan`` a plan issued under a 印发通知 with the red 版头 and 发文字号
    (``notice_title`` is the notice's title); ``notice`` a notice of the leading group's office
    (关于…的通知: 主送, text, 落款). The 版记 is printed where ``printer`` is given, 主题词 only where
    ``subject_words`` are.
    """

    kind: Literal["plan", "issued_plan", "notice"] = Field(default="plan", description="文种：plan 方案、issued_plan 印发通知加方案、notice 通知")
    issuers: list[str] = Field(min_length=1, description="发文机关（红头），可联合发文")
    number: str | None = Field(default=None, description="发文字号，如 泉师院监〔2012〕5号；没有版头的方案可省略")
    issue_date: dt.date = Field(description="成文日期")
    title: str = Field(description="方案标题")
    notice_title: str | None = Field(default=None, description="印发通知标题（issued_plan）")
    notice_text: str | None = Field(default=None, description="印发通知正文；省略时为“现将《标题》印发给你们，请贯彻执行。”")
    addressees: str | None = Field(default=None, description="主送机关，如 各党总支、各单位")
    signature: list[str] = Field(default_factory=list, description="落款，默认同发文机关")
    subject_words: list[str] = Field(default_factory=list, description="主题词")
    cc: list[str] = Field(default_factory=list, description="抄送")
    printer: str | None = Field(default=None, description="印发机关")
    print_date: dt.date | None = Field(default=None, description="印发日期")

    @field_validator("number")
    @classmethod
    def _number_has_year(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = v.replace("[", "〔").replace("]", "〕").replace("［", "〔").replace("］", "〕")
        if not re.search(r"〔\d{4}〕\s*\d+\s*号$", v):
            raise ValueError("发文字号应形如 泉师院监〔2012〕5号（年份用六角括号〔〕）")
        return v


class Person(_Model):
    name: str
    title: str = ""


class Leadership(_Model):
    leaders: list[Person] = Field(min_length=1, description="组长")
    deputies: list[Person] = Field(default_factory=list, description="副组长")
    members: list[Person] = Field(default_factory=list, description="成员")


class Office(_Model):
    location: str = Field(description="办公室设在何处，如 监察审计处")
    director: Person
    members: list[Person] = Field(default_factory=list)
    phone: str | None = None


class Department(_Model):
    code: str = Field(description="部门代码（大写字母和数字），用于表单编号")
    name: str
    head: str | None = Field(default=None, description="负责人")
    supervisor: str | None = Field(default=None, description="分管领导")

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not CODE_RE.match(v):
            raise ValueError("部门代码只能含大写字母和数字，如 D01")
        return v


class Task(_Model):
    name: str
    due: dt.date
    forms: list[str] = Field(default_factory=list, description="本任务要交的表单类型")
    description: str = ""


class Phase(_Model):
    name: str
    start: dt.date
    end: dt.date
    description: str = ""
    tasks: list[Task] = Field(default_factory=list)
    heading: str = Field(default="", description="方案中本阶段的标题原文（不含（一）），如 宣传动员阶段（2016年7月6日——2016年7月11日）；省略时由名称和起止日期生成")
    body: list[str] = Field(default_factory=list, description="方案中本阶段的段落原文；省略时由 description 和 tasks 生成")

    @model_validator(mode="after")
    def _ordered(self) -> "Phase":
        if self.end < self.start:
            raise ValueError(f"阶段“{self.name}”的结束日期 {self.end} 早于开始日期 {self.start}")
        return self


class Levels(_Model):
    """The level scheme: labels highest first. ``place`` maps a label to high/medium/low."""

    labels: list[str] = Field(min_length=2, max_length=5, description="等级名称，最高的在前")
    definitions: dict[str, str] = Field(default_factory=dict, description="每级的定义")
    order_note: str | None = Field(default=None, description="原文对等级顺序的说明")
    post_labels: list[str] = Field(default_factory=list, description="岗位风险等级（如 A、B、C），最高的在前")
    post_rule: str | None = None
    supervision: dict[str, str] = Field(default_factory=dict, description="分级监督：每级由谁落实、谁监督")
    report_up: list[str] = Field(default_factory=list, description="须上报（备份交领导小组办公室）的等级")
    post_grade: Literal["highest", "count"] = Field(
        default="highest", description="岗位风险等级的评定规则：highest 按岗位最高风险点等级（同一名次），"
        "count 按风险点个数（见 post_grade_counts）")
    post_grade_counts: list[int] = Field(
        default_factory=list, description="count 规则下，风险点个数至少为多少时评为各岗位等级（最高的在前，"
        "比 post_labels 少一个），如 [5, 3]：5 个及以上为 A，3 个及以上为 B，其余为 C")

    @model_validator(mode="after")
    def _defined(self) -> "Levels":
        for key, table in (("definitions", self.definitions), ("supervision", self.supervision),
                           ("report_up", {k: "" for k in self.report_up})):
            unknown = [k for k in table if k not in self.labels]
            if unknown:
                raise ValueError(f"levels.{key} 里的等级“{'、'.join(unknown)}”不在 labels（{'、'.join(self.labels)}）中；"
                                 "两处的写法要一字不差")
        return self

    @model_validator(mode="after")
    def _post_grade(self) -> "Levels":
        if self.post_grade == "count" and len(self.post_grade_counts) != max(len(self.post_labels) - 1, 0):
            raise ValueError(f"levels.post_grade_counts 要比 post_labels（{'、'.join(self.post_labels)}）少一个数，"
                             "从最高等级的门槛写起，如 [5, 3]")
        return self

    def place(self, label: str) -> Literal["high", "medium", "low"]:
        """Place a scheme label: first is high, last is low, the rest medium."""
        return place_of(self.labels.index(label), len(self.labels))


class Section(_Model):
    """One level-1 section of the document: its title (numbered 一、二、… in order) and its paragraphs.

    Each paragraph is written as the document has it, with its own （一）/1./（1） numbering; a
    paragraph ``{leadership}``, ``{office}`` or ``{phases}`` stands for the leading group's name
    list, its office's name list or the phases (from ``[leadership]``, ``[office]``, ``[[phases]]``).
    """

    heading: str = Field(min_length=1, description="一级标题（不含“一、”）")
    body: list[str] = Field(default_factory=list, description="段落原文")


class Texts(_Model):
    """The document's own words. Nothing has a default: a default sentence would be another
    campaign's, and could name a policy the document's date does not know."""

    preamble: str = Field(default="", description="开头一段（目的、依据文件及文号）")
    sections: list[Section] = Field(default_factory=list, description="正文各节，按顺序")
    closing: list[str] = Field(default_factory=list, description="各节之后、附件说明之前的段落（如 特此通知。）")
    guiding_thought: str = ""
    goals: str = ""
    content: str = ""
    requirements: list[str] = Field(default_factory=list)


class Publication(_Model):
    """公示: how long the notice stays up, where objections go, whose names it shows."""

    days: int = Field(default=5, ge=1, description="公示期（天），从公示之日算起")
    start: dt.date | None = Field(default=None, description="公示开始日期；省略时为生成之日")
    objections: str | None = Field(default=None, description="意见反映渠道；省略时为领导小组办公室及其电话")
    staff_names: bool = Field(default=False, description="公示表是否写出一般工作人员姓名（默认只写岗位）")
    title: str | None = Field(default=None, description="公示标题；省略时为“<机构全称>廉政风险点公示”")
    signature: str | None = Field(default=None, description="公示落款；省略时为领导小组办公室")


class RosterSpec(_Model):
    file: str = "roster.xlsx"
    sheet: str | None = None


class Annexes(_Model):
    forms: list[str] = Field(min_length=1, description="附件表单类型 id，按附件顺序")
    label: str = Field(default="附件", description="附件 或 附表")
    leadership_list: bool = Field(default=False, description="附件1 为领导小组名单（由 leadership 和 office 生成），表单从附件2 起编号")
    fill_date: bool = Field(default=False, description="表格上预填填表日期、承诺日期（填本表报送截止日）；默认留空，与原表一致，由填表人填写")
    report_dates: dict[str, dt.date] = Field(
        default_factory=dict,
        description="表单注中“本表一式N份……一份于X月X日前上报”的日期，按表单类型 id；省略时为该表的报送截止日")

    @model_validator(mode="after")
    def _report_dates_name_annexes(self) -> Annexes:
        unknown = sorted(set(self.report_dates) - set(self.forms))
        if unknown:
            raise ValueError(f"report_dates 中的表单不在 forms 中：{'、'.join(unknown)}")
        return self

    def annex_number(self, form_type: str) -> int:
        """A form's annex number: its place in ``forms``, after the leadership list when the plan
        carries one. The form's file name, the 附件N on the form and the plan's annex list and
        task references all take it from here, so they cannot disagree."""
        return self.forms.index(form_type) + 1 + int(self.leadership_list)

    def annex_label(self, form_type: str) -> str:
        """附件2, 附表3 …: the label and number a form is known by."""
        return f"{self.label}{self.annex_number(form_type)}"


class Step(_Model):
    """One step of a power item's course (受理, 审核, 审批, 办结): who does it and in what time."""

    name: str = Field(description="环节，如 受理、审核、审批、办结")
    subject: str = Field(default="", description="责任主体（岗位）")
    time_limit: str = Field(default="", description="办理时限，如 3个工作日")
    flow: str = Field(default="", description="外部（向师生公开的环节）或 内部；省略为内部")


class Power(_Model):
    """A power item of the 职权目录 with its steps, drawn as the 权力运行流程图."""

    name: str = Field(description="职权名称")
    department: str | None = Field(default=None, description="行使该职权的部门")
    steps: list[Step] = Field(min_length=1, description="运行环节，按先后顺序")


class Notices(_Model):
    """What the 退回重查通知 and 催报通知 tell a department beyond its forms: by when, to whom, how.

    The deadline is ``due`` when the office has fixed one, else ``days`` after the notice's date
    (``notices --due`` overrides both); the contact is the office's director and phone unless named.
    """

    due: dt.date | None = Field(default=None, description="重新报送（补报）截止日期；省略时为通知之日起 days 天")
    days: int = Field(default=7, ge=1, le=60, description="未写 due 时，给部门的天数")
    contact: str | None = Field(default=None, description="联系人；省略时为领导小组办公室主任")
    phone: str | None = Field(default=None, description="联系电话；省略时为 office.phone")
    resubmit: str | None = Field(default=None, description="如何、向何处报送，如 纸质材料报监察审计室，电子材料发至邮箱……；省略时为报送领导小组办公室")


class Campaign(_Model):
    code: str = Field(description="活动代码（大写字母和数字），写进每张表单编号")
    year: int
    name: str = Field(description="活动名称，如 廉政风险防控工作")

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not CODE_RE.match(v):
            raise ValueError("活动代码只能含大写字母和数字，如 QZSY2012")
        return v


Retention = Literal["Y", "D30", "D10"]


class Archive(_Model):
    """How the campaign is filed (DA/T 22-2015): 全宗号, 机构（问题）代码 and 保管期限 per document kind.

    档号 = 全宗号-门类代码·年度-保管期限-机构代码-件号, e.g. 0123-WS·2026-Y-JJW-0001. Defaults: the
    plan, the ledgers, the 公示 and the audit log are kept permanently (Y), the forms issued and
    returned 30 years (D30), the notices 10 years (D10).
    """

    fonds: str = Field(default="0000", pattern=r"^[0-9A-Z]{1,10}$", description="全宗号（档案馆给定）")
    category: str = Field(default="WS", pattern=r"^[A-Z]{1,4}$", description="门类代码，文书档案为 WS")
    org_code: str = Field(default="JJW", pattern=r"^[0-9A-Z]{1,10}$", description="机构（问题）代码")
    retention: dict[str, Retention] = Field(
        default_factory=dict,
        description="保管期限：plan、forms、returns、ledgers、publish、notices、audit 各自为 Y、D30 或 D10")

    #: The documented defaults, overridden key by key by ``retention``.
    DEFAULT_RETENTION: ClassVar[dict[str, str]] = {
        "plan": "Y", "ledgers": "Y", "publish": "Y", "audit": "Y",
        "forms": "D30", "returns": "D30", "notices": "D10"}

    @field_validator("retention")
    @classmethod
    def _kinds(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(cls.DEFAULT_RETENTION))
        if unknown:
            raise ValueError(f"archive.retention 中的文件类别“{'、'.join(unknown)}”不存在；"
                             f"可用的有：{'、'.join(cls.DEFAULT_RETENTION)}")
        return v

    def retention_of(self, kind: str) -> str:
        return self.retention.get(kind, self.DEFAULT_RETENTION[kind])


class Profile(_Model):
    campaign: Campaign
    institution: Institution
    document: Document
    leadership: Leadership
    office: Office
    departments: list[Department] = Field(min_length=1)
    roster: RosterSpec = RosterSpec()
    scope: str = Field(description="实施范围")
    phases: list[Phase] = Field(min_length=1)
    levels: Levels
    categories: list[str] = Field(min_length=1, description="风险类别")
    annexes: Annexes
    texts: Texts = Texts()
    publication: Publication = Publication()
    rules: list[Rule] = Field(
        default_factory=list, description="本活动启用的校验规则：same_hand、copied_risk、vague_risk")
    archive: Archive = Archive()
    notices: Notices = Notices()
    powers: list[Power] = Field(default_factory=list, description="职权目录中的权力事项及运行环节（lianzheng flowchart 绘制流程图）")

    @model_validator(mode="after")
    def _consistent(self) -> "Profile":
        from pipeline.forms import registry

        known = registry()
        problems = []
        places = [("annexes.forms", self.annexes.forms)]
        for i, phase in enumerate(self.phases, start=1):
            for j, task in enumerate(phase.tasks, start=1):
                places.append((f"phases（第 {i} 个阶段“{phase.name}”）.tasks（第 {j} 项）.forms", task.forms))
        for where, forms in places:
            for form in forms:
                if form not in known:
                    guess = difflib.get_close_matches(form, list(known), n=1)
                    problems.append(f"{where} 中的表单类型“{form}”不存在"
                                    + (f"，是不是 {guess[0]}？" if guess else "")
                                    + f"可用的有：{'、'.join(sorted(known))}")
        codes = [d.code for d in self.departments]
        names = [d.name for d in self.departments]
        for what, values in (("代码", codes), ("名称", names)):
            dup = sorted({v for v in values if values.count(v) > 1})
            if dup:
                problems.append(f"departments 中部门{what}重复：{'、'.join(dup)}；每个部门的代码和名称都要唯一")
        for power in self.powers:
            if power.department and power.department not in names:
                problems.append(f"powers 中职权“{power.name}”的部门“{power.department}”不在 departments 中")
        if problems:
            raise ValueError("\n  ".join(problems))
        return self

    def department(self, name_or_code: str) -> Department:
        for d in self.departments:
            if name_or_code in (d.name, d.code):
                return d
        raise KeyError(name_or_code)

    @property
    def deadline(self) -> dt.date:
        """The campaign's last date: the end of its last phase."""
        return max(p.end for p in self.phases)

    def report_date(self, form_type: str) -> dt.date:
        """The date a form's 本表一式N份 line sends its copy up by: ``annexes.report_dates`` where the
        seed prints its own (003's forms go to the 市局 after the plan's internal deadline), else
        the form's due date."""
        return self.annexes.report_dates.get(form_type) or self.due_date(form_type)

    def due_date(self, form_type: str) -> dt.date:
        """When a form is due: the earliest task naming it, else the campaign's last date.

        Generation prints it on the form, tracking counts a missing form overdue after it.
        """
        dues = [t.due for p in self.phases for t in p.tasks if form_type in t.forms]
        return min(dues) if dues else self.deadline


# --- roster -----------------------------------------------------------------------------------

ROSTER_FILE = Path(__file__).with_name("roster.toml")
#: The roster's column headings (``roster.toml``) → the staff record's fields, in printed order.
ROSTER_COLUMNS: dict[str, str] = {
    heading: field for field, heading in tomllib.loads(ROSTER_FILE.read_text(encoding="utf-8"))["columns"].items()}
TIERS = ("领导班子", "中层", "一般工作人员")


class StaffMember(_Model):
    staff_id: str
    name: str
    department: str
    position: str = ""
    post: str = ""
    tier: Literal["领导班子", "中层", "一般工作人员"] = "一般工作人员"
    duty: str = ""

    @field_validator("staff_id")
    @classmethod
    def _staff_id(cls, v: str) -> str:
        if not CODE_RE.match(v):
            raise ValueError("工号只能含大写字母和数字")
        return v


def _where(loc: tuple) -> str:
    """A pydantic location as the clerk reads the file: phases（第 2 个）.tasks（第 1 个）.due."""
    out = ""
    for part in loc:
        if part == "function-after":
            continue
        if isinstance(part, int):
            out += f"（第 {part + 1} 个）"
        else:
            out += ("." if out else "") + str(part)
    return out


_PYDANTIC_ZH = {
    "missing": "缺少此项，请补上",
    "extra_forbidden": "不认识此项（拼写错误？），请删除或改正",
    "date_from_datetime_parsing": "日期格式不对，应写成 2024-05-01",
    "date_parsing": "日期格式不对，应写成 2024-05-01",
    "date_type": "应为日期，写成 2024-05-01（不加引号）",
    "string_type": "应为文字（加引号）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "list_type": "应为列表，如 [\"甲\", \"乙\"]",
    "too_short": "内容太少",
    "too_long": "内容太多",
    "literal_error": "取值不在允许范围内",
    "string_too_short": "不能为空",
    "dict_type": "应为表（[节]）",
    "model_type": "应为表（[节]）",
}


def _explain(err: ValidationError, columns: dict[str, str] | None = None) -> str:
    """One Chinese line per problem; ``columns`` names roster fields by their 表头 instead of 键."""
    lines = []
    for e in err.errors():
        msg = _PYDANTIC_ZH.get(e["type"])
        if e["type"] in ("value_error", "assertion_error") or msg is None:
            msg = str(e.get("ctx", {}).get("error", e["msg"])).removeprefix("Value error, ")
        if e["type"] == "literal_error":
            msg += f"：{e.get('ctx', {}).get('expected', '')}"
        if e["type"] not in ("missing", "value_error") and isinstance(e.get("input"), (str, int, float, bool)):
            msg += f"（现在写的是：{str(e['input'])[:40]!s}）"
        where = _where(e["loc"])
        if columns is not None and where in columns:
            lines.append(f"  “{columns[where]}”列：{msg}")
        else:
            lines.append(f"  键 {where}：{msg}" if where else f"  {msg}")
    return "\n".join(lines)


#: tomllib's English messages, as a clerk would need them. Matched by prefix.
_TOML_ZH = {
    "Invalid date or datetime": "日期无效（该月没有这一天？），应写成 2024-05-01，不加引号",
    "Invalid value": "值写得不对：文字要加英文双引号，日期写成 2024-05-01，数字不加引号",
    "Expected newline or end of document after a statement": "一行只能写一项，这一行后面多出了内容（少了引号或逗号？）",
    "Unclosed array": "方括号 [ ] 没有配对",
    "Unclosed inline table": "花括号 { } 没有配对",
    "Cannot overwrite a value": "同一个键写了两次",
    "Cannot declare": "同一个节（[节名]）写了两次",
    "Unterminated string": "引号没有配对",
    "Invalid statement": "这一行不是“键 = 值”的形式",
    "Expected '=' after a key in a key/value pair": "键后面缺少等号 =",
}


def _toml_error(e: "tomllib.TOMLDecodeError", text: str) -> str:
    """tomllib says "Invalid value (at line 3, column 7)"; say it in Chinese and quote the line."""
    raw = str(e)
    m = re.search(r"\(at line (\d+), column (\d+)\)", raw)
    reason = raw[: m.start()].strip() if m else raw
    zh = next((v for k, v in _TOML_ZH.items() if reason.startswith(k)), reason)
    if not m:
        return f"TOML 格式错误：{zh}"
    line = int(m.group(1))
    lines = text.splitlines()
    quoted = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return f"TOML 格式错误，第 {line} 行第 {m.group(2)} 列：{zh}" + (f"\n  该行：{quoted[:80]}" if quoted else "")


def load_profile(path: Path) -> Profile:
    """Read and validate a profile.toml; every problem becomes one :class:`ProfileError`."""
    path = Path(path)
    if not path.is_file():
        raise ProfileError("找不到配置文件 profile.toml", path=path,
                           hint="用 lianzheng init 目录 建立工作区，或用 -w 指定工作区")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ProfileError("文件不是 UTF-8 编码", path=path, hint="用记事本“另存为”，编码选 UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(_toml_error(e, text), path=path, hint="改正该行的引号、括号或等号后再运行") from None
    try:
        return Profile.model_validate(data)
    except ValidationError as e:
        raise ProfileError("配置有误：\n" + _explain(e), path=path,
                           hint="按上面指出的键逐项改正后再运行") from None


#: C0 controls other than tab, newline and return, DEL and C1 controls: invisible in Excel, and not
#: allowed in the XML of a Word document, so a name holding one would make every form it fills unreadable.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _cell_text(value: object, path: Path, sheet: str, rownum: int, column: str) -> str:
    """A roster cell as text, or a ProfileError naming the file, sheet, row and column.

    Numbers typed into text columns (a 工号 of 1001 stored as 1001.0) read as the digits; a date,
    a TRUE/FALSE or a control character is a mistake to fix in the workbook, not to guess around.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, bool):
        raise ProfileError(f"{_roster_cell(sheet, rownum, column)}是逻辑值 {str(value).upper()}，应为文字", path=path,
                           hint="在 Excel 中把该单元格设为“文本”格式后重新填写")
    elif isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise ProfileError(f"{_roster_cell(sheet, rownum, column)}是日期或时间（{value}），应为文字", path=path,
                           hint="在 Excel 中把该单元格设为“文本”格式后重新填写")
    else:
        text = str(int(value) if isinstance(value, float) and value.is_integer() else value).strip()
    if "_x" in text:  # Excel writes a control character as _x0001_
        from openpyxl.utils.escape import unescape

        text = unescape(text).strip()
    bad = _CONTROL_RE.search(text)
    if bad:
        raise ProfileError(f"{_roster_cell(sheet, rownum, column)}含有看不见的控制字符（U+{ord(bad.group()):04X}），"
                           "会使生成的 Word 文件无法打开",
                           path=path, hint="在 Excel 中重新输入该单元格的内容（不要从网页或其他系统直接粘贴）")
    return text


def _roster_cell(sheet: str, rownum: int, column: str) -> str:
    return f"名册（工作表“{sheet}”）第 {rownum} 行“{column}”"


def _refuse_vast(path: Path) -> None:
    """A ProfileError for an .xlsx roster whose sheet spans more cells than calamine can hold."""
    import zipfile

    from pipeline.parse.xlsx import VAST_HINT, vast_message, vast_sheet

    if not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as zf:
            span = vast_sheet(zf)
    except zipfile.BadZipFile:
        return  # calamine says what is wrong with it
    if span is not None:
        raise ProfileError(f"名册的{vast_message(span)}", path=path, hint=VAST_HINT)


def _sheet_rows(path: Path, sheet: str | None) -> tuple[str, list[list]]:
    """The roster sheet's name and its rows as values, read by calamine.

    calamine (Rust) reads a 10,000-person roster about six times faster than openpyxl's read-only
    mode, and every command reads the roster. A file that is no workbook, a missing sheet and
    damaged sheet XML are each a ProfileError naming what to do.
    """
    from python_calamine import CalamineError, CalamineWorkbook, WorksheetNotFound

    _refuse_vast(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises its own kinds and OSError for a file that is no workbook
        raise ProfileError(f"无法打开名册（{type(e).__name__}）", path=path, hint="用 Excel 另存为 .xlsx 后再试") from None
    with wb:
        if sheet and sheet not in wb.sheet_names:
            raise ProfileError(f"名册中没有工作表“{sheet}”", path=path,
                               hint=f"在 profile.toml 的 [roster] sheet 中写对表名，现有：{'、'.join(wb.sheet_names)}")
        name = sheet or wb.sheet_names[0]
        try:
            return name, wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except (CalamineError, WorksheetNotFound, ValueError) as e:
            raise ProfileError(f"名册（工作表“{name}”）的数据已损坏，读不出来（{type(e).__name__}：{e}；"
                               "多因导出程序写出了不合规的内容，或文件在传输中损坏）", path=path,
                               hint="用 Excel 或 WPS 打开名册，检查后“另存为” .xlsx 再试") from None


def load_roster(path: Path, profile: Profile, sheet: str | None = None) -> list[StaffMember]:
    """Read the roster workbook: one row per person, headers as in :data:`ROSTER_COLUMNS`."""
    path = Path(path)
    if not path.is_file():
        raise ProfileError("找不到人员名册", path=path, hint="把名册放在工作区，或在 profile.toml 的 [roster] file 中写对文件名")
    title, table = _sheet_rows(path, sheet)
    rows = iter(table)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    missing = [c for c in ROSTER_COLUMNS if c not in header]
    if missing:
        raise ProfileError(f"名册第 1 行（表头）缺少列：{'、'.join(missing)}", path=path,
                           hint=f"第一行应为表头：{'、'.join(ROSTER_COLUMNS)}（顺序不限）")
    index = {ROSTER_COLUMNS[h]: i for i, h in enumerate(header) if h in ROSTER_COLUMNS}
    departments = {d.name for d in profile.departments}
    people: list[StaffMember] = []
    seen: dict[str, int] = {}
    headers = {field: header for header, field in ROSTER_COLUMNS.items()}
    for rownum, row in enumerate(rows, start=2):
        if row is None or all(c in (None, "") for c in row):
            continue
        record = {k: _cell_text(row[i], path, title, rownum, header[i]) for k, i in index.items() if i < len(row)}
        if not record.get("tier"):
            record.pop("tier", None)
        try:
            person = StaffMember.model_validate(record)
        except ValidationError as e:
            raise ProfileError(f"名册第 {rownum} 行有误：\n" + _explain(e, headers), path=path,
                               hint="改正该行后再运行；层级只能是 领导班子、中层、一般工作人员") from None
        if person.department not in departments:
            raise ProfileError(
                f"名册第 {rownum} 行：{person.name} 的部门“{person.department}”不在配置的部门中",
                path=path, hint=f"改成以下之一，或在 profile.toml 中增加该部门：{'、'.join(sorted(departments))}")
        if person.staff_id in seen:
            raise ProfileError(f"名册第 {rownum} 行：{person.name} 的工号 {person.staff_id} 与第 {seen[person.staff_id]} 行重复",
                               path=path, hint="每人一个工号，改正其中一行")
        seen[person.staff_id] = rownum
        people.append(person)
    return people
