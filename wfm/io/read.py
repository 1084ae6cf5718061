"""Read CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GBK/GB18030), XLSX and Parquet files.

Everything comes back as a :class:`RawTable`: the cells as pandas objects (strings for CSV,
typed values for XLSX/Parquet) plus what is needed to name a row in an error message. Type
checking happens afterwards, against a contract (:mod:`wfm.io.contracts`).
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wfm.errors import InputError, Location

TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}


@dataclass(frozen=True)
class RawTable:
    """Cells of one table and where they came from."""

    frame: pd.DataFrame
    source: str  # the path as the user gave it
    encoding: str | None = None  # detected text encoding (CSV only)
    sheet: str | None = None  # XLSX sheet the data came from
    first_data_row: int = 2  # what a person sees as the row number of frame.iloc[0]

    def where(self, position: int | None = None, column: str | None = None) -> Location:
        """Location of the ``position``-th data row (0-based) and ``column``."""
        row = None if position is None else self.first_data_row + int(position)
        return Location(self.source, row, column, self.sheet)


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Decode bytes from a CSV export, detecting the encoding.

    Order matters: a byte-order mark is conclusive; then strict UTF-8 (which GBK text almost
    never passes, since GBK lead bytes 0x81-0xFE followed by ASCII are invalid UTF-8); then
    GB18030, the superset of GBK/GB2312 that Excel on a Chinese Windows machine writes.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]  # Excel's "Unicode text" export
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as err:
            last = err
    line = data[: last.start].count(b"\n") + 1
    raise InputError(
        Location(source, line),
        f"cannot decode the text: expected UTF-8 or GBK/GB18030, found byte "
        f"0x{data[last.start]:02x} that is neither",
    )


def _delimiter(text: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_text(path: Path, source: str) -> RawTable:
    raw = path.read_bytes()
    if path.suffix.lower() == ".gz":
        try:
            raw = gzip.decompress(raw)
        except OSError as err:
            raise InputError(source, f"cannot unpack the gzip file ({err})") from None
    text, encoding = decode_text(raw, source)
    if not text.strip():
        raise InputError(source, "the file is empty: expected a header row and data rows")
    inner = Path(path.stem).suffix.lower() if path.suffix.lower() == ".gz" else path.suffix.lower()
    sep = _delimiter(text, inner)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, csv.Error) as err:
        raise InputError(source, f"not a well-formed CSV table ({_first_line(err)})") from None
    # pandas renames a repeated header ('contacts' -> 'contacts.1'); keep the names as written
    # so the contract can report the repetition.
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=sep), [])
    if len(header) == frame.shape[1]:
        frame.columns = header
    return RawTable(frame, source, encoding=encoding)


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def _read_excel(path: Path, source: str, sheet: str | int | None) -> RawTable:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as err:
        raise InputError(source, f"not a readable .xlsx workbook ({_first_line(err)})") from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif isinstance(sheet, int):
            ws = book.worksheets[sheet]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise InputError(source, f"no sheet {sheet!r}: the workbook has {book.sheetnames}")
        rows = list(ws.iter_rows(values_only=True))
        name = ws.title
    finally:
        book.close()
    rows = [r for r in rows if any(c is not None and str(c).strip() != "" for c in r)]
    if not rows:
        raise InputError(Location(source, sheet=name), "the sheet is empty: expected a header row")
    header = ["" if h is None else str(h) for h in rows[0]]
    width = max(len(header), *(len(r) for r in rows))
    header += [""] * (width - len(header))
    body = [list(r) + [None] * (width - len(r)) for r in rows[1:]]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    # A trailing unnamed, all-empty column is Excel noise, not data.
    keep = [c for c in frame.columns if c != "" or frame[c].notna().any()]
    return RawTable(frame[keep], source, sheet=name)


def _read_parquet(path: Path, source: str) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises a zoo of types for a corrupt file
        raise InputError(source, f"not a readable Parquet file ({_first_line(err)})") from None
    return RawTable(frame.reset_index(drop=True), source, first_data_row=1)


def read_table(path: str | Path, *, sheet: str | int | None = None) -> RawTable:
    """Read a CSV/TSV (optionally .gz), XLSX or Parquet file into a :class:`RawTable`.

    Column names are stripped of blanks and a stray BOM and lower-cased, so ``Contacts `` and
    ``contacts`` are the same column; values are left untouched for the contract to judge.
    """
    source = str(path)
    p = Path(path)
    if not p.exists():
        raise InputError(source, "no such file")
    if p.is_dir():
        raise InputError(source, "expected a file, found a directory")
    suffix = p.suffix.lower()
    inner = Path(p.stem).suffix.lower() if suffix == ".gz" else suffix
    if inner in TEXT_SUFFIXES:
        table = _read_text(p, source)
    elif suffix in EXCEL_SUFFIXES:
        table = _read_excel(p, source, sheet)
    elif suffix in PARQUET_SUFFIXES:
        table = _read_parquet(p, source)
    elif suffix == ".xls":
        raise InputError(source, "old .xls workbooks are not supported: save it as .xlsx or CSV")
    else:
        raise InputError(
            source, f"expected a .csv, .tsv, .xlsx or .parquet file, found {p.suffix or 'none'!r}"
        )
    table.frame.columns = [str(c).replace("\ufeff", "").strip().lower() for c in table.frame]
    return table
