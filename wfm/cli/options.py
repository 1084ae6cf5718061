"""Options shared by several commands."""

from __future__ import annotations

import click

json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print the result as JSON on stdout (for scripts).")

centre_option = click.option(
    "--centre", "centre_path", type=click.Path(dir_okay=False), default=None,
    help="Centre config (channels, sites, inquiry types); unknown labels become errors.")


def load_vocabulary(centre_path: str | None):
    """The vocabulary from ``--centre``, or the built-in channel list without one."""
    from wfm.config import load_centre

    centre = load_centre(centre_path)
    return centre.vocabulary(source=centre_path) if centre else None
