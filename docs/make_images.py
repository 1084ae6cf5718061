"""Pictures of the demo's workbooks for the README (docs/img/*.png).

    pip install -e '.[docs]' && python docs/make_images.py [--demo demo-out]

Runs `wfm demo` into --demo if it has no summary.json yet, then reads the workbooks back
(openpyxl / pandas, as any user's script could) and draws each picture with matplotlib: the
Roster sheet's cells with their own fill colours, one day of the Timeline sheet, the Coverage
sheet's required and scheduled agents, the funnel's acceptance by sub-type with its Wilson
intervals, the forecast, and the what-if's FTE before and after. These are drawings of the
sheets' contents, not screenshots of Excel (no office suite is needed to make them).
Chinese labels use Noto Sans CJK SC from the `mplfonts` package.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"


def _font() -> None:
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    plt.rcParams.update({"font.family": [name, "DejaVu Sans"], "axes.unicode_minus": False,
                         "figure.dpi": 110, "savefig.bbox": "tight"})


def _table(path: Path, sheet: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=sheet, header=2)


def _rgb(cell) -> str:
    fill = cell.fill
    if fill is None or fill.fill_type is None or not isinstance(fill.fgColor.rgb, str):
        return "#FFFFFF"
    return "#" + fill.fgColor.rgb[-6:]


def roster(demo: Path, rows: int = 16) -> Path:
    ws = load_workbook(demo / "wfm-demo-schedule.xlsx")["排班 Roster"]
    header = [c.value for c in ws[3]]
    keep = [0, 1, 4] + list(range(5, len(header)))
    cells = [[ws.cell(row=r, column=j + 1) for j in keep] for r in range(4, 4 + rows)]
    text = [[("" if c.value is None else str(c.value)).replace(" ", "\n", 1) for c in row]
            for row in cells]
    colours = [[_rgb(c) for c in row] for row in cells]
    fig, ax = plt.subplots(figsize=(15, 0.52 * rows + 0.8))
    ax.axis("off")
    t = ax.table(cellText=text, cellColours=colours, colLabels=[header[j] for j in keep],
                 colColours=["#1F4E78"] * len(keep), loc="center", cellLoc="center")
    t.auto_set_font_size(False)
    t.set_fontsize(8)
    t.scale(1, 2.0)
    for j in range(len(keep)):
        t[0, j].get_text().set_color("white")
    ax.set_title("排班 Roster sheet (first agents): shift and times per day, 休 = day off",
                 loc="left")
    return _save(fig, "roster.png")


def timeline(demo: Path, agents: int = 18) -> Path:
    book = load_workbook(demo / "wfm-demo-schedule.xlsx")
    ws = book[next(n for n in book.sheetnames if "Timeline" in n)]
    slots = [c.value for c in ws[2]][2:]
    fig, ax = plt.subplots(figsize=(15, 0.32 * agents + 1))
    for i, r in enumerate(range(3, 3 + agents)):
        for j in range(len(slots)):
            cell = ws.cell(row=r, column=j + 3)
            if cell.value:
                ax.add_patch(plt.Rectangle((j, -i - 1), 1, 0.9, color=_rgb(cell)))
                if cell.value in ("B", "L"):
                    ax.text(j + 0.5, -i - 0.55, cell.value, ha="center", va="center", fontsize=6)
    names = [f"{ws.cell(row=r, column=1).value} {ws.cell(row=r, column=2).value}"
             for r in range(3, 3 + agents)]
    ax.set_yticks([-i - 0.55 for i in range(agents)], names, fontsize=8)
    ax.set_xticks(range(0, len(slots), 8), slots[::8], fontsize=8)
    ax.set_xlim(0, len(slots))
    ax.set_ylim(-agents - 0.2, 0)
    ax.set_title(f"{ws.title}: working (skill colour), B paid break, L unpaid lunch", loc="left")
    return _save(fig, "timeline.png")


def coverage(demo: Path) -> Path:
    frame = _table(demo / "wfm-demo-schedule.xlsx", "覆盖 Coverage")
    fig, axes = plt.subplots(2, 1, figsize=(14, 6.5), sharex=True)
    for ax, (site, skill) in zip(axes, (("上海", "phone"), ("上海", "wechat")), strict=True):
        req, got = frame[f"{site} {skill} required"], frame[f"{site} {skill} scheduled"]
        ax.step(frame["interval_start"], req, where="post", label="required", color="#C00000")
        ax.step(frame["interval_start"], got, where="post", label="scheduled", color="#1F4E78")
        ax.fill_between(frame["interval_start"], got, req, where=req > got, step="post",
                        color="#F4CCCC", label="short")
        ax.set_ylabel(f"{site} {skill}\nagents")
        ax.legend(loc="upper right", fontsize=8)
    axes[0].set_title("覆盖 Coverage sheet: required vs scheduled agents per half-hour "
                      "(the example roster is smaller than the demand)", loc="left")
    return _save(fig, "coverage.png")


def funnel(demo: Path) -> Path:
    frame = _table(demo / "wfm-demo-funnel.xlsx", "Breakdown")
    added = frame[(frame["stage"] == "added") & (frame["group"] != "(blank)")]
    added = added.sort_values("step_rate")
    fig, ax = plt.subplots(figsize=(9, 4))
    err = [added["step_rate"] - added["step_ci_lo"], added["step_ci_hi"] - added["step_rate"]]
    ax.barh(added["group"], added["step_rate"], xerr=err, color="#5B9BD5", capsize=4)
    for y, (rate, hi, n) in enumerate(zip(added["step_rate"], added["step_ci_hi"],
                                          added["count"], strict=True)):
        ax.text(hi + 0.02, y, f"{rate:.0%}  ({n:,} added)", va="center", fontsize=9)
    ax.set_xlim(0, 1.15)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title("WeChat acceptance (added ÷ invited) by inquiry sub-type, Wilson 95% "
                 "intervals", loc="left")
    return _save(fig, "funnel.png")


def forecast(demo: Path) -> Path:
    frame = _table(demo / "wfm-demo-forecast.xlsx", "每日预测 Daily").set_index("date")
    fig, ax = plt.subplots(figsize=(12, 4))
    for col in frame.columns:
        ax.plot(frame.index, frame[col], label=col)
    ax.set_ylabel("contacts per day")
    ax.legend(ncol=5, fontsize=8)
    ax.set_title("每日预测: 8-week forecast per channel (holidays, weekly shape)", loc="left")
    return _save(fig, "forecast.png")


def what_if(demo: Path) -> Path:
    frame = _table(demo / "wfm-demo-what-if-shift.xlsx", "人力 FTE")
    fig, ax = plt.subplots(figsize=(11, 4))
    x = range(len(frame))
    ax.bar([i - 0.2 for i in x], frame["FTE before"], width=0.4, label="before",
           color="#A5A5A5")
    lo = frame["FTE after"] - frame[["after (low effect)", "after (high effect)"]].min(axis=1)
    hi = frame[["after (low effect)", "after (high effect)"]].max(axis=1) - frame["FTE after"]
    ax.bar([i + 0.2 for i in x], frame["FTE after"], width=0.4, yerr=[lo, hi], capsize=3,
           label="after (bars: the effect's interval)", color="#5B9BD5")
    ax.set_xticks(list(x), [f"{d:%m-%d}" for d in frame["week"]])
    ax.set_ylim(frame[["FTE before", "FTE after"]].min().min() * 0.97,
                frame["FTE before"].max() * 1.01)
    ax.set_ylabel("FTE (all sites and skills)")
    ax.legend(fontsize=8)
    ax.set_title("What-if: endorsements steered to WeChat — FTE per week before and after",
                 loc="left")
    return _save(fig, "what-if.png")


def _save(fig, name: str) -> Path:
    IMG.mkdir(parents=True, exist_ok=True)
    path = IMG / name
    fig.savefig(path)
    plt.close(fig)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", default="demo-out", help="the demo's output folder")
    args = parser.parse_args()
    demo = Path(args.demo)
    if not (demo / "summary.json").is_file():
        subprocess.run([sys.executable, "-m", "wfm", "demo", "--out", str(demo)], check=True)
    _font()
    for draw in (forecast, roster, timeline, coverage, funnel, what_if):
        print(draw(demo))
    return 0


if __name__ == "__main__":
    sys.exit(main())
