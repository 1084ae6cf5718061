"""The root command: help, version, lazy imports, error mapping to exit codes."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from tests.conftest import HISTORY_HEADER
from wfm import __version__
from wfm.cli import COMMANDS, cli


def test_help_lists_every_group(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ["forecast", "staff", "schedule", "kpi", "abtest", "demo", "config", "data"]:
        assert f"  {name} " in result.output


def test_version(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"wfm, version {__version__}"


def test_help_imports_no_heavy_module():
    """`wfm --help` must stay fast: only click and wfm.cli are imported."""
    code = ("import sys; from wfm.cli import main\n"
            "try: main(['--help'])\nexcept SystemExit: pass\n"
            "heavy = [m for m in ('pandas', 'numpy', 'rich', 'pydantic', 'ortools', 'openpyxl')"
            " if m in sys.modules]\nprint('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


def _all_commands(group: click.Group, ctx: click.Context, prefix: str = ""):
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        yield f"{prefix}{name}", cmd
        if isinstance(cmd, click.Group):
            yield from _all_commands(cmd, ctx, f"{prefix}{name} ")


def test_every_command_has_help_with_an_example(runner):
    with click.Context(cli) as ctx:
        commands = list(_all_commands(cli, ctx))
    assert {name for name, _ in commands} >= set(COMMANDS)
    for name, cmd in commands:
        result = runner.invoke(cli, [*name.split(), "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output or "Planned usage" in result.output, name
        assert cmd.help and len(cmd.help) > 20, name


def test_lazy_help_strings_match_the_commands():
    """The short help shown by `wfm --help` (kept in COMMANDS) names the real group."""
    for name, (target, short) in COMMANDS.items():
        module, attr = target.split(":")
        cmd = getattr(__import__(module, fromlist=[attr]), attr)
        assert cmd.name == name
        assert short.endswith(".")


def test_bad_input_is_one_line_exit_2(runner, write):
    bad = write("history.csv", HISTORY_HEADER + "2026-09-01 08:00,phone,出险报案,lots,300,上海\n")
    result = runner.invoke(cli, ["data", "check", str(bad)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {bad}, row 2, column 'contacts': expected a number, found 'lots'\n")
    assert "Traceback" not in result.output


def test_missing_file_is_exit_2(runner, tmp_path):
    result = runner.invoke(cli, ["data", "check", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path / 'nope.csv'}: no such file\n"


def test_unexpected_bug_exit_1_with_hint(runner, monkeypatch):
    def boom(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("wfm.io.read.read_table", boom)
    result = runner.invoke(cli, ["data", "check", "x.csv"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unexpected internal error (ZeroDivisionError")
    assert "rerun with --debug" in result.stderr
    assert result.stderr.count("\n") == 1


def test_debug_shows_the_traceback(runner, write):
    bad = write("history.csv", HISTORY_HEADER + "2026-09-01 08:00,phone,出险报案,-1,300,上海\n")
    result = runner.invoke(cli, ["--debug", "data", "check", str(bad)])
    assert result.exit_code == 1  # the exception propagates to the runner
    from wfm.errors import InputError

    assert isinstance(result.exception, InputError)


def test_usage_errors_keep_click_exit_2(runner):
    result = runner.invoke(cli, ["data", "check"])
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


@pytest.mark.parametrize("args", [["data", "check", "--kind", "bogus", "x.csv"],
                                  ["config", "show", "bogus"]])
def test_bad_choices_exit_2(runner, args):
    assert runner.invoke(cli, args).exit_code == 2


def test_console_script_runs(tmp_path):
    """The installed `wfm` entry point maps errors the same way outside CliRunner."""
    out = subprocess.run([sys.executable, "-m", "wfm", "data", "check",
                          str(tmp_path / "missing.csv")], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip() == f"Error: {tmp_path / 'missing.csv'}: no such file"
