"""Typed configuration: pydantic models loaded from documented YAML files.

``CONFIG_KINDS`` lists every kind of config file wfm reads; ``wfm config init`` writes the
documented template of each (``wfm/config/templates/<kind>.yaml``) and ``wfm config validate``
checks a file against its model. Areas register their kinds here as they arrive.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel

from wfm.config.loader import load_config, read_yaml, validate_config
from wfm.errors import ConfigError, UsageError


@dataclass(frozen=True)
class ConfigKind:
    name: str
    model_path: str  # "module:Class", imported only when needed
    summary: str

    @property
    def model(self) -> type[BaseModel]:
        module, cls = self.model_path.split(":")
        return getattr(importlib.import_module(module), cls)

    @property
    def template_name(self) -> str:
        return f"{self.name}.yaml"

    def template_text(self) -> str:
        return files("wfm.config").joinpath("templates", self.template_name).read_text("utf-8")


CONFIG_KINDS: dict[str, ConfigKind] = {
    k.name: k
    for k in [
        ConfigKind("centre", "wfm.config.centre:CentreConfig",
                   "channels and their kind, sites, inquiry types, skills, holidays"),
        ConfigKind("forecast", "wfm.forecast.config:ForecastConfig",
                   "horizon, interval, series split, models, special days, gaps"),
        ConfigKind("scenario", "wfm.forecast.scenario:Scenario",
                   "what-if channel shifts and volume changes applied to a forecast"),
        ConfigKind("staffing", "wfm.staffing.config:StaffingConfig",
                   "skill groups, queue model, patience, targets, shrinkage"),
        ConfigKind("schedule", "wfm.schedule.config:ScheduleConfig",
                   "shift templates, breaks, contracts, rules, objective weights, solver"),
        ConfigKind("funnel", "wfm.kpi.config:FunnelConfig",
                   "funnel stages and filters, counting unit, conversion window, order"),
        ConfigKind("kpi", "wfm.kpi.config:KpiConfig",
                   "process and outcome KPIs, targets, scoring, weights by phase; journeys"),
        ConfigKind("abtest", "wfm.abtest.spec:TestSpec",
                   "a one-variable test: factor, arms, population, metrics, MDE, alpha, power"),
        ConfigKind("what-if", "wfm.plan.config:WhatIfFile",
                   "a change at scale: channel shift, reach, ramp, effect range, AHT change"),
    ]
}


def config_kind(name: str) -> ConfigKind:
    try:
        return CONFIG_KINDS[name]
    except KeyError:
        raise UsageError(f"unknown config kind {name!r}: expected one of "
                         f"{', '.join(CONFIG_KINDS)}") from None


def kind_of_file(path: str | Path) -> ConfigKind | None:
    """Guess a config's kind from its file name (centre.yaml, my-centre.yml …)."""
    stem = Path(path).stem.lower()
    for name, kind in CONFIG_KINDS.items():
        if stem == name or stem.endswith(("-" + name, "_" + name)):
            return kind
    return None


def load_centre(path: str | Path | None):
    """The centre config at ``path``, or None when no path is given."""
    if path is None:
        return None
    from wfm.config.centre import CentreConfig

    return load_config(path, CentreConfig)


__all__ = ["CONFIG_KINDS", "ConfigError", "ConfigKind", "config_kind", "kind_of_file",
           "load_centre", "load_config", "read_yaml", "validate_config"]
