"""The ``lianzheng`` command: parse arguments, call :mod:`pipeline.api`, print. Nothing else lives here."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import click

from pipeline import __version__, api
from pipeline.errors import ExitCode, LianzhengError, resource_error
from pipeline.terminal import plain
from pipeline.workspace import Workspace

class Group(click.Group):
    """Turns every failure into one Chinese line on stderr and a stable exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LianzhengError as e:
            click.echo(f"错误：{plain(e)}", err=True)
            ctx.exit(e.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("已中断。已完成的部分已保存，重新运行会从中断处继续。", err=True)
            ctx.exit(ExitCode.INTERRUPTED)
        except Exception as e:  # a full disk or a busy store is named; anything else is a bug
            known = resource_error(e)
            if known is not None:
                click.echo(f"错误：{plain(known)}", err=True)
                ctx.exit(known.exit_code)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            log = Path(tempfile.gettempdir()) / f"lianzheng-error-{stamp}-{os.getpid()}.log"
            log.write_text(traceback.format_exc(), encoding="utf-8")
            click.echo(f"错误：程序内部出错，详细信息已写入 {log}，请把该文件发给维护人员。", err=True)
            ctx.exit(ExitCode.INTERNAL)


workspace_option = click.option(
    "-w", "--workspace", "workspace", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
    show_default=True, help="工作区目录（含 profile.toml） / workspace folder")
db_option = click.option("--db", "db", default=None, metavar="URL",
                         help="数据库地址，如 postgresql://user@host/db；默认用工作区内的 SQLite")


def _ws(workspace: Path, db: str | None = None) -> Workspace:
    return Workspace(workspace, db_url=db)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lianzheng")
def main() -> None:
    """廉政风险防控文书流水线 / integrity-risk campaign paperwork pipeline.

    \b
    典型流程 / typical run:
      lianzheng init 工作区 --from profiles/002-qztc/profile.toml
      lianzheng plan -w 工作区        (实施方案)
      lianzheng forms -w 工作区       (附件表格)
      lianzheng ingest -w 工作区      (收回的表格 → 数据库)
      lianzheng status -w 工作区      (报送情况)
      lianzheng notices -w 工作区     (退回重查通知、催报通知)
    """


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--from", "from_profile", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="以已有的 profile.toml 为模板（同目录的名册一并复制）")
def init(directory: Path, from_profile: Path | None) -> None:
    """建立工作区 / create a workspace folder."""
    ws = api.init_workspace(directory, from_profile)
    click.echo(f"已建立工作区：{ws.root}\n下一步：编辑 {ws.profile_path.name} 和名册，然后运行 lianzheng plan -w {directory}")


@main.command()
@workspace_option
@click.option("--pdf/--no-pdf", default=True, help="同时用 LibreOffice 生成 PDF（默认生成）")
@click.option("--separate", is_flag=True, help="只生成正文，不附空白附件表格")
def plan(workspace: Path, pdf: bool, separate: bool) -> None:
    """生成实施方案 / write the implementation plan."""
    for path in api.make_plan(_ws(workspace), pdf=pdf, separate=separate):
        click.echo(str(path))


@main.command()
@workspace_option
@db_option
@click.option("--department", "-d", help="只生成该部门（名称或代码）")
@click.option("--person", "-p", help="只生成该人员（工号或姓名）")
@click.option("--type", "-t", "form_type", help="只生成该表单类型")
@click.option("--pdf", is_flag=True, help="同时批量转换为 PDF")
@click.option("--jobs", "-j", type=int, default=None, help="并行进程数（默认：全部 CPU）")
def forms(workspace: Path, db: str | None, department: str | None, person: str | None,
          form_type: str | None, pdf: bool, jobs: int | None) -> None:
    """生成附件表格 / write every annex form, pre-filled."""
    paths = api.make_forms(_ws(workspace, db), department=department, person=person,
                           form_type=form_type, pdf=pdf, jobs=jobs)
    click.echo(f"已生成 {len(paths)} 个文件，位于 {_ws(workspace).outbox / 'forms'}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--levels", help="风险等级，从高到低，逗号分隔，如 三级,二级,一级")
@click.option("--json", "as_json", is_flag=True, help="输出一个 JSON 对象")
@click.option("-w", "--workspace", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="用该工作区的等级方案（可省略）")
def parse(file: Path, levels: str | None, as_json: bool, workspace: Path | None) -> None:
    """解析一份收回的表格 / parse one returned form."""
    from pipeline.parse.show import print_parsed

    ws = None
    if workspace is None and Path("profile.toml").is_file():
        workspace = Path(".")
    if workspace is not None and (workspace / "profile.toml").is_file():
        ws = _ws(workspace)
    level_list = [x.strip() for x in levels.replace("，", ",").split(",") if x.strip()] if levels else None
    result = api.parse_file(file, levels=level_list, ws=ws, isolated=True)
    if as_json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json", exclude={"meta"}), ensure_ascii=False) + "\n")
    else:
        print_parsed(result)


@main.command()
@workspace_option
@db_option
@click.option("--inbox", type=click.Path(file_okay=False, exists=True, path_type=Path), help="收件目录（默认：工作区的 inbox/）")
@click.option("--jobs", "-j", type=int, default=None, help="并行解析进程数")
@click.option("--batch", type=click.IntRange(1), default=None, help="每批提交的文件数（默认 200）")
@click.option("--verbose", "-v", is_flag=True, help="逐个列出本次收取的每个文件")
@click.option("--json", "as_json", is_flag=True, help="每个文件输出一行 JSON（最后一行是汇总）")
def ingest(workspace: Path, db: str | None, inbox: Path | None, jobs: int | None, batch: int | None,
           verbose: bool, as_json: bool) -> None:
    """收取 inbox 中的表格入库 / ingest returned forms."""
    from pipeline.show import print_ingest_json, print_ingest_summary

    summary = api.ingest(_ws(workspace, db), inbox=inbox, jobs=jobs, batch=batch, progress=not as_json)
    if as_json:
        print_ingest_json(summary)
    else:
        print_ingest_summary(summary, verbose=verbose)
    _fault_exit(summary)


def _fault_exit(summary) -> None:
    """Files this program failed on end the command with INTERNAL, after every other file was done."""
    if summary.faults:
        names = "、".join(plain(f.path) for f in summary.faults[:5]) + (" 等" if len(summary.faults) > 5 else "")
        click.echo(f"错误：程序在处理 {len(summary.faults)} 个文件时出错（不是文件的问题）：{names}；"
                   "其余文件已正常收取。详情见每个文件原因中写明的日志（store/logs/），请发给维护人员。", err=True)
        raise click.exceptions.Exit(int(ExitCode.INTERNAL))


@main.command()
@workspace_option
@db_option
@click.option("--department", "-d", help="只看该部门")
@click.option("--missing", is_flag=True, help="只列出有未交表格的部门")
@click.option("--overdue", is_flag=True, help="只列出已过截止日期仍未交齐的部门")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
@click.option("--all", "all_campaigns", is_flag=True, help="列出数据库中所有单位的活动（上级机关汇总，配合 --db）")
def status(workspace: Path, db: str | None, department: str | None, missing: bool, overdue: bool, as_json: bool,
           all_campaigns: bool) -> None:
    """报送情况 / submission tracking per department."""
    from pipeline.show import print_overview, print_status

    if all_campaigns:
        rows = api.overview(db or _ws(workspace).database_url)
        if as_json:
            sys.stdout.write(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=1) + "\n")
        else:
            print_overview(rows)
        return

    rows = api.status(_ws(workspace, db), department=department)
    if missing:
        rows = [r for r in rows if r.missing]
    if overdue:
        rows = [r for r in rows if r.overdue]
    if as_json:
        sys.stdout.write(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=1) + "\n")
    else:
        print_status(rows)


@main.command()
@workspace_option
@db_option
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="通知落款日期（默认今天），如 2012-07-01")
@click.option("--due", type=click.DateTime(["%Y-%m-%d"]), default=None, help="重新报送截止日期（默认配置 [notices]）")
@click.option("--no-pdf", "no_pdf", is_flag=True, help="只生成 Word 文件")
def notices(workspace: Path, db: str | None, today, due, no_pdf: bool) -> None:
    """生成退回重查通知和催报通知 / write revision and reminder notices."""
    for path in api.notices(_ws(workspace, db), today=today.date() if today else None,
                            due=due.date() if due else None, pdf=not no_pdf):
        click.echo(str(path))


@main.command()
@click.argument("source", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@workspace_option
@click.option("--power", default=None, help="只画配置 [[powers]] 中这一项职权（默认全部）")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="输出目录（默认 工作区/outbox/flowcharts，或收回文件所在目录）")
def flowchart(source: Path | None, workspace: Path, power: str | None, out: Path | None) -> None:
    """绘制权力运行流程图（外部、内部）：SVG、PNG 和 Word / draw power-flow charts.

    SOURCE 是收回的《权力运行流程图》环节表；省略时画配置 [[powers]] 中的职权。"""
    ws = _ws(workspace) if (workspace / "profile.toml").exists() else None
    if out is None:
        out = ws.outbox / "flowcharts" if ws is not None else (source.parent if source else Path("."))
    for path in api.flowchart(source, out, ws=ws, power=power):
        click.echo(str(path))


@main.command()
@workspace_option
@db_option
def check(workspace: Path, db: str | None) -> None:
    """检查数据库、原件库和下发表格是否完好 / verify the whole store."""
    faults = api.check(_ws(workspace, db))
    if not faults:
        click.echo("数据库、原件库和下发表格均完好。")
        return
    for fault in faults:
        click.echo(f"问题：{plain(fault)}", err=True)
    click.echo(f"错误：发现 {len(faults)} 处问题（见上）", err=True)
    raise click.exceptions.Exit(int(ExitCode.CHECK_FAILED))


@main.group(invoke_without_command=True)
@workspace_option
@db_option
@click.pass_context
def ledger(ctx: click.Context, workspace: Path, db: str | None) -> None:
    """生成廉政风险防控台账（Excel） / write the consolidated ledgers."""
    if ctx.invoked_subcommand is None:
        for path in api.ledger(_ws(workspace, db)):
            click.echo(str(path))


@ledger.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@workspace_option
@db_option
@click.option("--by", "by", default=None, help="复核人姓名（默认：系统登录名）")
def ledger_import(file: Path, workspace: Path, db: str | None, by: str | None) -> None:
    """导入复核后的台账 / read the office's review back from a ledger."""
    summary = api.ledger_import(_ws(workspace, db), file, by=by)
    click.echo(f"已导入 {file.name}：核对 {summary.rows} 行，写入 {len(summary.changes)} 处修改")
    for c in summary.changes:
        click.echo(f"  第 {c.row} 行 {c.field}：{c.old or '（空）'} → {c.new or '（空）'}")


@main.command()
@workspace_option
@db_option
@click.option("--pdf/--no-pdf", default=True, help="同时生成 PDF（需要 LibreOffice）")
def publish(workspace: Path, db: str | None, pdf: bool) -> None:
    """生成廉政风险点公示（Word 和 PDF） / write the public notices of the accepted risk points."""
    for path in api.publish(_ws(workspace, db), pdf=pdf):
        click.echo(str(path))


@main.group(invoke_without_command=True)
@workspace_option
@db_option
@click.option("--pdf/--no-pdf", default=True, help="Word 文件同时生成加盖归档章的 PDF/A-2b（需要 LibreOffice）")
@click.pass_context
def archive(ctx: click.Context, workspace: Path, db: str | None, pdf: bool) -> None:
    """生成归档包（BagIt + zip，归档文件目录） / write the archive package."""
    if ctx.invoked_subcommand is not None:
        return
    _echo_archive(api.archive(_ws(workspace, db), pdf=pdf))


def _echo_archive(result) -> None:
    click.echo(f"归档包：{result.bag}\n压缩包：{result.zip}（SHA-256 {result.sha256}）\n"
               f"共 {result.entries} 件、{result.files} 个文件，其中 PDF/A {result.pdfa} 个")
    for line in result.skipped:
        click.echo(f"提示：{plain(line)}", err=True)


def _verify(package: Path, report: Path | None = None) -> None:
    """Print the 四性 report; a package that fails ends the command with CHECK_FAILED."""
    result = api.verify_archive(package, report=report)
    click.echo(plain(result.text()), nl=False)
    click.echo(f"检测报告：{result.path}")
    if not result.ok:
        click.echo(f"错误：{package} 未通过四性检测（{len(result.faults())} 处问题，见上）", err=True)
        raise click.exceptions.Exit(int(ExitCode.CHECK_FAILED))


@archive.command("verify")
@click.argument("package", type=click.Path(exists=True, path_type=Path))
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="检测报告写到哪里（默认：归档包旁的 <包名>-四性检测报告.txt）")
def archive_verify(package: Path, report: Path | None) -> None:
    """四性检测（DA/T 70-2018）：核对归档包的每个文件和目录 / verify a package."""
    _verify(package, report)


@main.command()
@workspace_option
@db_option
@click.option("--pdf/--no-pdf", default=True, help="实施方案同时生成 PDF")
def run(workspace: Path, db: str | None, pdf: bool) -> None:
    """一次跑完：方案 → 表格 → 入库 → 报送情况 → 通知 → 台账 → 公示 → 归档 → 四性检测 / the whole chain."""
    from pipeline._exec import soffice
    from pipeline.show import print_ingest_summary, print_status

    ws = _ws(workspace, db)
    if pdf and soffice.find() is None:  # the whole chain still runs; only the PDF steps wait for LibreOffice
        click.echo("提示：没有找到 LibreOffice，本次跳过所有 PDF 步骤（实施方案 PDF、归档 PDF/A），只生成 Word 文件；"
                   "安装 LibreOffice（Debian/Ubuntu：apt-get install libreoffice-writer）后重新运行即可。", err=True)
        pdf = False
    _step(1, "实施方案")
    for path in api.make_plan(ws, pdf=pdf):
        click.echo(str(path))
    _step(2, "附件表格")
    click.echo(f"{len(api.make_forms(ws))} 个文件，位于 {ws.outbox / 'forms'}")
    _step(3, "收表入库")
    summary = api.ingest(ws)
    print_ingest_summary(summary)
    _step(4, "报送情况")
    print_status(api.status(ws))
    _step(5, "退回重查通知、催报通知")
    for path in api.notices(ws, pdf=pdf):
        click.echo(str(path))
    _step(6, "台账")
    for path in api.ledger(ws):
        click.echo(str(path))
    _step(7, "公示")
    for path in api.publish(ws, pdf=pdf):
        click.echo(str(path))
    _step(8, "归档")
    result = api.archive(ws, pdf=pdf)
    _echo_archive(result)
    _step(9, "四性检测")
    _verify(result.zip)
    _fault_exit(summary)


def _step(number: int, title: str) -> None:
    click.echo(click.style(f"\n== {number}. {title} ==", bold=True))
