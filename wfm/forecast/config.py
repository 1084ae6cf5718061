"""Forecast settings (``configs/forecast.yaml``); command-line flags override them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from wfm.config.centre import StrictModel
from wfm.forecast.models import AUTO_CANDIDATES, AUTO_FOLDS, AUTO_MARGIN, MODELS

BY_COLUMNS = ("site", "channel", "inquiry_type")


class AutoSettings(StrictModel):
    candidates: list[str] = Field(default_factory=lambda: list(AUTO_CANDIDATES))
    folds: int = Field(AUTO_FOLDS, ge=1, le=26, description="inner backtest weeks")
    margin: float = Field(AUTO_MARGIN, ge=0, lt=1,
                          description="relative WAPE edge needed to leave the default model")

    @field_validator("candidates")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in MODELS and not (name.startswith("weekly_mean_") and name.endswith("w")):
                raise ValueError(f"unknown model {name!r}: expected one of {', '.join(MODELS)}")
        if not value:
            raise ValueError("expected at least one candidate")
        return value


class ForecastConfig(StrictModel):
    horizon_days: int = Field(56, ge=1, le=366, description="days ahead (8 weeks = 56)")
    interval_minutes: int | None = Field(
        None, description="forecast interval (15, 30, 60); none = the history's own")
    by: list[Literal["site", "channel", "inquiry_type"]] = Field(
        default_factory=lambda: list(BY_COLUMNS), description="columns that split series")
    holidays: str | None = Field(
        None, description="country code or 'none'; none = the centre config's, else CN")
    model: str = Field("auto", description="auto, or a model name")
    level: float = Field(0.8, gt=0, lt=1, description="prediction interval level")
    gaps: Literal["zero", "missing"] = Field(
        "zero", description="missing intervals inside open hours: zero, or unknown")
    sparse_daily_contacts: float = Field(
        20.0, ge=0, description="series below this many contacts a day are split from their "
        "channel's forecast by recent type shares")
    auto: AutoSettings = Field(default_factory=AutoSettings)

    @field_validator("interval_minutes")
    @classmethod
    def _interval(cls, value: int | None) -> int | None:
        if value is not None and (value <= 0 or 1440 % value):
            raise ValueError("expected minutes that divide a day, e.g. 15, 30 or 60")
        return value

    @field_validator("model")
    @classmethod
    def _model(cls, value: str) -> str:
        from wfm.forecast.models import make_model

        make_model(value)  # raises a UsageError naming the known models
        return value
