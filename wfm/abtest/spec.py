"""A controlled test's spec (``configs/abtest.yaml``), with the one-variable rule enforced."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from wfm.config.centre import StrictModel
from wfm.plan.config import Impact


class Metric(StrictModel):
    """A rate (units with ``event`` ÷ units with ``per``) or a mean of ``event``'s value."""

    name: str = Field(min_length=1)
    kind: Literal["proportion", "mean"] = "proportion"
    event: str = Field(min_length=1)
    per: str | None = Field(None, description="proportion: the denominator event")
    higher_is_better: bool = True
    baseline: float | None = Field(None, description="expected control rate or mean (plan)")
    sd: float | None = Field(None, gt=0, description="mean metrics: standard deviation (plan)")

    @model_validator(mode="after")
    def _per(self) -> Metric:
        if self.kind == "proportion" and not self.per:
            raise ValueError("a proportion metric needs 'per' (the denominator event)")
        return self


class Arm(StrictModel):
    name: str = Field(min_length=1)
    settings: dict[str, Any] = Field(min_length=1)
    allocation: float = Field(1.0, gt=0, description="relative share of units")


class TestSpec(StrictModel):
    __test__ = False  # not a pytest class

    name: str = Field(min_length=1)
    hypothesis: str = Field(min_length=1)
    factor: str = Field(min_length=1, description="the one setting this test changes")
    control: Arm
    variants: list[Arm] = Field(min_length=1)
    population: dict[str, list[str]] = Field(default_factory=dict,
                                             description="column -> values, e.g. inquiry_type")
    unit: Literal["customer", "contact", "agent"] = "customer"
    primary: Metric
    guardrails: list[Metric] = Field(default_factory=list)
    mde: float = Field(gt=0, description="smallest effect worth detecting, relative (0.05 = 5%)")
    alpha: float = Field(0.05, gt=0, lt=0.5)
    power: float = Field(0.8, gt=0.5, lt=1)
    sequential: bool = Field(False, description="always-valid p-values (mSPRT) for daily looks")
    allow_overlap: bool = Field(False, description="run although a running test shares the "
                                                   "population and metric")
    impact: Impact | None = Field(None, description="what the change does to the contact flow "
                                  "at scale (`wfm plan what-if --abtest ID`)")

    @model_validator(mode="after")
    def _one_variable(self) -> TestSpec:
        names = [self.control.name, *[v.name for v in self.variants]]
        if len(set(names)) != len(names):
            raise ValueError("arm names must be unique")
        keys = set(self.control.settings)
        for v in self.variants:
            if set(v.settings) != keys:
                missing = sorted(keys - set(v.settings))
                extra = sorted(set(v.settings) - keys)
                raise ValueError(f"variant {v.name!r} must list the same settings as the "
                                 f"control (missing: {missing}, extra: {extra})")
            changed = sorted(k for k in keys if v.settings[k] != self.control.settings[k])
            if len(changed) != 1:
                what = "changes no setting" if not changed else \
                    f"changes {len(changed)} settings ({', '.join(changed)})"
                raise ValueError(f"variant {v.name!r} {what}; a test changes exactly one "
                                 "variable")
            if changed[0] != self.factor:
                raise ValueError(f"variant {v.name!r} changes {changed[0]!r}, but the test's "
                                 f"factor is {self.factor!r}")
        return self

    @property
    def arms(self) -> list[Arm]:
        return [self.control, *self.variants]

    @property
    def unit_column(self) -> str:
        return {"customer": "customer_id", "contact": "contact_id", "agent": "agent_id"}[
            self.unit]

    def overlaps(self, other: TestSpec) -> bool:
        """Same primary metric and populations that can share units (a column both filter on
        with no value in common keeps them apart)."""
        if (self.primary.event, self.primary.per) != (other.primary.event, other.primary.per):
            return False
        for column in set(self.population) & set(other.population):
            if not set(map(str, self.population[column])) & set(map(str,
                                                                    other.population[column])):
                return False
        return True
