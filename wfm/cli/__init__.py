"""The ``wfm`` command line. Click lives only in this package.

Subcommands are imported lazily: ``wfm --help`` imports click and this module, nothing else.
Errors are mapped to exit codes in one place (:class:`WfmGroup.invoke`): a :class:`WfmError`
becomes ``Error: …`` on stderr and exit 2; any other exception is a bug, exit 1, with a hint to
rerun with ``--debug`` (which shows the traceback instead).
"""

from __future__ import annotations

import importlib
import sys

import click

from wfm import __version__

# name -> (module:attribute, one-line help shown by `wfm --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "forecast": ("wfm.cli.forecast:forecast", "Forecast contact volume and handle time (预测)."),
    "staff": ("wfm.cli.staff:staff", "Turn forecasts into required agents (人力需求)."),
    "schedule": ("wfm.cli.schedule:schedule", "Build agent rosters with CP-SAT (排班)."),
    "kpi": ("wfm.cli.kpi:kpi", "Funnels, scorecards, journey satisfaction (漏斗)."),
    "abtest": ("wfm.cli.abtest:abtest", "One-variable tests under PDCA (A/B 测试)."),
    "plan": ("wfm.cli.plan:plan", "What if a tested change holds at scale: channels, FTE, cost."),
    "data": ("wfm.cli.data:data", "Check input files against their contract; make example data."),
    "config": ("wfm.cli.config:config", "Write, show and validate config files."),
    "demo": ("wfm.cli.demo:demo", "Run the whole pipeline on bundled example data."),
}

EXIT_USER_ERROR = 2  # mirrors wfm.errors without importing it at start-up
EXIT_BUG = 1


class UserFacingError(click.ClickException):
    """A WfmError on its way out: click prints 'Error: <message>' on stderr."""

    exit_code = EXIT_USER_ERROR


class BugError(click.ClickException):
    exit_code = EXIT_BUG


class WfmGroup(click.Group):
    """Lazy subcommands, and the one place where exceptions become exit codes."""

    def __init__(self, *args, lazy: dict[str, tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, attr = self.lazy[name][0].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy[name][1] if name in self.lazy and name not in self.commands
                 else self.commands[name].get_short_help_str(60))
                for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as err:
            if ctx.find_root().meta.get("wfm.debug"):
                raise
            from wfm.errors import WfmError

            if isinstance(err, WfmError):
                raise UserFacingError(str(err)) from err
            if isinstance(err, KeyboardInterrupt):
                raise click.Abort() from err
            raise BugError(
                f"unexpected internal error ({type(err).__name__}: {_one_line(err)}). "
                "This is a bug in wfm: rerun with --debug for the traceback and report it."
            ) from err


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text[:200] + ("…" if len(text) > 200 else "")


@click.group(cls=WfmGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="wfm")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """wfm: workforce management for multi-channel contact centres.

    Forecast contacts by channel and inquiry type, size staffing, build rosters,
    measure funnels and run one-variable tests.

    \b
    Example:
      wfm demo --out demo-out
      wfm data check examples/insurer/history.csv.gz --centre configs/centre.yaml
    """
    ctx.meta["wfm.debug"] = debug


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="wfm")
