"""Reading inputs into validated frames and writing outputs atomically."""

from wfm.io.excel import Workbook
from wfm.io.inputs import read_agents, read_events, read_history
from wfm.io.read import RawTable, read_table
from wfm.io.write import atomic_path, dumps_json, write_csv, write_json

__all__ = [
    "RawTable", "Workbook", "atomic_path", "dumps_json", "read_agents", "read_events",
    "read_history", "read_table", "write_csv", "write_json",
]
