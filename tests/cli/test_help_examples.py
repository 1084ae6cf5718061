"""Every command's --help has an example, and every example works as written.

The examples run once each, in the order a new user would go (data, configs, forecast,
staffing, schedule, KPIs, tests, what-if, demo), in a folder holding a copy of the repo's
configs and examples, so files one example writes (forecast.csv, requirements.csv,
tests.sqlite) feed the next. Only solver time limits are cut, to keep the suite fast.
"""

from __future__ import annotations

import re
import shlex
import shutil

import click
import pytest

from tests.conftest import ROOT
from wfm.cli import cli

ORDER = ["data", "config", "forecast", "staff", "schedule", "kpi", "abtest", "plan", "demo"]
EXAMPLE = re.compile(r"^((?:[A-Z_]+=\S+ )*)wfm (.*)$")


def _commands():
    """(path, command) for the root, every group and every subcommand."""
    ctx = click.Context(cli, info_name="wfm")
    out = [(("wfm",), cli)]
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        out.append((("wfm", name), cmd))
        if isinstance(cmd, click.Group):
            sub = click.Context(cmd, info_name=name, parent=ctx)
            out += [(("wfm", name, s), cmd.get_command(sub, s)) for s in cmd.list_commands(sub)]
    return out


def _examples(cmd: click.Command) -> list[str]:
    text = cmd.help or ""
    if "Example" not in text:
        return []
    block = re.split(r"Examples?:", text, maxsplit=1)[1].replace("\\\n", " ")
    return [re.sub(r"\s+", " ", ln.strip()) for ln in block.splitlines()
            if EXAMPLE.match(ln.strip())]


def test_every_command_has_an_example():
    missing = [" ".join(path) for path, cmd in _commands() if not _examples(cmd)]
    assert not missing, f"no example in --help: {missing}"


def _ordered_examples() -> list[str]:
    def rank(path):
        return (ORDER.index(path[1]) if len(path) > 1 else -1, len(path))

    seen: dict[str, None] = {}
    for _path, cmd in sorted(_commands(), key=lambda pc: rank(pc[0])):
        for line in _examples(cmd):
            seen.setdefault(line, None)
    return list(seen)


def test_every_help_example_works_as_written(runner, tmp_path, monkeypatch):
    for name in ("configs", "examples"):
        shutil.copytree(ROOT / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    lines = _ordered_examples()
    assert len(lines) >= 30
    # `wfm demo --out demo-out` runs in tests/test_demo.py (and the README test): not again
    assert "wfm demo --out demo-out" in lines
    lines = [ln for ln in lines if not ln.startswith("wfm demo")]
    for line in lines:
        env, rest = EXAMPLE.match(line).groups()
        redirect = None
        if " > " in rest:
            rest, redirect = (part.strip() for part in rest.split(" > ", 1))
        args = shlex.split(rest)
        if "--time-limit" in args:
            args[args.index("--time-limit") + 1] = "3"
        for pair in env.split():
            key, value = pair.split("=", 1)
            monkeypatch.setenv(key, value)
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (line, result.output)
        if redirect:
            (tmp_path / redirect).write_text(result.stdout, encoding="utf-8")
            assert (tmp_path / redirect).stat().st_size > 100


@pytest.mark.parametrize("path", [" ".join(p) for p, _ in _commands()])
def test_help_renders(runner, path):
    result = runner.invoke(cli, [*path.split()[1:], "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
