"""The README is a contract with a new user: its commands must work as written."""

from __future__ import annotations

import re
import shlex

from tests.conftest import ROOT
from wfm.cli import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
QUICKSTART_DEMO = "pip install -e . && wfm demo --out demo-out"
QUICKSTART_TEST = "pip install -e '.[test]' && pytest -q"


def _quickstart_block() -> str:
    return README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]


def test_quickstart_has_exactly_the_two_commands():
    commands = re.findall(r"```bash\n(.*?)\n```", _quickstart_block(), re.S)
    assert commands == [QUICKSTART_DEMO, QUICKSTART_TEST]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert f'TEST_COMMAND="{QUICKSTART_TEST}"' in ci
    assert "-eq 5" in ci  # pytest's "no tests collected" fails CI


def _readme_wfm_commands() -> list[list[str]]:
    blocks = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    lines = [ln.strip() for b in blocks for ln in b.splitlines()]
    return [shlex.split(ln.split("#")[0])[1:] for ln in lines if ln.startswith("wfm ")]


def test_every_readme_wfm_command_runs(runner, tmp_path, monkeypatch):
    """Run each `wfm …` line of the README from a folder that has the repo's configs and
    examples, as a new user in a clone would."""
    for name in ("configs", "examples"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    commands = _readme_wfm_commands()
    assert len(commands) >= 6
    for args in commands:
        if args[:1] == ["demo"]:
            args = [*args, "--weeks", "8", "--schedule-seconds", "3"]  # same path, less work
        if "--time-limit" in args:  # the solver's budget only
            args = list(args)
            args[args.index("--time-limit") + 1] = "3"
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
