from __future__ import annotations

import pandas as pd
import pytest

T0 = pd.Timestamp("2026-11-02 09:00")


def log(rows) -> pd.DataFrame:
    """rows: (minutes after T0, contact, customer, event, extra dict)."""
    out = []
    for minutes, contact, customer, event, *extra in rows:
        row = {"timestamp": T0 + pd.Timedelta(minutes=minutes), "contact_id": contact,
               "customer_id": customer, "channel": "phone", "inquiry_type": "业务办理",
               "agent_id": "A1", "team": "业务组", "event": event, "value": float("nan")}
        if extra:
            row.update(extra[0])
        out.append(row)
    return pd.DataFrame(out).sort_values("timestamp", kind="stable").reset_index(drop=True)


@pytest.fixture(scope="session")
def insurer_events():
    from pathlib import Path

    from wfm.io.inputs import read_events

    return read_events(Path(__file__).parents[2] / "examples" / "insurer" / "events.csv.gz")
