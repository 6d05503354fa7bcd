"""The archive package: built from an ingested campaign, verified, tampered with, rebuilt, and hostile zips."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path, PurePosixPath

import bagit
import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from conftest import make_workspace, needs_soffice
from ingested import ingested_workspace
from pipeline import api
from pipeline.cli import main
from pipeline.errors import ExitCode, InputFileError
from pipeline.report.archive import catalogue as cat
from pipeline.report.archive.build import CATALOGUE_CSV, CATALOGUE_XLSX
from pipeline.report.archive.names import MAX_COMPONENT, Namer, clean, shorten, units
from pipeline.store import open_store
from pipeline.store.models import Event, IssuedForm, Submission


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """An ingested 002 campaign with its plan, notices and one ledger file, archived without PDF/A."""
    ws, _ = ingested_workspace(tmp_path_factory.mktemp("archive"))
    api.make_plan(ws, pdf=False)
    api.notices(ws)
    ledger = ws.outbox / "ledger" / "泉师院-廉政风险防控台账.xlsx"
    ledger.parent.mkdir(parents=True)
    Workbook().save(ledger)
    result = api.archive(ws, pdf=False, progress=False)
    return ws, result


def _copy_bag(built, tmp_path: Path) -> Path:
    _, result = built
    return Path(shutil.copytree(result.bag, tmp_path / result.bag.name))


def _rows(bag: Path) -> list[dict[str, str]]:
    return cat.read_csv((bag / "data" / CATALOGUE_CSV).read_bytes())


def test_bag_holds_every_return_every_issued_form_and_the_audit_log(built):
    ws, result = built
    bagit.Bag(str(result.bag)).validate()  # the bagit library agrees it is a valid bag
    with open_store(ws.database_url)() as s:
        subs = s.query(Submission).all()
        issued = s.query(IssuedForm).all()
        events = s.query(Event).count()
    info = bagit.Bag(str(result.bag)).info
    assert info["Source-Organization"] == "泉州师范学院"
    assert info["Bagging-Date"] == ws.profile.deadline.isoformat()
    assert info["External-Identifier"] == "0123-WS·2012-QZSY2012"
    assert info["Returned-File-Count"] == str(len(subs))
    assert info["Issued-Form-Count"] == str(len(issued))
    assert info["Returned-Superseded-Count"] == str(sum(1 for x in subs if x.status == "superseded")) != "0"
    returned = [p for p in (result.bag / "data" / "03-收回表格").rglob("*") if p.is_file()]
    kept = {hashlib.sha256(p.read_bytes()).hexdigest() for p in returned}
    assert {x.sha256 for x in subs} <= kept  # every original byte for byte, all versions
    rejected = [x for x in subs if x.status == "rejected"]
    assert rejected and len(list((result.bag / "data/03-收回表格/已拒收").rglob("*.原因.txt"))) == len(rejected)
    assert len(list((result.bag / "data/02-下发表格").rglob("*.docx"))) == len(issued)
    log = list(csv.reader(io.StringIO((result.bag / "data/07-审计日志/审计日志.csv").read_text("utf-8-sig"))))
    assert len(log) - 1 == events
    assert (result.bag / "data/04-台账/泉师院-廉政风险防控台账.xlsx").is_file()
    assert list((result.bag / "data/06-通知").rglob("*.docx"))


def test_catalogue_follows_da_t_22(built):
    ws, result = built
    rows = _rows(result.bag)
    assert tuple(rows[0]) == cat.COLUMNS
    assert [r["序号"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    items: dict[str, list[int]] = {}
    for r in rows:
        m = cat.ARCHIVAL_CODE.match(r["档号"])
        assert m and m["fonds"] == "0123" and m["org"] == "JJW" and m["year"] == "2012", r["档号"]
        items.setdefault(m["retention"], []).append(int(m["item"]))
        assert re.fullmatch(r"\d{8}", r["日期"])
    assert all(v == list(range(1, len(v) + 1)) for v in items.values())  # 件号 without gaps
    by_folder = {r["文件"].split("/")[0]: r["档号"].split("-")[2] for r in rows}
    assert by_folder == {"01-实施方案": "Y", "02-下发表格": "D30", "03-收回表格": "D30", "04-台账": "Y",
                         "06-通知": "D10", "07-审计日志": "Y"}
    plan = next(r for r in rows if r["文件"].startswith("01-实施方案/"))
    assert (plan["文号"], plan["日期"], plan["档号"]) == ("泉师院监〔2012〕5号", "20120526", "0123-WS·2012-Y-JJW-0001")
    sheet = load_workbook(result.bag / "data" / CATALOGUE_XLSX).active
    assert sheet.page_setup.orientation == "landscape" and str(sheet.page_setup.paperSize) == "9"  # A4
    assert cat.read_xlsx((result.bag / "data" / CATALOGUE_XLSX).read_bytes()) == rows


@pytest.mark.parametrize("which", ["bag", "zip"])
def test_verify_passes_and_writes_the_report(built, which, tmp_path):
    _, result = built
    package = result.bag if which == "bag" else result.zip
    report = tmp_path / "report.txt"
    out = CliRunner().invoke(main, ["archive", "verify", str(package), "--report", str(report)])
    assert out.exit_code == 0, out.output
    text = report.read_text("utf-8")
    for area in ("真实性：通过", "完整性：通过", "可用性：通过", "安全性：通过", "四性检测全部通过"):
        assert area in text


def _first(bag: Path, folder: str, suffix: str = ".docx") -> Path:
    return sorted((bag / "data" / folder).rglob(f"*{suffix}"))[0]


def _rehash(bag: Path) -> None:
    """What a careful forger does: recompute the manifests so the checksums hold again."""
    b = bagit.Bag(str(bag))
    b.save(manifests=True)


@pytest.mark.parametrize("change", ["flip", "grow", "delete", "add"])
def test_verify_names_the_file_that_was_tampered_with(built, tmp_path, change):
    bag = _copy_bag(built, tmp_path)
    victim = _first(bag, "03-收回表格")
    rel = victim.relative_to(bag).as_posix()
    data = bytearray(victim.read_bytes())
    if change == "flip":
        data[len(data) // 2] ^= 0x01
        victim.write_bytes(bytes(data))
    elif change == "grow":
        victim.write_bytes(bytes(data) + b"\0")
    elif change == "delete":
        victim.unlink()
    else:
        rel = "data/03-收回表格/多出来的.txt"
        (bag / rel).write_text("塞进来的文件", encoding="utf-8")
    report = api.verify_archive(bag, report=tmp_path / "r.txt")
    assert not report.ok
    faults = report.faults()
    assert any(rel in f for f in faults), faults
    word = {"flip": "已被改动", "grow": "已被改动", "delete": "缺少文件", "add": "多出文件"}[change]
    assert any(word in f and rel in f for f in faults), faults
    out = CliRunner().invoke(main, ["archive", "verify", str(bag), "--report", str(tmp_path / "r2.txt")])
    assert out.exit_code == ExitCode.CHECK_FAILED and rel in out.output


def test_verify_names_a_changed_catalogue_row(built, tmp_path):
    bag = _copy_bag(built, tmp_path)
    path = bag / "data" / CATALOGUE_CSV
    text = path.read_text("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    rows[3][1] = rows[3][1][:-4] + "0099"  # the third 件's 件号
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_text("\ufeff" + out.getvalue(), encoding="utf-8")
    faults = api.verify_archive(bag, report=tmp_path / "r.txt").faults()
    assert any("已被改动" in f and CATALOGUE_CSV in f for f in faults), faults
    _rehash(bag)  # the checksums hold again: the catalogue checks still name the row
    faults = api.verify_archive(bag, report=tmp_path / "r.txt").faults()
    assert any("第 3 行" in f and "件号 0099 不连续" in f for f in faults), faults
    assert any("归档文件目录.xlsx 第 3 行与" in f for f in faults), faults


def test_verify_names_a_row_without_its_file_and_a_file_without_its_row(built, tmp_path):
    bag = _copy_bag(built, tmp_path)
    victim = _first(bag, "02-下发表格")
    victim.rename(victim.with_name("改名.docx"))
    _rehash(bag)
    faults = api.verify_archive(bag, report=tmp_path / "r.txt").faults()
    rel = victim.relative_to(bag / "data").as_posix()
    assert any(f"所列文件 data/{rel} 不在包内" in f for f in faults), faults
    assert any("改名.docx 不在归档文件目录中" in f for f in faults), faults


def test_second_build_is_byte_identical(built):
    ws, first = built
    before = first.zip.read_bytes()
    again = api.archive(ws, pdf=False, progress=False)
    assert again.sha256 == first.sha256 == hashlib.sha256(before).hexdigest()
    assert again.zip.read_bytes() == before


def test_zip_names_are_utf8_nfc_and_unzip_lists_them(built):
    _, result = built
    with zipfile.ZipFile(result.zip) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    for i in infos:
        assert i.filename == unicodedata.normalize("NFC", i.filename)
        assert i.date_time == (2012, 12, 31, 0, 0, 0)
        if not i.filename.isascii():
            assert i.flag_bits & 0x800  # the UTF-8 flag
    if shutil.which("unzip") is None:
        pytest.skip("unzip is not installed")
    listing = subprocess.run(["unzip", "-l", str(result.zip)], capture_output=True, check=True).stdout.decode("utf-8")
    assert "QZSY2012-归档/data/03-收回表格/已接收/财务处/" in listing
    assert "QZSY2012-归档/data/00-目录/归档文件目录.xlsx" in listing


def _zip_with(tmp_path: Path, members: dict[str, bytes], name: str = "hostile.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


@pytest.mark.parametrize("member, why", [
    ("../../etc/evil.txt", "跳出解压目录"), ("/etc/evil.txt", "绝对路径"), ("C:/Windows/evil.txt", "盘符"),
    ("bag\\..\\evil.txt", "反斜杠")])
def test_hostile_names_are_refused_without_extracting(tmp_path, member, why):
    package = _zip_with(tmp_path, {"bag/bagit.txt": b"BagIt-Version: 1.0\n", member: b"x"})
    with pytest.raises(InputFileError, match=why):
        api.verify_archive(package)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.zip"]  # nothing extracted, no report
    out = CliRunner().invoke(main, ["archive", "verify", str(package)])
    assert out.exit_code == ExitCode.INPUT_FILE and "拒绝处理该压缩包" in out.output


def test_a_zip_bomb_is_refused(tmp_path):
    package = _zip_with(tmp_path, {"bag/bagit.txt": b"BagIt-Version: 1.0\n", "bag/data/zeros.bin": bytes(50 << 20)})
    with pytest.raises(InputFileError, match="压缩炸弹"):
        api.verify_archive(package)


def test_overlapping_members_are_refused(tmp_path):
    package = _zip_with(tmp_path, {"bag/bagit.txt": b"BagIt-Version: 1.0\n", "bag/a.txt": b"a" * 100})
    raw = bytearray(package.read_bytes())
    # point the second central-directory entry at the first member's data
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 42:cd + 46] = (0).to_bytes(4, "little")
    package.write_bytes(bytes(raw))
    with pytest.raises(InputFileError, match="重叠"):
        api.verify_archive(package)


def test_names_are_cleaned_and_shortened_by_the_documented_rule():
    assert clean("A:B?.docx ") == "A_B_.docx"
    assert clean("CON.txt") == "_CON.txt"
    assert clean(unicodedata.normalize("NFD", "附表é")) == "附表é"
    long = "附表1-" + "很长的标题" * 30 + ".docx"
    short = shorten(long)
    assert units(short) == MAX_COMPONENT and short.endswith(".docx") and "~" in short
    assert short == shorten(long) != shorten(long.replace("附表1", "附表2"))
    namer = Namer()
    assert namer.name(["a", "Report.docx"]) == "a/Report.docx"
    assert namer.name(["a", "report.docx"]) == "a/report~2.docx"  # one file to Windows


def test_issued_forms_are_kept_write_once_by_sha256(built, tmp_path):
    ws, _ = built
    with open_store(ws.database_url)() as s:
        issued = s.query(IssuedForm).all()
    assert issued and all(f.sha256 for f in issued)
    for f in issued[:5]:
        kept = ws.store_dir / "issued" / f.sha256[:2] / f.sha256[2:]
        assert hashlib.sha256(kept.read_bytes()).hexdigest() == f.sha256


def test_archive_without_libreoffice_says_what_it_skipped(built, tmp_path, monkeypatch):
    from pipeline._exec import soffice

    ws, _ = built
    monkeypatch.setattr(soffice, "find", lambda: None)
    result = api.archive(ws, pdf=True, progress=False)
    assert result.pdfa == 0
    assert any("没有找到 LibreOffice" in s and "apt-get install" in s for s in result.skipped)
    assert api.verify_archive(result.zip, report=tmp_path / "r.txt").ok


def test_profile_archive_defaults():
    from pipeline.profile import Archive

    a = Archive()
    assert (a.fonds, a.category, a.org_code) == ("0000", "WS", "JJW")
    assert [a.retention_of(k) for k in ("plan", "ledgers", "forms", "notices")] == ["Y", "Y", "D30", "D10"]


@needs_soffice
def test_pdfa_copies_carry_pdfa_2b_embedded_fonts_and_the_archive_stamp(tmp_path):
    import pikepdf

    ws = make_workspace(tmp_path)
    api.make_plan(ws, pdf=False)
    api.make_forms(ws, department="财务处", progress=False, jobs=1)
    result = api.archive(ws, pdf=True, progress=False)
    assert result.pdfa > 1 and not result.skipped
    rows = _rows(result.bag)
    for row in (r for r in rows if r["PDF/A"]):
        pdf_path = result.bag / "data" / row["PDF/A"]
        with pikepdf.open(pdf_path) as pdf:
            meta = pdf.open_metadata()
            assert meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "B"
            assert str(len(pdf.pages)) == row["页数"]
            fonts = [f for page in pdf.pages for f in (page.Resources.get("/Font") or {}).values()]
            assert fonts
            for font in fonts:
                descriptors = [d.get("/FontDescriptor") for d in [font, *(font.get("/DescendantFonts") or [])]]
                assert any(d is not None and ("/FontFile2" in d or "/FontFile" in d or "/FontFile3" in d)
                           for d in descriptors), font.get("/BaseFont")
    # the 归档章 on page one of the plan: 全宗号, 年度, 件号, 机构, 保管期限, 页数, top right
    plan = next(r for r in rows if r["文件"].startswith("01-实施方案/") and r["PDF/A"])
    box = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(result.bag / "data" / plan["PDF/A"]), "-"],
                         capture_output=True, check=True).stdout.decode("utf-8")
    words: dict[str, list[tuple[float, float]]] = {}
    for m in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)</word>', box):
        words.setdefault(m[4], []).append((float(m[0]), float(m[1])))
    page_width = float(re.search(r'<page width="([\d.]+)"', box)[1])
    for text in ("0123", "2012", "0001", "JJW", "Y", plan["页数"]):  # the page's own text may hold them too
        assert any(x > page_width / 2 and y < 80 for x, y in words[text]), (text, words[text])
    assert (result.bag / "data" / plan["文件"].split("；")[0]).read_bytes() == next(
        (ws.outbox / "plan").glob("*.docx")).read_bytes()  # the source stays unstamped
    assert api.verify_archive(result.zip, report=tmp_path / "r.txt").ok
    assert api.archive(ws, pdf=True, progress=False).sha256 == result.sha256  # PDF/A reused, not reconverted


def test_archive_command_builds_and_says_where(built):
    ws, first = built
    out = CliRunner().invoke(main, ["archive", "-w", str(ws.root), "--no-pdf"])
    assert out.exit_code == 0, out.output
    assert str(first.zip) in out.output and first.sha256 in out.output
    assert "未生成 PDF/A：按要求跳过" in out.output


def test_a_returned_word_file_gets_a_pdfa_copy_unless_it_holds_active_content(tmp_path):
    """A records office reads a return as its sender saw it, decades on: a readable returned .docx
    gets a PDF/A copy beside its byte-for-byte original; one flagged for macros is kept as it came
    (it is never opened by another program)."""
    import pikepdf

    from pipeline.forms import get
    from pipeline.testing import fill_form, sample_rows

    ws = make_workspace(tmp_path)
    people = ws.roster[:2]
    definition = next(d for d in map(get, ws.profile.annexes.forms) if d.audience == "person")
    for person in people:
        api.make_forms(ws, person=person.staff_id, form_type=definition.id, progress=False, jobs=1)
    issued = {p.staff_id: next(f for f in (ws.outbox / "forms").rglob("*.docx")
                               if p.staff_id in str(f) and definition.title in f.name) for p in people}
    plain, macro = (ws.inbox / f"{p.name}.docx" for p in people)
    for person, target in zip(people, (plain, macro)):
        fill_form(issued[person.staff_id], target, definition,
                  sample_rows(person.name, definition, list(ws.profile.levels.labels)))
    with zipfile.ZipFile(macro, "a") as z:
        z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 not run, only kept")
    api.ingest(ws, progress=False, jobs=1)
    result = api.archive(ws, pdf=True, progress=False)
    returns = {PurePosixPath(r["文件"].split("；")[0]).name.split("-", 1)[1]: r for r in _rows(result.bag)
               if r["文件"].startswith("03-收回表格/")}  # the original first, named 00001-<as sent>
    assert set(returns) == {plain.name, macro.name}, list(returns)
    assert returns[plain.name]["PDF/A"] and not returns[macro.name]["PDF/A"], returns
    data = result.bag / "data"
    with pikepdf.open(data / returns[plain.name]["PDF/A"]) as pdf:
        assert pdf.open_metadata().get("pdfaid:part") == "2"
    assert (data / returns[plain.name]["文件"].split("；")[0]).read_bytes() == plain.read_bytes()  # as it came
    assert api.verify_archive(result.zip, report=tmp_path / "r.txt").ok
