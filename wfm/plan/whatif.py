"""What-if: a tested change at scale → contacts per channel → required agents, FTE and cost.

The effect (a test's measured absolute effect with its confidence interval, or a range given
by hand) becomes a forecast scenario three times — at the point estimate and at both ends of
the interval — through :mod:`wfm.forecast.scenario` (channel shifts, handle-time changes);
each scenario and the unchanged forecast are staffed with :func:`wfm.staffing.requirements`.
Weekly FTE = agent-hours with shrinkage ÷ the hours of one FTE; cost = those hours × the
cost per hour. Nothing here is hard-wired to a channel: the impact says from where to where.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from wfm.errors import UsageError
from wfm.forecast.scenario import Action, HandleTime, Scale, Scenario, Shift, apply_scenario
from wfm.io.describe import interval_minutes
from wfm.labels import catalogue_kind
from wfm.plan.config import Impact, Range, WhatIfFile
from wfm.staffing.config import StaffingConfig
from wfm.staffing.requirements import requirements

CASES = ("point", "low", "high")  # the effect's point estimate and its interval's ends


@dataclass(frozen=True)
class Effect:
    """Where the numbers come from: a registered test or a what-if file."""

    name: str
    source: str
    metric: str
    effect: Range
    aht_change: Range | None = None
    notes: tuple[str, ...] = ()


def effect_from_file(spec: WhatIfFile, path: str) -> Effect:
    return Effect(spec.name, f"what-if file {path}", "rate (given by hand)", spec.effect,
                  spec.aht_change)


def effect_from_test(record: dict[str, Any], impact: Impact, variant: str | None = None
                     ) -> Effect:
    """The latest recorded analysis of a registry test (``Registry.get``)."""
    spec, tid = record["spec"], record["id"]
    if spec.primary.kind != "proportion":
        raise UsageError(f"test #{tid} measures a mean ({spec.primary.name!r}); a channel "
                         "shift needs a rate of customers moving (adoption or deflection)")
    if not record["results"]:
        raise UsageError(f"test #{tid} has no recorded analysis yet: run `wfm abtest analyze "
                         f"… --test {tid}` first")
    analysis = record["results"][-1]["analysis"]
    comps = {c["variant"]: c for c in analysis["comparisons"]}
    if variant is None:
        variant = max(comps, key=lambda v: comps[v]["abs_effect"])
    if variant not in comps:
        raise UsageError(f"test #{tid} has no variant {variant!r}; it has "
                         f"{', '.join(sorted(comps))}")
    c = comps[variant]
    notes = []
    if analysis.get("verdict") != "ship":
        notes.append(f"test #{tid}'s verdict is {analysis.get('verdict')!r}, not 'ship': the "
                     "effect is not established; read the range, not the point")
    aht = None
    if impact.aht_guardrail:
        guard = next((g for g in analysis.get("guardrails", [])
                      if g["name"] == impact.aht_guardrail), None)
        if guard is None:
            raise UsageError(f"impact.aht_guardrail: test #{tid} has no guardrail named "
                             f"{impact.aht_guardrail!r}")
        gc = next((x for x in guard.get("comparisons", []) if x["variant"] == variant), None)
        if gc is None:
            notes.append(f"guardrail {impact.aht_guardrail!r} had no data in the analysis: "
                         "handle time left unchanged")
        else:
            aht = Range(point=gc["abs_effect"], low=gc["abs_ci"][0], high=gc["abs_ci"][1])
    return Effect(f"{spec.name}: {variant}", f"test #{tid} ({record['state']})",
                  spec.primary.name,
                  Range(point=c["abs_effect"], low=c["abs_ci"][0], high=c["abs_ci"][1]),
                  aht, tuple(notes))


@dataclass
class WhatIfResult:
    name: str
    source: str
    metric: str
    effect: Range
    aht_change: Range | None
    moved_share: dict[str, float]
    impact: Impact
    inquiry_types: list[str]
    channels: pd.DataFrame  # week, site, channel, contacts_before, contacts_<case>
    staffing: pd.DataFrame  # week, site, skill, kind, days, fte/peak/cost before and per case
    intraday: pd.DataFrame  # time, skill, required before and per case (full-effect days)
    full_effect_weeks: list[date]
    currency: str
    notes: list[str] = field(default_factory=list)

    def weekly(self, table: str = "staffing") -> pd.DataFrame:
        """The table summed over sites."""
        frame = getattr(self, table)
        keys = ["week", "skill", "kind"] if table == "staffing" else ["week", "channel"]
        agg = {c: "sum" for c in frame.columns if c not in (*keys, "site", "days")}
        if table == "staffing":
            agg["days"] = "max"
        return frame.groupby(keys, sort=True).agg(agg).reset_index()

    def headline(self) -> dict[str, Any]:
        """Per week at full effect (mean over those weeks), all sites and skills."""
        s = self.staffing[self.staffing["week"].isin(self.full_effect_weeks)]
        c = self.channels[self.channels["week"].isin(self.full_effect_weeks)]
        n = max(len(self.full_effect_weeks), 1)
        out: dict[str, Any] = {"weeks": [str(w) for w in self.full_effect_weeks]}
        fte_before = float(s["fte_before"].sum() / n)
        cost_before = float(s["cost_before"].sum() / n) if "cost_before" in s else None
        moved = c[c["channel"] == self.impact.from_channel]
        out["fte_before"] = fte_before
        out["cost_before"] = cost_before
        for case in CASES:
            out[f"contacts_moved_{case}"] = float(
                (moved["contacts_before"] - moved[f"contacts_{case}"]).sum() / n)
            out[f"fte_{case}"] = float(s[f"fte_{case}"].sum() / n)
            out[f"fte_saved_{case}"] = float(fte_before - out[f"fte_{case}"])
            if cost_before is not None:
                out[f"cost_saved_{case}"] = float(cost_before - s[f"cost_{case}"].sum() / n)
        per_skill = s.groupby("skill")[["fte_before", *(f"fte_{c}" for c in CASES)]].sum() / n
        changed = per_skill[(per_skill.sub(per_skill["fte_before"], axis=0).abs() > 1e-9)
                            .any(axis=1)]
        out["skills"] = [{"skill": k, **{c: float(v) for c, v in row.items()}}
                         for k, row in changed.iterrows()]
        return out

    def to_json(self) -> dict[str, Any]:
        def ends(row, prefix):
            return {case: float(row[f"{prefix}_{case}"]) for case in CASES}

        weeks = []
        for r in self.weekly("channels").to_dict(orient="records"):
            weeks.append({"week": str(r["week"]), "channel": r["channel"],
                          "contacts_before": float(r["contacts_before"]),
                          "contacts_after": ends(r, "contacts"),
                          "moved": {case: float(r["contacts_before"] - r[f"contacts_{case}"])
                                    for case in CASES}})
        staffing = []
        for r in self.weekly().to_dict(orient="records"):
            row = {"week": str(r["week"]), "skill": r["skill"], "kind": r["kind"],
                   "days": int(r["days"]), "fte_before": float(r["fte_before"]),
                   "fte_after": ends(r, "fte"),
                   "fte_saved": {case: float(r["fte_before"] - r[f"fte_{case}"])
                                 for case in CASES},
                   "peak_before": float(r["peak_before"]), "peak_after": ends(r, "peak")}
            if "cost_before" in r:
                row["cost_before"] = float(r["cost_before"])
                row["cost_after"] = ends(r, "cost")
            staffing.append(row)
        return {"name": self.name, "source": self.source, "metric": self.metric,
                "effect": self.effect.ends(),
                "aht_change": self.aht_change.ends() if self.aht_change else None,
                "moved_share": self.moved_share, "inquiry_types": self.inquiry_types,
                "impact": self.impact.model_dump(mode="json"), "currency": self.currency,
                "weeks": weeks, "staffing": staffing, "headline": self.headline(),
                "notes": self.notes}


def _windows(start: date, end: date | None, ramp_weeks: int) -> list[tuple[date, date | None,
                                                                            float]]:
    """(first day, last day, fraction of the full effect) of each ramp step."""
    if ramp_weeks <= 1:
        return [(start, end, 1.0)]
    out = []
    for k in range(ramp_weeks - 1):
        a, b = start + timedelta(days=7 * k), start + timedelta(days=7 * k + 6)
        if end is not None and a > end:
            break
        out.append((a, min(b, end) if end else b, (k + 1) / ramp_weeks))
    a = start + timedelta(days=7 * (ramp_weeks - 1))
    if end is None or a <= end:
        out.append((a, end, 1.0))
    return out


def _target_kind(channel: str, centre) -> str | None:
    if centre is not None and channel in {c.name for c in centre.channels}:
        return centre.channel(channel).kind
    return catalogue_kind(channel)


def _actions(forecast: pd.DataFrame, impact: Impact, types: list[str], share: float,
             aht: float, start: date, notes: list[str]) -> list[Action]:
    """Scenario actions for one case (share of the population's contacts that move)."""
    sites = [impact.site] if impact.site else sorted(forecast["site"].unique())
    has_target = {s: bool(((forecast["site"] == s) & (forecast["channel"] == impact.to_channel)
                           & (forecast["contacts"] > 0)).any()) for s in sites}
    actions: list[Action] = []
    for first, last, ramp in _windows(start, impact.end, impact.ramp_weeks):
        window = forecast["interval_start"].dt.date.between(first, last or date.max)
        for site in sites:
            for t in types:
                src = (window & (forecast["site"] == site) & (forecast["inquiry_type"] == t)
                       & (forecast["channel"] == impact.from_channel))
                if not src.any():
                    continue
                if aht:
                    actions.append(Action(handle_time=HandleTime(
                        inquiry_type=t, channel=impact.from_channel, site=site, start=first,
                        end=last, seconds=impact.reach * aht * ramp)))
                s = share * ramp
                if s == 0:
                    continue
                if not has_target[site]:
                    # self-service (or a channel this site does not staff): contacts leave
                    actions.append(Action(scale=Scale(
                        inquiry_type=t, channel=impact.from_channel, site=site, start=first,
                        end=last, factor=1 - s)))
                elif s > 0:
                    actions.append(Action(shift=Shift(
                        inquiry_type=t, from_channel=impact.from_channel,
                        to_channel=impact.to_channel, site=site, share=s, start=first,
                        end=last, aht_factor=impact.moved_aht_factor)))
                else:
                    # a negative effect: contacts come back from the target channel
                    back = window & (forecast["site"] == site) & (
                        forecast["inquiry_type"] == t) & (
                        forecast["channel"] == impact.to_channel)
                    there = forecast.loc[back, "contacts"].sum()
                    if there <= 0:
                        continue
                    ratio = -s * forecast.loc[src, "contacts"].sum() / there
                    if ratio > 1:
                        notes.append(f"{site} {t}: the effect's low end would take back more "
                                     f"{impact.to_channel} contacts than the forecast has; "
                                     "capped at all of them")
                    actions.append(Action(shift=Shift(
                        inquiry_type=t, from_channel=impact.to_channel,
                        to_channel=impact.from_channel, site=site, share=min(ratio, 1.0),
                        start=first, end=last)))
    return actions


def _check(forecast: pd.DataFrame, impact: Impact, types: list[str], centre) -> None:
    for key, column, value in (("from_channel", "channel", impact.from_channel),
                               ("site", "site", impact.site)):
        if value and not (forecast[column] == value).any():
            raise UsageError(f"impact.{key}: the forecast has no {column} {value!r} (it has "
                             f"{', '.join(sorted(forecast[column].unique()))})")
    missing = sorted(set(types) - set(forecast["inquiry_type"]))
    if missing:
        raise UsageError(f"impact.inquiry_types: the forecast has no inquiry type "
                         f"{missing[0]!r} (it has "
                         f"{', '.join(sorted(forecast['inquiry_type'].unique()))})")
    if not (forecast["channel"] == impact.to_channel).any() and \
            _target_kind(impact.to_channel, centre) != "self_service":
        raise UsageError(f"impact.to_channel: the forecast has no channel "
                             f"{impact.to_channel!r}; forecast it, or declare it with kind "
                             "self_service in the centre config if no agent handles it")


def _touched_channels(impact: Impact, cfg: StaffingConfig) -> set[str]:
    """The changed channels and every channel staffed in a group with them (blended groups),
    to a fixed point: only their skills need staffing again."""
    channels = {impact.from_channel, impact.to_channel}
    while True:
        grown = set(channels)
        for g in cfg.skills:
            if grown & set(g.channels):
                grown |= set(g.channels)
        if grown == channels:
            return channels
        channels = grown


def _weekly_staffing(req: pd.DataFrame, cfg: StaffingConfig, case: str) -> pd.DataFrame:
    hours = interval_minutes(req["interval_start"]) / 60
    week = req["interval_start"].dt.to_period("W-SUN").dt.start_time.dt.date
    g = req.assign(week=week, day=req["interval_start"].dt.date,
                   hours=req["required_with_shrinkage"] * hours).groupby(
        ["week", "site", "skill"], sort=True)
    out = g.agg(kind=("kind", "first"), days=("day", "nunique"), hours=("hours", "sum"),
                peak=("required_with_shrinkage", "max")).reset_index()
    out[f"fte_{case}"] = out.pop("hours") / cfg.fte_hours_per_week
    if cfg.cost_per_hour is not None:
        out[f"cost_{case}"] = out[f"fte_{case}"] * cfg.fte_hours_per_week * cfg.cost_per_hour
    return out.rename(columns={"peak": f"peak_{case}"})


def _weekly_channels(forecast: pd.DataFrame, case: str) -> pd.DataFrame:
    week = forecast["interval_start"].dt.to_period("W-SUN").dt.start_time.dt.date
    return (forecast.assign(week=week).groupby(["week", "site", "channel"], sort=True)[
        "contacts"].sum().rename(f"contacts_{case}").reset_index())


def what_if(forecast: pd.DataFrame, impact: Impact, effect: Effect, staffing: StaffingConfig,
            *, centre=None, population: dict[str, list[str]] | None = None,
            on_step=None) -> WhatIfResult:
    """The unchanged forecast and the change at the effect's point, low and high ends."""
    types = impact.inquiry_types or (population or {}).get("inquiry_type") or sorted(
        forecast.loc[forecast["channel"] == impact.from_channel, "inquiry_type"].unique())
    _check(forecast, impact, list(types), centre)
    first_day = forecast["interval_start"].min().date()
    start = max(impact.start or first_day, first_day)
    notes = list(effect.notes)
    if impact.start and impact.start > forecast["interval_start"].max().date():
        raise UsageError(f"impact.start: {impact.start} is after the forecast's last day "
                         f"{forecast['interval_start'].max().date()}")
    shares = {case: impact.moved_share(v) for case, v in effect.effect.ends().items()}
    for case, s in shares.items():
        if abs(s) > 1:
            raise UsageError(f"effect {case} {effect.effect.ends()[case]:g}: moves "
                             f"{abs(s):.0%} of the contacts; expected at most 100% (the "
                             "effect is an absolute change in a rate, e.g. 0.04)")
    if shares["low"] < 0 < shares["high"]:
        notes.append("the effect's interval includes zero: at its low end the change moves "
                     "contacts back, costing agents")
    # The interval's ends are paired so the range is the widest: at the effect's low end the
    # handle time takes its costly end (more seconds), at the high end its cheap end.
    a = effect.aht_change
    aht = {"point": a.point, "low": a.high, "high": a.low} if a else dict.fromkeys(CASES, 0.0)
    staff_frames, channel_frames, reqs = [], [], {}
    base = forecast.assign(scenario="before")
    scenarios = {"before": base}
    for case in CASES:
        actions = _actions(forecast, impact, list(types), shares[case], aht[case], start, notes)
        scenarios[case] = apply_scenario(forecast, Scenario(
            name=f"{effect.name} ({case})", actions=actions)) if actions else base
    touched = _touched_channels(impact, staffing)
    for case, frame in scenarios.items():
        if case == "before":
            req, req_notes = requirements(frame, staffing, centre=centre)
            notes += req_notes
        else:  # only skills taking a changed channel are staffed again
            part, _ = requirements(frame[frame["channel"].isin(touched)], staffing,
                                   centre=centre)
            base_req = reqs["before"]
            req = pd.concat([base_req[~base_req["skill"].isin(part["skill"].unique())], part],
                            ignore_index=True)
        reqs[case] = req
        staff_frames.append(_weekly_staffing(req, staffing, case))
        channel_frames.append(_weekly_channels(frame, case))
        if on_step:
            on_step()
    keys = ["week", "site", "skill"]
    staff = staff_frames[0]
    for other in staff_frames[1:]:
        staff = staff.merge(other.drop(columns=["kind", "days"]), on=keys, how="outer")
    staff = staff.fillna(0.0)
    chans = channel_frames[0]
    for other in channel_frames[1:]:
        chans = chans.merge(other, on=["week", "site", "channel"], how="outer")
    chans = chans.fillna(0.0)
    if not (forecast["channel"] == impact.to_channel).any():
        # moved to self-service: show where the contacts went
        src = chans[chans["channel"] == impact.from_channel]
        virtual = src[["week", "site"]].assign(channel=impact.to_channel, contacts_before=0.0)
        for case in CASES:
            virtual[f"contacts_{case}"] = (src["contacts_before"] - src[f"contacts_{case}"]
                                           ).to_numpy()
        chans = pd.concat([chans, virtual], ignore_index=True)
        notes.append(f"{impact.to_channel!r} has no forecast: moved contacts leave the staffed "
                     "channels (self-service)")
    full_from = start + timedelta(days=7 * max(impact.ramp_weeks - 1, 0))
    weeks = sorted(staff["week"].unique())
    full = [w for w in weeks if w >= full_from and (impact.end is None or w + timedelta(6)
                                                    <= impact.end)
            and staff.loc[staff["week"] == w, "days"].max() == 7]
    if not full:
        full = [w for w in weeks if w >= full_from][-1:] or weeks[-1:]
        notes.append(f"no whole week at the full effect in the forecast; the headline uses "
                     f"the week of {full[0]}")
    return WhatIfResult(
        name=effect.name, source=effect.source, metric=effect.metric, effect=effect.effect,
        aht_change=effect.aht_change, moved_share=shares, impact=impact,
        inquiry_types=list(types), channels=chans, staffing=staff,
        intraday=_intraday(reqs, full), full_effect_weeks=full,
        currency=staffing.currency, notes=list(dict.fromkeys(notes)))


def _intraday(reqs: dict[str, pd.DataFrame], weeks: list[date]) -> pd.DataFrame:
    """Mean required agents (with shrinkage) by time of day over the full-effect weeks."""
    parts = []
    for case, req in reqs.items():
        week = req["interval_start"].dt.to_period("W-SUN").dt.start_time.dt.date
        r = req[week.isin(weeks)]
        per_slot = r.groupby([r["interval_start"], "skill"])["required_with_shrinkage"].sum()
        per_slot = per_slot.reset_index()
        per_slot["time"] = per_slot["interval_start"].dt.strftime("%H:%M")
        parts.append(per_slot.groupby(["time", "skill"])["required_with_shrinkage"].mean()
                     .rename(case))
    out = pd.concat(parts, axis=1).fillna(0.0).reset_index()
    return out.sort_values(["skill", "time"], kind="stable").reset_index(drop=True)


def _fte(x: float) -> str:
    x = 0.0 if abs(x) < 0.005 else x
    return f"{x:.2f}" if abs(x) < 1 else f"{x:.1f}"


def savings_text(h: dict[str, Any], currency: str) -> str:
    """'2.4 FTE a week (1.1 to 3.6)' — the headline in words, with the interval's ends."""
    lo, hi = sorted((h["fte_saved_low"], h["fte_saved_high"]))
    text = f"{_fte(h['fte_saved_point'])} FTE a week ({_fte(lo)} to {_fte(hi)})"
    if "cost_saved_point" in h:
        clo, chi = sorted((h["cost_saved_low"], h["cost_saved_high"]))
        text += (f", {h['cost_saved_point']:,.0f} {currency} a week ({clo:,.0f} to "
                 f"{chi:,.0f})").replace("  ", " ")
    return text


__all__ = ["CASES", "Effect", "WhatIfResult", "effect_from_file", "effect_from_test",
           "savings_text", "what_if"]
