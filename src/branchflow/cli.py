"""The command line: parse flags, call one library function, turn failures into one clear line."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from branchflow import __version__
from branchflow.errors import BranchflowError, ConfigError, WorkspaceError
from branchflow.printable import printable

if TYPE_CHECKING:
    from branchflow.config import Settings
    from branchflow.pipeline import IngestReport


class Context:
    def __init__(self, workspace: Path, debug: bool) -> None:
        self.workspace = workspace
        self.debug = debug

    def settings(self) -> Settings:
        from branchflow.config import load_settings

        settings = load_settings(
            self.workspace,
            now=os.environ.get("BRANCHFLOW_NOW") or None,
            store_url=os.environ.get("BRANCHFLOW_STORE_URL") or None,
        )
        for warning in settings.warnings:
            click.echo(f"提醒：{warning}", err=True)
        return settings


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-w",
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="BRANCHFLOW_WORKSPACE",
    default=".",
    show_default=True,
    help="工作区文件夹（环境变量 BRANCHFLOW_WORKSPACE）",
)
@click.option("--debug", is_flag=True, help="出错时显示完整的错误堆栈")
@click.version_option(__version__, prog_name="branchflow", help="显示版本后退出")
@click.help_option("-h", "--help", help="显示帮助后退出")
@click.pass_context
def cli(ctx: click.Context, workspace: Path, debug: bool) -> None:
    """branchflow：省外分中心 Excel 报送的接收、校验、回执、客户总档案与总部文档。"""
    ctx.obj = Context(workspace, debug)


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@pass_context
def init(ctx: Context, directory: Path | None) -> None:
    """创建工作区：示例公司配置、模板、各分中心文件夹（含预填空白模板）。"""
    from branchflow.workspace import create_workspace

    target = directory or ctx.workspace
    settings = create_workspace(target)
    click.echo(f"已创建工作区：{settings.workspace}")
    click.echo(f"  配置：{settings.workspace / 'branchflow.toml'}（分中心、项目、部门、报送日历）")
    click.echo(f"  各分中心文件夹：{settings.inbox}（空白模板在各自的 空白模板/ 中）")
    click.echo("  下一步：把填好的模板放入分中心文件夹，运行 branchflow ingest")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出每个文件的处理结果")
@pass_context
def ingest(ctx: Context, as_json: bool) -> None:
    """处理收件箱中每个已就绪的文件一次，然后退出。"""
    from branchflow.archive.store import Archive
    from branchflow.notify.delivery import deliver_pending
    from branchflow.pipeline import find_drops
    from branchflow.pipeline import ingest as run_ingest
    from branchflow.watch.lock import watch_lock

    settings = ctx.settings()
    with watch_lock(settings, "ingest"), Archive.open(settings) as archive:
        drops = find_drops(settings)
        if as_json:
            report = run_ingest(settings, archive, drops=drops, export=False)
            _echo_json([o.as_json() for o in report.outcomes])
            deliver_pending(settings, archive)
            _export_after_answer(settings, archive, report, err=True)
            return
        report = _ingest_with_progress(settings, archive, drops, run_ingest)
        _print_summary(report, settings)
        told = deliver_pending(settings, archive)
        if told is not None:
            click.echo(told.describe())
        _export_after_answer(settings, archive, report)


def _export_after_answer(
    settings: Settings, archive: Any, report: IngestReport, err: bool = False
) -> None:
    """The drops are answered: now the archive workbooks whose content changed, with progress."""
    from branchflow.exportticker import ExportTicker
    from branchflow.pipeline import export_now

    if not report.touched:
        return
    ticker = ExportTicker(sys.stderr, sys.stderr.isatty())
    try:
        result = export_now(settings, archive, only_changed=True, progress=ticker)
    finally:
        ticker.close()
    for line in result.describe(settings.workspace):
        click.echo(line, err=err)


def _echo_json(value: Any) -> None:
    """JSON on stdout: names exactly as dropped, control characters escaped (printable.py)."""
    from branchflow.printable import json_safe

    click.echo(json_safe(json.dumps(value, ensure_ascii=False, indent=2)))


def _ingest_with_progress(
    settings: Settings, archive: Any, drops: Any, run: Callable[..., IngestReport]
) -> IngestReport:
    """A progress bar on a terminal for long runs; one line per file otherwise."""
    if sys.stdout.isatty() and len(drops[0]) > 20:
        with click.progressbar(length=len(drops[0]), label="处理中", show_pos=True) as bar:
            return run(
                settings,
                archive,
                on_file=lambda o: bar.update(o.status != "ignored"),
                drops=drops,
                export=False,
            )
    return run(
        settings,
        archive,
        on_file=lambda o: click.echo(o.summary_line()),
        drops=drops,
        export=False,
    )


def _print_summary(report: IngestReport, settings: Settings) -> None:
    done = [o for o in report.outcomes if o.status != "ignored"]
    by_status = {s: sum(o.status == s for o in done) for s in ("accepted", "rejected", "duplicate")}
    if not done:
        click.echo("收件箱中没有待处理的文件。")
    else:
        accepted, rejected = by_status["accepted"], by_status["rejected"]
        click.echo(
            f"共处理 {len(done)} 个文件：接收 {accepted}，退回 {rejected}，"
            f"重复 {by_status['duplicate']}。"
        )


@cli.command()
@click.option("--polling", is_flag=True, help="轮询目录（网络共享 SMB/NFS 上请用此项）")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=2.0,
    show_default=True,
    help="轮询间隔（秒）",
)
@pass_context
def watch(ctx: Context, polling: bool, interval: float) -> None:
    """持续监视收件箱：文件完整后即处理、回执，并更新总档案，直到 Ctrl+C / SIGTERM。"""
    from branchflow.watch import run_watch

    run_watch(ctx.settings(), polling=polling, interval=interval, echo=click.echo)


@cli.command()
@click.option("--period", help="月份，如 2026-11")
@click.option("--week", help="ISO 周，如 2026-W47")
@click.option("--pdf", is_flag=True, help="另存 PDF（需安装 LibreOffice）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 列出写出的文件")
@pass_context
def report(ctx: Context, period: str | None, week: str | None, pdf: bool, as_json: bool) -> None:
    """生成该期的 Word 文档到 outbox/reports/<期>/。"""
    from branchflow.reports import render_period

    if bool(period) == bool(week):
        raise click.UsageError("请给出 --period YYYY-MM 或 --week YYYY-Www 之一")
    settings = ctx.settings()
    written = render_period(
        settings, period=period, week=week, pdf=pdf, notes=lambda m: click.echo(m, err=True)
    )
    if period:
        from branchflow.notify.events import documents_rendered

        documents_rendered(settings, period, written)
    if as_json:
        _echo_json([str(p) for p in written])
        return
    for path in written:
        click.echo(f"已生成 {path}")


@cli.command()
@click.option("--period", required=True, help="月份，如 2026-11")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出报送矩阵")
@pass_context
def status(ctx: Context, period: str, as_json: bool) -> None:
    """报送矩阵：分中心 × 报送项 → 按时 / 迟交（小时）/ 未交 / 退回。"""
    from branchflow.calendar import print_matrix, submission_matrix

    settings = ctx.settings()
    matrix = submission_matrix(settings, period)
    if as_json:
        _echo_json([c.as_json() for c in matrix])
        return
    print_matrix(matrix, settings, echo=click.echo, color=sys.stdout.isatty())


@cli.command()
@click.option(
    "--days",
    type=click.IntRange(min=0, max=31),
    default=3,
    show_default=True,
    help="提醒几天内截止的报表",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出提醒清单")
@pass_context
def remind(ctx: Context, days: int, as_json: bool) -> None:
    """待报提醒：几天内截止、尚未收到通过版本的报表，写入各分中心 回执/（每天一次）。"""
    from branchflow.archive.store import Archive
    from branchflow.calendar import reminder_lines, send_reminders
    from branchflow.notify.events import reminders as queue_reminders

    settings = ctx.settings()
    with Archive.open(settings) as archive:
        reminders = send_reminders(settings, archive, settings.now(), days=days)
        queue_reminders(settings, archive, settings.now())
    if as_json:
        _echo_json([r.as_json() for r in reminders])
        return
    for line in reminder_lines(reminders, settings, days):
        click.echo(line)


@cli.command()
@click.option("--period", help="月份，如 2026-11（默认：本月，以及已有资料的下月）")
@click.option("--dry-run", is_flag=True, help="只列出将写入哪些文件，不写入")
@pass_context
def distribute(ctx: Context, period: str | None, dry_run: bool) -> None:
    """下发：把总部简报、例会资料、部门及项目工作计划和本分中心档案放入各分中心的 下发/<月份>/。"""
    from branchflow.distribute import distribute as run_distribute

    settings = ctx.settings()
    report = run_distribute(
        settings, period, dry_run=dry_run, notes=lambda m: click.echo(m, err=True)
    )
    for line in report.lines(settings.workspace):
        click.echo(line)
    if report.failed:
        raise BranchflowError(f"{len(report.failed)} 个文件未能下发（见上），其余已完成")


@cli.command()
@click.option("--force", is_flag=True, help="新导出的客户数不到现有总档案一半时也覆盖")
@pass_context
def export(ctx: Context, force: bool) -> None:
    """根据档案库重写客户总档案及各分中心档案。"""
    from branchflow.archive.store import Archive
    from branchflow.pipeline import export_now

    settings = ctx.settings()
    with Archive.open(settings) as archive:
        result = export_now(settings, archive, force=force)
    for line in result.describe(settings.workspace):
        click.echo(line)
    if result.refused:
        raise BranchflowError("客户总档案未覆盖（见上）")


@cli.command()
@click.option(
    "--check", is_flag=True, help="检查 templates/word/ 中的 Word 模板（语法、未定义变量）"
)
@pass_context
def templates(ctx: Context, check: bool) -> None:
    """按模板定义重新生成空白 Excel 模板（templates/excel/）；--check 检查 Word 模板。"""
    from branchflow.workspace import generate_blanks, generate_templates

    settings = ctx.settings()
    if check:
        from branchflow.reports.check import check_word_templates

        problems = check_word_templates(settings)
        for problem in problems:
            click.echo(problem)
        if problems:
            raise BranchflowError(f"Word 模板有 {len(problems)} 处问题（见上），请在 Word 中改正")
        click.echo(f"Word 模板检查通过：{settings.templates_dir / 'word'}")
        return
    folder = settings.templates_dir / "excel"
    paths = generate_templates(folder, settings.project_names, settings.company)
    paths += generate_blanks(settings)
    for path in paths:
        click.echo(f"已生成 {path.relative_to(settings.workspace)}")


@cli.group()
def store() -> None:
    """档案数据库：迁移、整库复制、用原始文件重建、清理过期原始文件。"""


@store.command("migrate")
@pass_context
def store_migrate(ctx: Context) -> None:
    """把配置的档案数据库升级到本程序的最新版本，并显示版本号。"""
    from branchflow.archive.transfer import migrate_store

    for line in migrate_store(ctx.settings()).describe():
        click.echo(line)


@store.command("copy")
@click.option(
    "--to",
    "target",
    required=True,
    metavar="URL",
    help="目标数据库地址，如 postgresql://用户:密码@主机/数据库",
)
@click.option("--force", is_flag=True, help="目标已有数据时清空后覆盖")
@pass_context
def store_copy(ctx: Context, target: str, force: bool) -> None:
    """把当前档案数据库整库复制到 --to 指定的数据库，复制前后核对各表行数与校验和。"""
    from branchflow.archive.transfer import copy_store

    for line in copy_store(ctx.settings(), target, force=force).describe():
        click.echo(line)


@cli.group()
def notify() -> None:
    """通知：企业微信 / 钉钉群机器人与电子邮件（[[notify.channels]]）。"""


@notify.command("test")
@click.argument("channel")
@pass_context
def notify_test(ctx: Context, channel: str) -> None:
    """立即向 CHANNEL（渠道 name）发送一条测试消息，并显示结果。"""
    from branchflow.notify.delivery import send_test

    click.echo(send_test(ctx.settings(), channel))


@notify.command("pending")
@pass_context
def notify_pending(ctx: Context) -> None:
    """列出待发送的通知，以及已放弃（发送失败超过时限）的通知。"""
    from branchflow.archive.store import Archive
    from branchflow.notify.pending import pending_lines

    settings = ctx.settings()
    with Archive.open(settings) as archive:
        for line in pending_lines(settings, archive):
            click.echo(line)


@cli.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="监听地址（局域网访问用 0.0.0.0）"
)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="端口")
@click.option(
    "--secure-cookies", is_flag=True, help="登录 Cookie 只经 HTTPS 发送（前置 HTTPS 代理时用）"
)
@pass_context
def serve(ctx: Context, host: str, port: int, secure_cookies: bool) -> None:
    """启动总部网页控制台：报送情况、收件记录、客户查询、撞单裁定、文档、乡镇分布。"""
    from branchflow.console import serve as run_console

    run_console(ctx.settings(), host, port, secure_cookies=secure_cookies, echo=click.echo)


@cli.group()
def users() -> None:
    """控制台账号：添加、改密码、停用、列出（角色 admin / sales / department / branch）。"""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return str(click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次"))


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "sales", "department", "branch"]),
    help="admin 管理员 / sales 销售管理部 / department 部门 / branch 分中心",
)
@click.option("--scope", metavar="名称", help="部门或分中心名称（department、branch 账号必填）")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（一行）")
@pass_context
def users_add(ctx: Context, name: str, role: str, scope: str | None, password_stdin: bool) -> None:
    """添加控制台账号。"""
    from branchflow.console.accounts import add_user

    settings = ctx.settings()
    click.echo(add_user(settings, name, role, scope, _read_password(password_stdin)))


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码（一行）")
@pass_context
def users_passwd(ctx: Context, name: str, password_stdin: bool) -> None:
    """修改账号密码（停用的账号同时重新启用）。"""
    from branchflow.console.accounts import change_password

    settings = ctx.settings()
    click.echo(change_password(settings, name, _read_password(password_stdin)))


@users.command("disable")
@click.argument("name")
@pass_context
def users_disable(ctx: Context, name: str) -> None:
    """停用账号，已登录的会话立即失效。"""
    from branchflow.console.accounts import disable_user

    click.echo(disable_user(ctx.settings(), name))


@users.command("list")
@pass_context
def users_list(ctx: Context) -> None:
    """列出控制台账号、角色、范围和状态。"""
    from branchflow.console.accounts import list_lines

    for line in list_lines(ctx.settings()):
        click.echo(line)


@store.command("rebuild")
@click.option(
    "--force",
    is_flag=True,
    help="PostgreSQL 档案库已有数据时先清空；导出时总档案客户数变少也覆盖",
)
@pass_context
def store_rebuild(ctx: Context, force: bool) -> None:
    """用 store/originals/ 中保存的原始文件按收到顺序重新入库，重建档案（不重发回执）。"""
    from branchflow.rebuild import rebuild_store
    from branchflow.watch.lock import watch_lock

    settings = ctx.settings()
    with watch_lock(settings, "store rebuild"):
        report = rebuild_store(settings, force=force, on_file=lambda r: click.echo(r.line()))
    for line in report.describe(settings.workspace):
        click.echo(line)
    if report.export is not None and report.export.refused:
        raise BranchflowError("档案已重建，但客户总档案未覆盖（见上）")


@store.command("purge")
@pass_context
def store_purge(ctx: Context) -> None:
    """删除超过 [store] keep_originals_days 天的原始文件和隔离文件（未处理完的不删）。"""
    from branchflow.archive.store import Archive
    from branchflow.retention import purge_kept
    from branchflow.watch.lock import watch_lock

    settings = ctx.settings()
    with watch_lock(settings, "store purge"), Archive.open(settings) as archive:
        report = purge_kept(settings, archive, settings.now())
    for line in report.describe():
        click.echo(line)


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@pass_context
def demo(ctx: Context, directory: Path | None) -> None:
    """示例：新建工作区，放入几个分中心两个月的示例报表（含错误），接收并汇总。"""
    from branchflow.sample.demo import run_demo

    for line in run_demo(
        directory or ctx.workspace, on_file=lambda o: click.echo(o.summary_line())
    ):
        click.echo(line)


CLICK_PHRASES = (
    ("No such option", "没有这个选项"),
    ("No such command", "没有这个命令"),
    ("Missing option", "缺少选项"),
    ("Missing argument", "缺少参数"),
    ("Invalid value for", "参数值无效："),
    ("Option", "选项"),
    ("requires an argument", "需要一个值"),
    ("Got unexpected extra argument", "多余的参数"),
    ("Did you mean", "是否想用"),
)


def _in_chinese(message: str) -> str:
    """click's usage errors are English; staff read Chinese."""
    for english, chinese in CLICK_PHRASES:
        message = message.replace(english, chinese)
    return message.rstrip(".")


def main() -> NoReturn:
    """Console entry point: exit 2 with one line on bad usage or config, no traceback."""
    debug = "--debug" in sys.argv[1:]
    try:
        cli.main(standalone_mode=False, prog_name="branchflow")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("已中止。", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        click.echo(
            f"错误：{_in_chinese(exc.format_message())}（运行 branchflow --help 查看用法）",
            err=True,
        )
        sys.exit(2)
    except (ConfigError, WorkspaceError) as exc:
        if debug:
            raise
        click.echo(f"错误：{printable(exc)}", err=True)
        sys.exit(2)
    except BranchflowError as exc:
        if debug:
            raise
        click.echo(f"错误：{printable(exc)}", err=True)
        sys.exit(1)
    except OSError as exc:  # a disk or permission failure no module turned into its own words
        if debug:
            raise
        where = f" {printable(exc.filename)}" if exc.filename else ""
        click.echo(
            f"错误：无法读写{where}：{exc.strerror or exc}；请检查磁盘空间和权限"
            "（加 --debug 查看详情）",
            err=True,
        )
        sys.exit(1)
    sys.exit(0)
