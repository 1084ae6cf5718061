"""Load YAML config files into pydantic models with errors that name the key and line."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from wfm.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def _index_lines(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict:
    """Map each key path, e.g. ('channels', 0, 'kind'), to its 1-based line in the file."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[path + (key,)] = key_node.start_mark.line + 1
            _index_lines(value_node, path + (key,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, path + (i,), out)
    return out


def read_yaml(path: str | Path) -> tuple[object, dict]:
    """Parse a YAML file; return the data and a key-path → line index."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(path, None, "no such config file")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(path, None, "expected a UTF-8 text file") from None
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise ConfigError(path, None, f"not valid YAML: {problem}",
                          line=mark.line + 1 if mark else None) from None
    return data, (_index_lines(node) if node is not None else {})


def key_name(loc: tuple) -> str:
    """('channels', 0, 'kind') → 'channels[0].kind'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _friendly(error: dict) -> str:
    kind, msg = error["type"], error["msg"]
    found = error.get("input")
    if kind == "missing":
        return "expected this key, found it missing"
    if kind == "extra_forbidden":
        return "unknown key: check its spelling against 'wfm config init' output"
    text = msg[0].lower() + msg[1:] if msg else kind
    text = text.removeprefix("value error, ").removeprefix("assertion failed, ")
    if found is not None and not isinstance(found, dict | list):
        text += f", found {found!r}"
    return text


def validate_config(data: object, model: type[M], source: str | Path,
                    lines: dict | None = None) -> M:
    """Validate already-parsed data; the first problem becomes a :class:`ConfigError`."""
    if data is None:
        data = {}
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        loc = tuple(first["loc"])
        line = None
        if lines:
            probe = loc
            while probe and probe not in lines:
                probe = probe[:-1]
            line = lines.get(probe)
        raise ConfigError(source, key_name(loc) or None, _friendly(first), line=line) from None


def load_config(path: str | Path, model: type[M]) -> M:
    data, lines = read_yaml(path)
    return validate_config(data, model, path, lines)
