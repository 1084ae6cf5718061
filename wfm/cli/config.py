"""``wfm config``: write documented default configs, show them, validate files."""

from __future__ import annotations

from pathlib import Path

import click

from wfm.cli.options import json_option


@click.group()
def config() -> None:
    """Write, show and validate YAML config files.

    \b
    Example:
      wfm config init --out configs
      wfm config validate configs/centre.yaml
    """


@config.command("init")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="configs",
              show_default=True, help="Folder to write the config files into.")
@click.option("--kind", "kinds", multiple=True, help="Only these kinds (repeatable).")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def init(out_dir: str, kinds: tuple[str, ...], force: bool) -> None:
    """Write documented default config files (every key explained in a comment).

    Existing files are left alone unless --force is given.

    \b
    Example:
      wfm config init --out configs
    """
    from wfm.cli.console import note
    from wfm.config import CONFIG_KINDS, config_kind
    from wfm.io.write import write_bytes

    chosen = [config_kind(k) for k in kinds] if kinds else list(CONFIG_KINDS.values())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for kind in chosen:
        path = out / kind.template_name
        if path.exists() and not force:
            note(f"kept {path} (exists; use --force to overwrite)")
            continue
        write_bytes(path, kind.template_text().encode("utf-8"))
        note(f"wrote {path}: {kind.summary}")


@config.command("show")
@click.argument("kind")
def show(kind: str) -> None:
    """Print the documented default config of KIND on stdout.

    \b
    Example:
      wfm config show centre > my-centre.yaml
    """
    from wfm.config import config_kind

    click.echo(config_kind(kind).template_text(), nl=False)


@config.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--kind", default=None, help="Config kind (guessed from the file name if omitted).")
@json_option
def validate(files: tuple[str, ...], kind: str | None, as_json: bool) -> None:
    """Check config FILES against their model; the first problem names the key and line.

    \b
    Example:
      wfm config validate configs/centre.yaml
      wfm config validate examples/insurer/centre.yaml --kind centre
    """
    from wfm.cli.console import emit_json, note
    from wfm.config import CONFIG_KINDS, config_kind, kind_of_file, load_config
    from wfm.errors import ConfigError

    results = []
    for file in files:
        chosen = config_kind(kind) if kind else kind_of_file(file)
        if chosen is None:
            raise ConfigError(file, None, "cannot tell the config kind from the file name: "
                              f"pass --kind ({', '.join(CONFIG_KINDS)})")
        load_config(file, chosen.model)
        results.append({"file": file, "kind": chosen.name, "valid": True})
        if not as_json:
            note(f"[green]OK[/green] {file} ({chosen.name})")
    if as_json:
        emit_json(results)
