"""Excel reports for funnels, scorecards and journeys, with native Excel charts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference

from wfm.io.excel import Workbook
from wfm.kpi.funnel import FunnelResult
from wfm.kpi.journeys import JourneyReport
from wfm.kpi.scorecard import Scorecard

PERCENT_SUFFIXES = ("rate", "_lo", "_hi", "attainment", "satisfaction", "share")


def _formats(frame: pd.DataFrame) -> dict[str, str]:
    return {c: "percent" for c in frame.columns
            if any(str(c).endswith(s) for s in PERCENT_SUFFIXES)}


def _stage_frame(stages: pd.DataFrame) -> pd.DataFrame:
    out = stages.copy()
    for col in ("median_seconds_from_previous", "median_seconds_from_entry"):
        out[col.replace("_seconds", "_hours")] = out.pop(col) / 3600
    return out


def write_funnel_workbook(result: FunnelResult, weekly: FunnelResult | None,
                          path: str | Path, settings: dict) -> Path:
    """``Funnel`` (stages with a bar chart), ``Breakdown`` and ``Tests`` (with --by),
    ``Weekly`` (step rates by week of entry with a line chart) and ``Settings``."""
    book = Workbook()
    stages = _stage_frame(result.stages)
    ws = book.add_table("Funnel", stages, _formats(stages), title=f"Funnel per {result.unit}")
    chart = BarChart()
    chart.type, chart.title, chart.style = "bar", "Funnel", 10
    chart.y_axis.title, chart.height, chart.width = f"{result.unit}s", 8, 18
    chart.x_axis.scaling.orientation = "maxMin"  # first stage on top
    n = len(stages)
    chart.add_data(Reference(ws, min_col=2, min_row=3, max_row=n + 3), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=4, max_row=n + 3))
    ws.add_chart(chart, f"A{n + 6}")
    if result.breakdown is not None:
        table = result.breakdown
        book.add_table("Breakdown", table, _formats(table),
                       title=f"By {result.by}: step rate with Wilson interval; vs_rest is the "
                             "difference from all other groups, vs_rest_p Holm-adjusted",
                       freeze_columns=2)
        book.add_table("Tests", result.tests, title="Chi-square: do all groups convert alike?")
    if weekly is not None and weekly.breakdown is not None and len(weekly.breakdown):
        wide = weekly.breakdown.pivot(index="group", columns="stage", values="step_rate")
        wide = wide[[c for c in stages["name"] if c in wide.columns][1:]].reset_index()
        wide = wide.rename(columns={"group": "week"})
        ws = book.add_table("Weekly", wide, {c: "percent" for c in wide.columns[1:]},
                            title="Step conversion by week of entry")
        line = LineChart()
        line.title, line.y_axis.title, line.height, line.width = "Weekly trend", "step rate", \
            8, 18
        line.y_axis.number_format = "0%"
        rows = len(wide)
        line.add_data(Reference(ws, min_col=2, max_col=wide.shape[1], min_row=3,
                                max_row=rows + 3), titles_from_data=True)
        line.set_categories(Reference(ws, min_col=1, min_row=4, max_row=rows + 3))
        ws.add_chart(line, f"A{rows + 6}")
    _settings(book, settings)
    return book.save(path)


def write_scorecard_workbook(card: Scorecard, path: str | Path, settings: dict) -> Path:
    book = Workbook()
    for name, frame, key in (("Agents", card.agents, 2), ("Teams", card.teams, 2)):
        ws = book.add_table(name, frame, _formats(frame),
                            title=f"Scorecard, phase {card.phase}, {card.weeks:g} weeks",
                            freeze_columns=key)
        col = list(frame.columns).index("weighted score") + 1
        chart = BarChart()
        chart.title, chart.height, chart.width = "Weighted score", 8, 18
        chart.add_data(Reference(ws, min_col=col, min_row=3, max_row=len(frame) + 3),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=4, max_row=len(frame) + 3))
        ws.add_chart(chart, f"{_letter(frame.shape[1] + 2)}3")
    book.add_table("KPIs", card.kpis, title=f"KPIs and their weights in phase {card.phase}")
    _settings(book, settings)
    return book.save(path)


def write_journey_workbook(report: JourneyReport, path: str | Path, settings: dict) -> Path:
    book = Workbook()
    summary = report.summary.copy()
    book.add_table("Summary", summary, {"ci_lo": "percent", "ci_hi": "percent"},
                   title="Journeys vs touchpoints (rates with Wilson 95% intervals)")
    ws = book.add_table("Channels", report.channels, _formats(report.channels),
                        title="Touchpoint satisfaction per channel")
    by = report.by_contacts
    ws = book.add_table("By contacts", by, _formats(by),
                        title="Journey satisfaction by number of contacts")
    chart = BarChart()
    chart.title, chart.height, chart.width = "Journey satisfaction by contacts", 7, 14
    chart.y_axis.number_format = "0%"
    chart.add_data(Reference(ws, min_col=3, min_row=3, max_row=len(by) + 3),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=4, max_row=len(by) + 3))
    ws.add_chart(chart, f"A{len(by) + 6}")
    book.add_table("Survey transfer", report.agents, _formats(report.agents),
                   title="Agents' survey-transfer rate against funnel-plot limits",
                   freeze_columns=1)
    _settings(book, settings)
    return book.save(path)


def _settings(book: Workbook, settings: dict) -> None:
    rows = pd.DataFrame({"setting": list(settings), "value": [str(v) for v in
                                                              settings.values()]})
    book.add_table("Settings", rows)


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)
