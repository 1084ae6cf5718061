"""Write the example data set as files (byte-for-byte reproducible)."""

from __future__ import annotations

import gzip
import hashlib
import json
from importlib.resources import files
from pathlib import Path

import pandas as pd

from wfm.io.write import write_bytes
from wfm.synth.insurer import generate


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM (Excel on Chinese Windows needs it for CJK labels)."""
    text = frame.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n")
    return "\ufeff".encode() + text.encode("utf-8")


def write_example(out_dir: str | Path, *, seed: int = 20261122, weeks: int = 12,
                  compress: bool = False) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = generate(seed=seed, weeks=weeks)
    suffix = ".csv.gz" if compress else ".csv"
    written = []
    for name, frame, big in (("history", data.history, True), ("agents", data.agents, False),
                             ("events", data.events, True)):
        payload = csv_bytes(frame)
        path = out / (name + (suffix if big else ".csv"))
        if big and compress:
            payload = gzip.compress(payload, compresslevel=9, mtime=0)  # mtime=0: reproducible
        written.append(write_bytes(path, payload))
    centre = files("wfm.config").joinpath("templates", "centre.yaml").read_bytes()
    written.append(write_bytes(out / "centre.yaml", centre))
    written.append(write_bytes(out / "manifest.json", _manifest(written, seed, weeks)))
    return written


def _manifest(paths: list[Path], seed: int, weeks: int) -> bytes:
    """What produced the files and their checksums: numpy's random streams may change between
    numpy releases, so the reproducibility test compares only under the same numpy."""
    import numpy

    body = {
        "generator": "wfm.synth.insurer.generate",
        "seed": seed,
        "weeks": weeks,
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
        "sha256": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths},
    }
    return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def config_template(kind: str, out_dir: str | Path) -> Path:
    """Write the documented config of ``kind`` next to the example data."""
    text = files("wfm.config").joinpath("templates", f"{kind}.yaml").read_bytes()
    return write_bytes(Path(out_dir) / f"{kind}.yaml", text)
