"""The schedule workbook, built with the shared Excel writer.

Sheets: ``Roster`` (agents × days, shift times coloured by shift), ``Timeline`` (one sheet per
day: agents × intervals, W = working with its skill initial, B = paid break, L = unpaid break),
``Coverage`` (required vs scheduled per interval and skill, red where short, with a native
Excel line chart per skill), ``Summary`` (paid hours, cost, short and over hours, expected
service level from the staffing kernels on the scheduled agents, soft-rule violations) and
``Settings`` (the config used).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from openpyxl.chart import LineChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from wfm.io.describe import interval_minutes
from wfm.io.excel import Workbook
from wfm.schedule.config import ScheduleConfig
from wfm.schedule.solve import ScheduleResult

PALETTE = ["DDEBF7", "E2EFDA", "FFF2CC", "FCE4D6", "EDE1F5", "D9E1F2", "F2F2F2"]
RED = PatternFill("solid", fgColor="F8CBAD")
WEEKDAY_ZH = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


def _roster(book: Workbook, result: ScheduleResult, agents: pd.DataFrame,
            cfg: ScheduleConfig, days: list) -> None:
    colours = {s.name: PALETTE[i % len(PALETTE)] for i, s in enumerate(cfg.shifts)}
    cells = {(a["agent_id"], a["date"]): a for a in result.assignments}
    rows = []
    for r in agents.itertuples(index=False):
        row = {"agent_id": r.agent_id, "name": r.name, "site": r.site,
               "skills": ";".join(r.skills), "contract": r.contract}
        hours = 0.0
        for d in days:
            a = cells.get((r.agent_id, d))
            label = f"{d:%m-%d} {WEEKDAY_ZH[d.weekday()]}"
            row[label] = f"{a['shift']} {a['start']:%H:%M}-{a['end']:%H:%M}" if a else "休"
            if a:
                unpaid = sum((b["end"] - b["start"]).total_seconds() for b in a["breaks"]
                             if not b["paid"])
                hours += ((a["end"] - a["start"]).total_seconds() - unpaid) / 3600
        row["paid_hours"] = hours
        rows.append(row)
    frame = pd.DataFrame(rows)
    ws = book.add_table("排班 Roster", frame, {"paid_hours": "number"},
                        title="Roster (休 = day off)", freeze_columns=2)
    first_day_col = 6
    for i, r in enumerate(frame.itertuples(index=False), start=4):
        for j, d in enumerate(days):
            a = cells.get((r.agent_id, d))
            if a:
                ws.cell(row=i, column=first_day_col + j).fill = PatternFill(
                    "solid", fgColor=colours[a["shift"]])


def _timeline(book: Workbook, result: ScheduleResult, agents: pd.DataFrame, day,
              slot_minutes: int) -> None:
    ws = book.add_sheet(f"{day:%m-%d} 时间线 Timeline")
    times = [pd.Timestamp(day) + pd.Timedelta(minutes=slot_minutes * k)
             for k in range(1440 // slot_minutes)]
    ws.cell(row=1, column=1, value=f"Timeline {day} — W working (skill initial), B paid break, "
            "L unpaid break").font = Font(bold=True)
    ws.cell(row=2, column=1, value="agent").font = Font(bold=True)
    ws.cell(row=2, column=2, value="name").font = Font(bold=True)
    for k, t in enumerate(times, start=3):
        c = ws.cell(row=2, column=k, value=f"{t:%H:%M}")
        c.alignment = Alignment(text_rotation=90)
        ws.column_dimensions[get_column_letter(k)].width = 3
    fills = {"W": PatternFill("solid", fgColor="9BC2E6"), "B": PatternFill("solid",
                                                                           fgColor="FFE699"),
             "L": PatternFill("solid", fgColor="F4B084")}
    todays = {a["agent_id"]: a for a in result.assignments if a["date"] == day}
    row = 3
    for r in agents.itertuples(index=False):
        a = todays.get(r.agent_id)
        if not a:
            continue
        ws.cell(row=row, column=1, value=r.agent_id)
        ws.cell(row=row, column=2, value=r.name)
        main = max(a["skill_minutes"], key=a["skill_minutes"].get) if a["skill_minutes"] else ""
        for k, t in enumerate(times, start=3):
            if not a["start"] <= t < a["end"]:
                continue
            brk = next((b for b in a["breaks"] if b["start"] <= t < b["end"]), None)
            mark = ("B" if brk["paid"] else "L") if brk else "W"
            cell = ws.cell(row=row, column=k, value=main[:1].upper() if mark == "W" else mark)
            cell.fill = fills[mark]
        row += 1
    ws.freeze_panes = "C3"
    ws.column_dimensions["B"].width = 10


def _expected_sl(coverage: pd.DataFrame, requirements: pd.DataFrame, interval: float):
    """Share answered within 20 s with the scheduled agents (Erlang C on the interval's load,
    whole agents only), where the requirements carry the volume (`wfm staff` output); not
    defined for deferred or outbound work."""
    from wfm.staffing.erlang import erlang_c

    if not {"contacts", "load_erlangs"} <= set(requirements.columns):
        return np.full(len(coverage), np.nan)
    cols = ["interval_start", "site", "skill", "contacts", "load_erlangs"]
    if "kind" in requirements.columns:
        cols.append("kind")
    merged = coverage.merge(requirements[cols], how="left", on=["interval_start", "site",
                                                                  "skill"])
    load = merged["load_erlangs"].to_numpy(float)
    contacts = merged["contacts"].to_numpy(float)
    aht = np.where(contacts > 0, load * interval / np.maximum(contacts, 1e-9), 180.0)
    sl = erlang_c(np.floor(merged["scheduled"].to_numpy(float)), load, aht, 20).service_level
    queue = ~merged.get("kind", pd.Series("voice", index=merged.index)).fillna("voice") \
        .str.contains("deferred|outbound").to_numpy()
    return np.where(queue, sl, np.nan)


def _coverage(book: Workbook, result: ScheduleResult, requirements: pd.DataFrame,
              interval: float) -> None:
    cov = result.coverage.copy()
    cov["short"] = (cov["required"] - cov["scheduled"]).clip(lower=0)
    cov["expected_sl"] = _expected_sl(cov, requirements, interval)
    wide = cov.pivot_table(index="interval_start", columns=["site", "skill"],
                           values=["required", "scheduled"], aggfunc="sum")
    wide.columns = [f"{site} {skill} {what}" for what, site, skill in wide.columns]
    wide = wide[sorted(wide.columns, key=lambda c: (c.rsplit(" ", 1)[0], c))].reset_index()
    ws = book.add_table("覆盖 Coverage", wide, {"interval_start": "datetime"},
                        title="Required vs scheduled agents (red: short)", freeze_columns=1)
    n = len(wide)
    pairs = [(j, j + 1) for j in range(2, wide.shape[1] + 1, 2)]
    for req_col, sch_col in pairs:
        req_l, sch_l = get_column_letter(req_col), get_column_letter(sch_col)
        ws.conditional_formatting.add(f"{sch_l}4:{sch_l}{n + 3}", FormulaRule(
            formula=[f"{sch_l}4<{req_l}4"], fill=RED))
    for k, (req_col, sch_col) in enumerate(pairs[:6]):
        chart = LineChart()
        chart.title = str(ws.cell(row=3, column=req_col).value).rsplit(" ", 1)[0]
        chart.y_axis.title, chart.height, chart.width = "agents", 7, 18
        for col in (req_col, sch_col):
            chart.add_data(Reference(ws, min_col=col, min_row=3, max_row=n + 3),
                           titles_from_data=True)
        ws.add_chart(chart, f"{get_column_letter(wide.shape[1] + 2)}{3 + 16 * k}")
    detail = cov[["interval_start", "site", "skill", "required", "scheduled", "short",
                  "expected_sl"]]
    book.add_table("覆盖明细 Coverage detail", detail, {"expected_sl": "percent",
                                                       "scheduled": "number"})


def _summary(book: Workbook, result: ScheduleResult, cfg: ScheduleConfig,
             agents: pd.DataFrame) -> None:
    contract_of = agents.set_index("agent_id")["contract"]
    paid = cost = 0.0
    for a in result.assignments:
        unpaid = sum((b["end"] - b["start"]).total_seconds() for b in a["breaks"]
                     if not b["paid"])
        hours = ((a["end"] - a["start"]).total_seconds() - unpaid) / 3600
        paid += hours
        cost += hours * cfg.contracts[contract_of[a["agent_id"]]].cost_per_hour
    cov = result.coverage
    step = interval_minutes(cov["interval_start"]) / 60 if len(cov) else 0.5
    short = ((cov["required"] - cov["scheduled"]).clip(lower=0) * step).sum()
    over = ((cov["scheduled"] - cov["required"]).clip(lower=0) * step).sum()
    facts = pd.DataFrame([
        ("status", result.status), ("objective", result.objective),
        ("best bound", result.best_bound), ("gap", result.gap),
        ("LP bound", result.lp_bound if result.lp_bound is not None else "not computed"),
        ("weekly-pattern bound", result.pattern_bound if result.pattern_bound is not None
         else "not computed (solver.pattern_bound_seconds)"),
        ("solve seconds", round(result.seconds, 1)), ("shifts", len(result.assignments)),
        ("paid hours", round(paid, 2)), ("short agent-hours", round(float(short), 2)),
        ("over agent-hours", round(float(over), 2)),
        ("cost (paid hours × contract rate)", round(cost, 2)),
        *(("note", n) for n in result.notes),
    ], columns=["measure", "value"])
    facts["value"] = facts["value"].astype(str)
    book.add_table("汇总 Summary", facts, title="Schedule summary")
    violations = pd.DataFrame(result.violations or [], columns=["rule", "subject", "amount",
                                                                "unit", "cost"])
    book.add_table("违规 Violations", violations, {"cost": "number"},
                   title="Soft-rule violations, largest cost first")


def write_workbook(result: ScheduleResult, requirements: pd.DataFrame, agents: pd.DataFrame,
                   cfg: ScheduleConfig, path: str | Path) -> Path:
    from wfm.schedule.problem import slot_minutes_for

    book = Workbook()
    days = sorted({a["date"] for a in result.assignments}) or sorted(
        requirements["interval_start"].dt.date.unique())
    all_days = sorted(requirements["interval_start"].dt.date.unique())
    _roster(book, result, agents, cfg, all_days)
    interval = interval_minutes(requirements["interval_start"]) * 60.0
    slot_minutes = slot_minutes_for(cfg, int(interval // 60))
    for d in days:
        _timeline(book, result, agents, d, slot_minutes)
    _coverage(book, result, requirements, interval)
    _summary(book, result, cfg, agents)
    settings = pd.DataFrame({"config": yaml.safe_dump(cfg.model_dump(mode="json"),
                                                       allow_unicode=True,
                                                       sort_keys=False).splitlines()})
    book.add_table("设置 Settings", settings, title="The config this schedule was solved with")
    return book.save(path)
