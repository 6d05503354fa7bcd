"""``lianzheng archive verify PACKAGE``: the DA/T 70-2018 四性检测 of a package, without the workspace.

The package is a bag folder or its zip (read in place, never extracted, after :mod:`.safezip`
refused hostile ones). Checked, and reported under the four properties:

* 真实性 (authentic): bagit.txt and bag-info.txt declare the bag and its source; every payload
  file and every tag file has the SHA-256 its manifest records — each changed file is named;
* 完整性 (complete): every file of the manifest is there and nothing else — each missing or added
  file is named; Payload-Oxum holds; the catalogue's 序号 run 1…N, each 档号 is well formed and
  belongs to this fonds and year, 件号 run from 0001 without gaps per 保管期限, every catalogue row's
  files are in the package, every payload file is in the catalogue, and .xlsx and .csv agree;
* 可用性 (usable): each PDF/A declares ``pdfaid:part=2`` in its XMP metadata and embeds its fonts,
  every PDF and Office file opens (except the quarantine, kept because it could not be read),
  names are NFC and short enough for Windows;
* 安全性 (secure): the zip passed the hostile-zip rules, no executable or macro-bearing file, no
  encrypted PDF.

The manifests are compared here rather than by ``bagit.Bag.validate``: bagit stops at the first
Payload-Oxum mismatch without naming the file, and reads folders only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.report.archive import catalogue as cat
from pipeline.report.archive.build import CATALOGUE_CSV, CATALOGUE_XLSX, FOLDERS, STATUS_DIRS
from pipeline.report.archive.names import MAX_PATH, units
from pipeline.report.archive.safezip import open_checked, read_member

AREAS = ("真实性", "完整性", "可用性", "安全性")
REQUIRED_INFO = ("Source-Organization", "External-Identifier", "Bagging-Date", "Payload-Oxum")
RISKY_SUFFIXES = frozenset({".exe", ".bat", ".cmd", ".com", ".js", ".vbs", ".ps1", ".sh", ".msi", ".scr", ".jar",
                            ".docm", ".dotm", ".xlsm", ".xltm", ".pptm"})
#: Faults listed per check before "… 等 N 处" (the report stays readable when everything is wrong).
SHOWN = 50
#: The quarantine: returns refused as unreadable, kept as they came, so not expected to open.
QUARANTINE = f"data/{FOLDERS['returns']}/{STATUS_DIRS['rejected']}/"


@dataclass
class Check:
    area: str
    what: str
    faults: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.faults


@dataclass
class Report:
    package: Path
    checks: list[Check]
    info: dict[str, str]
    checked_at: dt.datetime
    path: Path | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def faults(self) -> list[str]:
        return [f for c in self.checks for f in c.faults]

    def text(self) -> str:
        lines = ["四性检测报告（依据 DA/T 70-2018《文书类电子档案检测一般要求》）",
                 f"检测对象：{self.package}",
                 f"外部标识：{self.info.get('External-Identifier', '（缺）')}",
                 f"立档单位：{self.info.get('Source-Organization', '（缺）')}",
                 f"检测时间：{self.checked_at:%Y-%m-%d %H:%M:%S}（UTC）", ""]
        for n, area in zip("一二三四", AREAS):
            checks = [c for c in self.checks if c.area == area]
            lines.append(f"{n}、{area}：{'通过' if all(c.ok for c in checks) else '不通过'}")
            for c in checks:
                lines.append(f"  [{'通过' if c.ok else '不通过'}] {c.what}")
                lines += [f"      - {f}" for f in c.faults[:SHOWN]]
                if len(c.faults) > SHOWN:
                    lines.append(f"      … 等共 {len(c.faults)} 处")
        bad = sum(1 for c in self.checks if not c.ok)
        lines += ["", "结论：" + ("四性检测全部通过，可以接收。" if not bad else f"有 {bad} 项检测不通过，不能接收；"
                                                                  "请向移交方索取完好的归档包。")]
        return "\n".join(lines) + "\n"


class _Source:
    """The package's files by their path inside the bag (``bagit.txt``, ``data/…``)."""

    def __init__(self, package: Path) -> None:
        self.package = package
        self.zip: zipfile.ZipFile | None = None
        if package.is_dir():
            self.files = {p.relative_to(package).as_posix(): p for p in package.rglob("*")
                          if p.is_file() or p.is_symlink()}
            self.symlinks = sorted(n for n, p in self.files.items() if p.is_symlink())
            return
        self.zip = open_checked(package)
        infos = [i for i in self.zip.infolist() if not i.is_dir()]
        tops = {i.filename.split("/", 1)[0] for i in infos}
        prefix = ""
        if "bagit.txt" not in tops and len(tops) == 1:
            prefix = tops.pop() + "/"
        self.files = {i.filename[len(prefix):]: i for i in infos}
        self.symlinks = []

    def read(self, name: str) -> bytes:
        item = self.files[name]
        if isinstance(item, Path):
            return item.read_bytes()
        return read_member(self.zip, item, self.package)

    def size(self, name: str) -> int:
        item = self.files[name]
        return item.stat().st_size if isinstance(item, Path) else item.file_size

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _tags(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and key:
            out[key] += " " + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip()
            out[key] = value.strip()
    return out


def _manifest(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if line.strip():
            digest, _, name = line.strip().partition(" ")
            name = name.strip().replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
            out[unicodedata.normalize("NFC", name)] = digest.lower()
    return out


def _fixity(src: _Source, manifest: dict[str, str], names: set[str], missing: Check, changed: Check) -> None:
    for name, digest in sorted(manifest.items()):
        if name not in names:
            missing.faults.append(f"缺少文件：{name}")
        elif hashlib.sha256(src.read(name)).hexdigest() != digest:
            changed.faults.append(f"已被改动（SHA-256 不符）：{name}")


def _catalogue(src: _Source, names: set[str], info: dict[str, str], check: Check) -> list[dict[str, str]]:
    fault = check.faults.append
    csv_name, xlsx_name = f"data/{CATALOGUE_CSV}", f"data/{CATALOGUE_XLSX}"
    if csv_name not in names:
        fault(f"缺少归档文件目录：{csv_name}")
        return []
    try:
        rows = cat.read_csv(src.read(csv_name))
    except (UnicodeDecodeError, ValueError) as e:
        fault(f"归档文件目录 {csv_name} 无法读取：{e}")
        return []
    if rows and tuple(rows[0].keys()) != cat.COLUMNS:
        fault(f"{csv_name} 的列应为 {'、'.join(cat.COLUMNS)}")
    fonds, year = info.get("Fonds"), info.get("Campaign-Year")
    last: dict[str, int] = {}
    listed: set[str] = set()
    for k, row in enumerate(rows, start=1):
        where = f"{csv_name} 第 {k} 行（档号 {row.get('档号') or '空'}）"
        if row.get("序号") != str(k):
            fault(f"{where}：序号为 {row.get('序号')!r}，应为 {k}（序号须从 1 连续编排）")
        m = cat.ARCHIVAL_CODE.match(row.get("档号") or "")
        if not m:
            fault(f"{where}：档号格式不符，应形如 0123-WS·2026-Y-JJW-0001")
        else:
            if fonds and m["fonds"] != fonds:
                fault(f"{where}：全宗号 {m['fonds']} 与 bag-info.txt 的 {fonds} 不一致")
            if year and m["year"] != year:
                fault(f"{where}：年度 {m['year']} 与 bag-info.txt 的 {year} 不一致")
            expected = last.get(m["retention"], 0) + 1
            if int(m["item"]) != expected:
                fault(f"{where}：件号 {m['item']} 不连续，保管期限 {m['retention']} 此处应为 {expected:04d}")
            last[m["retention"]] = int(m["item"])
        if len(row.get("日期") or "") != 8 or not (row.get("日期") or "").isdigit():
            fault(f"{where}：日期应为 8 位数字，如 20260630")
        files = [f for f in (row.get("文件") or "").split(cat.FILE_SEP) if f]
        if not files:
            fault(f"{where}：没有列出文件")
        for f in files + ([row["PDF/A"]] if row.get("PDF/A") else []):
            listed.add(f"data/{f}")
            if f"data/{f}" not in names:
                fault(f"{where}：所列文件 data/{f} 不在包内")
    for name in sorted(names):
        if name.startswith("data/") and name not in listed and name not in (csv_name, xlsx_name):
            fault(f"文件 {name} 不在归档文件目录中")
    if xlsx_name not in names:
        fault(f"缺少归档文件目录：{xlsx_name}")
    else:
        try:
            sheet = cat.read_xlsx(src.read(xlsx_name))
        except Exception as e:  # a damaged workbook is a finding, whatever openpyxl raises
            fault(f"{xlsx_name} 无法打开：{e.__class__.__name__}")
        else:
            for k, (a, b) in enumerate(zip(rows, sheet), start=1):
                if [a.get(c, "") for c in cat.COLUMNS] != [b.get(c, "") for c in cat.COLUMNS]:
                    fault(f"{xlsx_name} 第 {k} 行与 {csv_name} 不一致（档号 {a.get('档号')}）")
            if len(rows) != len(sheet):
                fault(f"{xlsx_name} 有 {len(sheet)} 行，{csv_name} 有 {len(rows)} 行")
    return rows


def _pdfa(data: bytes) -> list[str]:
    """What keeps ``data`` from being a PDF/A-2b with embedded fonts (empty when it is one)."""
    import pikepdf

    problems = []
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            meta = pdf.open_metadata()
            part, conformance = meta.get("pdfaid:part"), meta.get("pdfaid:conformance")
            if part != "2" or (conformance or "").upper() != "B":
                problems.append(f"XMP 中的 PDF/A 标识为 part={part} conformance={conformance}，应为 2B")
            for page in pdf.pages:
                for name, font in (page.Resources.get("/Font") or {}).items():
                    if not _embedded(font):
                        problems.append(f"字体 {font.get('/BaseFont', name)} 未嵌入")
    except pikepdf.PdfError as e:
        problems.append(f"无法打开：{e}")
    return sorted(set(problems))


def _embedded(font) -> bool:
    fonts = [font, *(font.get("/DescendantFonts") or [])]
    if font.get("/Subtype") == "/Type3":
        return True
    for f in fonts:
        d = f.get("/FontDescriptor")
        if d is not None and any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            return True
    return False


def _usable(src: _Source, names: set[str], rows: list[dict[str, str]], check_pdfa: Check,
            check_open: Check, check_names: Check, check_secure: Check) -> None:
    import pikepdf

    pdfa = {f"data/{r['PDF/A']}" for r in rows if r.get("PDF/A")}
    for name in sorted(names):
        if unicodedata.normalize("NFC", name) != name:
            check_names.faults.append(f"文件名不是 NFC 形式：{name}")
        if units(name) > MAX_PATH + 20:
            check_names.faults.append(f"文件名过长（{units(name)} 字符），Windows 可能无法解压：{name}")
        suffix = Path(name).suffix.lower()
        if suffix in RISKY_SUFFIXES:
            check_secure.faults.append(f"包含可执行或带宏的文件：{name}")
        if not name.startswith("data/") or name.startswith(QUARANTINE) or suffix not in (".pdf", ".docx", ".xlsx"):
            continue
        data = src.read(name)
        if name in pdfa:
            check_pdfa.faults += [f"{name}：{p}" for p in _pdfa(data)]
        if suffix == ".pdf":
            try:
                with pikepdf.open(io.BytesIO(data)) as pdf:
                    if pdf.is_encrypted:
                        check_secure.faults.append(f"PDF 已加密：{name}")
            except pikepdf.PasswordError:
                check_secure.faults.append(f"PDF 已加密：{name}")
            except pikepdf.PdfError as e:
                check_open.faults.append(f"PDF 无法打开：{name}（{e}）")
        else:
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    if "[Content_Types].xml" not in z.namelist():
                        check_open.faults.append(f"不是完整的 Office 文件：{name}")
            except zipfile.BadZipFile:
                check_open.faults.append(f"Office 文件已损坏，无法打开：{name}")


def report_path(package: Path) -> Path:
    """Where the report goes by default: beside the package, ``<包名>-四性检测报告.txt``."""
    return package.parent / f"{package.stem if package.is_file() else package.name}-四性检测报告.txt"


def verify_archive(package: Path, *, report: Path | None = None) -> Report:
    """Check ``package`` (bag folder or zip) and write the 四性检测 report; hostile zips raise InputFileError."""
    package = Path(package)
    if not package.exists():
        from pipeline.errors import UsageError

        raise UsageError("找不到归档包", path=package, hint="给出归档包文件夹或 .zip 文件的路径")
    src = _Source(package)
    try:
        # Compared in NFC, as bagit does: a name may arrive decomposed after a copy through macOS.
        src.files = {unicodedata.normalize("NFC", n): item for n, item in src.files.items()}
        present = set(src.files)
        checks = {key: Check(area, what) for key, area, what in (
            ("declare", "真实性", "bagit.txt 与 bag-info.txt 声明了 BagIt 包及其来源（立档单位、外部标识、归档日期）"),
            ("payload", "真实性", "每个内容文件的 SHA-256 与 manifest-sha256.txt 一致"),
            ("tags", "真实性", "每个标签文件的 SHA-256 与 tagmanifest-sha256.txt 一致"),
            ("missing", "完整性", "清单所列文件齐全，无缺失"),
            ("added", "完整性", "没有清单以外的文件"),
            ("oxum", "完整性", "Payload-Oxum（总字节数.文件数）相符"),
            ("catalogue", "完整性", "归档文件目录：序号连续，档号格式正确，件号从 0001 起无断号，目录与文件一一对应，xlsx 与 csv 一致"),
            ("pdfa", "可用性", "每个 PDF/A 文件的 XMP 元数据含 pdfaid:part=2（PDF/A-2b），字体已嵌入"),
            ("open", "可用性", "每个 PDF 与 Office 文件均能打开（已拒收的原件按收到时原样保存，不在此列）"),
            ("names", "可用性", "文件名为 NFC 形式，长度不超过 Windows 路径限制"),
            ("zip", "安全性", "压缩包成员名不越出解压目录，无压缩炸弹，无符号链接，无加密成员" if src.zip is not None
             else "归档包文件夹内没有符号链接"),
            ("secure", "安全性", "没有可执行文件或带宏的文件，没有加密的 PDF"))}
        checks["zip"].faults += [f"符号链接：{n}" for n in src.symlinks]
        info: dict[str, str] = {}
        if "bagit.txt" not in present:
            checks["declare"].faults.append("缺少 bagit.txt：这不是 BagIt 包")
        elif "BagIt-Version" not in _tags(src.read("bagit.txt").decode("utf-8", "replace")):
            checks["declare"].faults.append("bagit.txt 没有声明 BagIt-Version")
        if "bag-info.txt" in present:
            info = _tags(src.read("bag-info.txt").decode("utf-8", "replace"))
        checks["declare"].faults += [f"bag-info.txt 缺少 {k}" for k in REQUIRED_INFO if not info.get(k)]
        manifest = _manifest(src.read("manifest-sha256.txt").decode("utf-8")) if "manifest-sha256.txt" in present else {}
        if not manifest:
            checks["missing"].faults.append("缺少 manifest-sha256.txt 或其为空：无法核对任何文件")
        _fixity(src, manifest, present, checks["missing"], checks["payload"])
        tagmanifest = _manifest(src.read("tagmanifest-sha256.txt").decode("utf-8")) \
            if "tagmanifest-sha256.txt" in present else {}
        if not tagmanifest:
            checks["tags"].faults.append("缺少 tagmanifest-sha256.txt")
        _fixity(src, tagmanifest, present, checks["missing"], checks["tags"])
        known = set(manifest) | set(tagmanifest) | {"tagmanifest-sha256.txt"}
        checks["added"].faults += [f"多出文件：{n}" for n in sorted(present - known)]
        payload = [n for n in present if n.startswith("data/")]
        actual = f"{sum(src.size(n) for n in payload)}.{len(payload)}"
        if info.get("Payload-Oxum") and info["Payload-Oxum"] != actual:
            checks["oxum"].faults.append(f"bag-info.txt 的 Payload-Oxum 为 {info['Payload-Oxum']}，包内实际为 {actual}")
        rows = _catalogue(src, present, info, checks["catalogue"])
        _usable(src, present, rows, checks["pdfa"], checks["open"], checks["names"], checks["secure"])
    finally:
        src.close()
    result = Report(package, list(checks.values()), info,
                    dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    result.path = Path(report) if report else report_path(package)
    result.path.write_text(result.text(), encoding="utf-8")
    return result
