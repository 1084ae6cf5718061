"""The what-if workbook: before and after side by side, with native Excel charts.

Sheets: ``概要 Summary`` (the headline at full effect with the interval's ends, and notes),
``人力 FTE`` (per week and skill, with a bar chart of total FTE before and after),
``来量 Contacts`` (per week and channel: contacts before, after and moved), ``日内 Intraday``
(mean required agents by time of day for the changed skills, with a line chart),
``明细 Detail`` (per week, site and skill) and ``设置 Settings``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference

from wfm.io.excel import Workbook
from wfm.plan.whatif import CASES, WhatIfResult

CASE_LABEL = {"before": "before", "point": "after", "low": "after (low effect)",
              "high": "after (high effect)"}


def _fte_table(frame: pd.DataFrame, with_cost: bool) -> pd.DataFrame:
    cols = {"fte_before": "FTE before"}
    cols.update({f"fte_{c}": f"FTE {CASE_LABEL[c]}" for c in CASES})
    cols.update({"peak_before": "peak before", "peak_point": "peak after"})
    if with_cost:
        cols.update({"cost_before": "cost before"})
        cols.update({f"cost_{c}": f"cost {CASE_LABEL[c]}" for c in CASES})
    keys = [k for k in ("week", "site", "skill", "kind", "days") if k in frame.columns]
    out = frame[keys + list(cols)].rename(columns=cols)
    out.insert(len(keys) + 1 + len(CASES), "FTE saved",
               frame["fte_before"] - frame["fte_point"])
    return out


def _contacts_table(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [k for k in ("week", "site", "channel") if k in frame.columns]
    out = frame[keys].copy()
    out["before"] = frame["contacts_before"]
    for c in CASES:
        out[CASE_LABEL[c]] = frame[f"contacts_{c}"]
    for c in CASES:
        out[f"change ({c})"] = frame[f"contacts_{c}"] - frame["contacts_before"]
    return out


def write_whatif_workbook(result: WhatIfResult, path: str | Path, settings: dict) -> Path:
    book = Workbook()
    h = result.headline()
    cur = f" ({result.currency})" if result.currency else ""
    lines = [
        ("what-if", result.name), ("effect from", result.source),
        ("metric", result.metric),
        ("effect (absolute)", f"{result.effect.point:+.4f} "
                              f"({result.effect.low:+.4f} to {result.effect.high:+.4f})"),
        ("share of the population's contacts moved",
         f"{result.moved_share['point']:.2%} ({result.moved_share['low']:.2%} to "
         f"{result.moved_share['high']:.2%})"),
        ("inquiry types", ", ".join(result.inquiry_types)),
        ("from → to", f"{result.impact.from_channel} → {result.impact.to_channel}"),
        ("weeks at full effect", f"{h['weeks'][0]} … {h['weeks'][-1]} ({len(h['weeks'])})"),
    ]
    if result.aht_change:
        a = result.aht_change
        lines.append(("handle-time change (s per contact meeting the change)",
                      f"{a.point:+.1f} ({a.low:+.1f} to {a.high:+.1f})"))
    summary = pd.DataFrame(lines, columns=["item", "value"])
    ws = book.add_table("概要 Summary", summary, title="What-if: a tested change at scale")
    label = "per week at full effect"
    rows = [{label: "FTE", "before": h["fte_before"],
             **{CASE_LABEL[c]: h[f"fte_{c}"] for c in CASES}},
            {label: "contacts moved", **{CASE_LABEL[c]: h[f"contacts_moved_{c}"]
                                         for c in CASES}},
            {label: "FTE saved (net)", **{CASE_LABEL[c]: h[f"fte_saved_{c}"] for c in CASES}}]
    rows += [{label: f"FTE {k['skill']}", "before": k["fte_before"],
              **{CASE_LABEL[c]: k[f"fte_{c}"] for c in CASES}} for k in h["skills"]]
    if "cost_saved_point" in h:
        rows += [{label: f"cost{cur}", "before": h["cost_before"],
                  **{CASE_LABEL[c]: h["cost_before"] - h[f"cost_saved_{c}"] for c in CASES}},
                 {label: f"cost saved{cur}", **{CASE_LABEL[c]: h[f"cost_saved_{c}"]
                                                for c in CASES}}]
    table = pd.DataFrame(rows, columns=[label, "before", *(CASE_LABEL[c] for c in CASES)])
    top = len(summary) + 6
    ws.cell(row=top - 1, column=1, value="Per week at full effect, all sites and skills")
    for j, col in enumerate(table.columns, start=1):
        ws.cell(row=top, column=j, value=col)
    for i, row in enumerate(table.itertuples(index=False), start=top + 1):
        for j, v in enumerate(row, start=1):
            if v is not None and not (isinstance(v, float) and pd.isna(v)):
                cell = ws.cell(row=i, column=j, value=float(v) if j > 1 else v)
                if j > 1:
                    cell.number_format = "#,##0.0"
    for k, note in enumerate(result.notes, start=top + len(table) + 2):
        ws.cell(row=k, column=1, value=f"note: {note}")

    weekly = result.weekly()
    totals = weekly.groupby("week")[[c for c in weekly.columns if c.startswith(("fte_",
                                                                                "cost_"))]].sum()
    totals = totals.reset_index()
    chart_frame = pd.DataFrame({"week": totals["week"], "FTE before": totals["fte_before"],
                                "FTE after": totals["fte_point"],
                                "after (low effect)": totals["fte_low"],
                                "after (high effect)": totals["fte_high"]})
    ws = book.add_table("人力 FTE", chart_frame, {"week": "date"},
                        title="FTE per week, all sites and skills (with shrinkage)")
    n = len(chart_frame)
    bar = BarChart()
    bar.title, bar.y_axis.title, bar.height, bar.width = "FTE before and after", "FTE", 9, 22
    bar.add_data(Reference(ws, min_col=2, max_col=3, min_row=3, max_row=n + 3),
                 titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=1, min_row=4, max_row=n + 3))
    low = min(chart_frame[["FTE after", "after (low effect)", "after (high effect)"]].min())
    bar.y_axis.scaling.min = float(max(0.0, low * 0.9) // 1)
    ws.add_chart(bar, f"G{3}")
    fte = _fte_table(weekly, "cost_before" in weekly.columns)
    book.add_table("人力明细 FTE by skill", fte, {"week": "date"},
                   title="Per week and skill: FTE (agent-hours with shrinkage ÷ hours per FTE) "
                   "and peak agents", freeze_columns=3)
    contacts = _contacts_table(result.weekly("channels"))
    book.add_table("来量 Contacts", contacts, {"week": "date"},
                   title="Contacts per week and channel: before, after, change",
                   freeze_columns=2)
    intraday = result.intraday
    skills = sorted(set(intraday["skill"]) & {result.impact.from_channel,
                                              result.impact.to_channel}) or sorted(
        intraday["skill"].unique())[:2]
    wide = intraday[intraday["skill"].isin(skills)].pivot(index="time", columns="skill",
                                                          values=["before", "point"])
    wide.columns = [f"{skill} {CASE_LABEL[case]}" for case, skill in wide.columns]
    wide = wide[sorted(wide.columns)].reset_index()
    ws = book.add_table("日内 Intraday", wide.round(2),
                        title="Mean required agents (with shrinkage) by time of day, full-effect "
                        "weeks")
    line = LineChart()
    line.title, line.y_axis.title, line.height, line.width = "Intraday requirement", "agents", \
        9, 22
    rows = len(wide)
    line.add_data(Reference(ws, min_col=2, max_col=wide.shape[1], min_row=3, max_row=rows + 3),
                  titles_from_data=True)
    line.set_categories(Reference(ws, min_col=1, min_row=4, max_row=rows + 3))
    ws.add_chart(line, f"{_col(wide.shape[1] + 2)}3")
    book.add_table("明细 Detail", _fte_table(result.staffing, "cost_before" in
                                              result.staffing.columns),
                   {"week": "date"}, title="Per week, site and skill", freeze_columns=3)
    book.add_table("来量明细 Contacts by site", _contacts_table(result.channels),
                   {"week": "date"}, freeze_columns=3)
    rows = pd.DataFrame({"setting": list(settings), "value": [str(v) for v in
                                                              settings.values()]})
    book.add_table("设置 Settings", rows)
    return book.save(path)


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)
