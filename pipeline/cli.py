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
from pipeline.errors import ExitCode, LianzhengError
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
        except Exception:  # a bug: keep the traceback for developers, not in the user's face
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
      lianzheng notices -w 工作区     (退回重查通知)
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
def plan(workspace: Path, pdf: bool) -> None:
    """生成实施方案 / write the implementation plan."""
    for path in api.make_plan(_ws(workspace), pdf=pdf):
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
    result = api.parse_file(file, levels=level_list, ws=ws)
    if as_json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json", exclude={"meta"}), ensure_ascii=False) + "\n")
    else:
        print_parsed(result)


@main.command()
@workspace_option
@db_option
@click.option("--inbox", type=click.Path(file_okay=False, exists=True, path_type=Path), help="收件目录（默认：工作区的 inbox/）")
@click.option("--jobs", "-j", type=int, default=None, help="并行解析进程数")
def ingest(workspace: Path, db: str | None, inbox: Path | None, jobs: int | None) -> None:
    """收取 inbox 中的表格入库 / ingest returned forms."""
    from pipeline.show import print_ingest_summary

    print_ingest_summary(api.ingest(_ws(workspace, db), inbox=inbox, jobs=jobs))


@main.command()
@workspace_option
@db_option
@click.option("--department", "-d", help="只看该部门")
@click.option("--missing", is_flag=True, help="只列出有未交表格的部门")
@click.option("--overdue", is_flag=True, help="只列出已过截止日期仍未交齐的部门")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON")
def status(workspace: Path, db: str | None, department: str | None, missing: bool, overdue: bool, as_json: bool) -> None:
    """报送情况 / submission tracking per department."""
    from pipeline.show import print_status

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
def notices(workspace: Path, db: str | None) -> None:
    """生成退回重查通知和催报名单 / write revision notices."""
    for path in api.notices(_ws(workspace, db)):
        click.echo(str(path))


@main.command()
@workspace_option
@db_option
@click.option("--pdf/--no-pdf", default=True, help="实施方案同时生成 PDF")
def run(workspace: Path, db: str | None, pdf: bool) -> None:
    """一次跑完：方案 → 表格 → 入库 → 报送情况 / the whole chain on one workspace."""
    from pipeline.show import print_ingest_summary, print_status

    from pipeline._exec import soffice

    ws = _ws(workspace, db)
    if pdf and soffice.find() is None:  # the whole chain still runs; only the PDF waits for LibreOffice
        click.echo("提示：没有找到 LibreOffice，本次只生成 Word 文件（安装后重新运行即可得到 PDF）。", err=True)
        pdf = False
    for path in api.make_plan(ws, pdf=pdf):
        click.echo(str(path))
    click.echo(f"附件表格：{len(api.make_forms(ws))} 个文件")
    print_ingest_summary(api.ingest(ws))
    print_status(api.status(ws))
    for path in api.notices(ws):
        click.echo(str(path))
