"""The greedy first roster prices the agent's own soft-rule penalties, as the model does."""

from __future__ import annotations

import pandas as pd

from tests.schedule.test_schedule import DAY, config, roster
from wfm.schedule.hint import greedy
from wfm.schedule.problem import build_problem


def _demand(days_hours: dict[int, float]) -> pd.DataFrame:
    """One agent wanted from 08:00 for ``hours`` on each day offset of ``days_hours``."""
    rows = []
    for d, hours in days_hours.items():
        for h in range(int(hours * 2)):
            rows.append({"interval_start": DAY + pd.Timedelta(days=d, hours=8 + h / 2),
                         "site": "上海", "skill": "phone", "required": 1.0})
    return pd.DataFrame(rows)


def _days(cfg, agents, req) -> set[int]:
    problem = build_problem(req, agents, cfg)
    return set(greedy(problem)[0])


def _with(cfg, **weights):
    return cfg.model_copy(update={
        "weights": cfg.weights.model_copy(update=weights),
        "contracts": {k: c.model_copy(update={"max_days": 2})
                      for k, c in cfg.contracts.items()}})


def test_greedy_avoids_a_full_weekend_when_it_is_priced():
    """Saturday and Sunday need four hours each, Monday three (a 4 h shift there over-staffs an
    hour: 660 worse than a weekend day). Two days at most. Without the weekend-pair weight the
    greedy works the weekend; with a pair at 1,000 it works Monday and one weekend day."""
    req = _demand({0: 3, 5: 4, 6: 4})
    assert _days(_with(config(), weekend_pair=0), roster(1), req) == {5, 6}
    days = _days(_with(config(), weekend_pair=1000), roster(1), req)
    assert 0 in days and len(days & {5, 6}) == 1


def test_greedy_avoids_a_preferred_day_off():
    """Monday and Tuesday need the same; one day at most. The greedy takes the first of equals
    (Monday) unless Monday is the agent's preferred day off."""
    req = _demand({0: 4, 1: 4})
    cfg = _with(config(), preference=20).model_copy(update={"contracts": {
        k: c.model_copy(update={"max_days": 1}) for k, c in config().contracts.items()}})
    assert _days(cfg, roster(1), req) == {0}
    assert _days(cfg, roster(1, preferred_days_off=(0,)), req) == {1}


def test_greedy_prefers_the_preferred_shift():
    """Monday needs one agent 08:00-16:00; one shift a day. Early (08:00) and late (12:00)
    save the same; the greedy takes the early one unless the agent prefers late."""
    req = _demand({0: 8})
    cfg = _with(config(), preference=20)
    problem = build_problem(req, roster(1), cfg)
    plain = problem.agents[0].options[0][greedy(problem)[0][0]]
    problem = build_problem(req, roster(1, preferred_shifts=("late",)), cfg)
    liked = problem.agents[0].options[0][greedy(problem)[0][0]]
    assert plain.shift == "early" and liked.shift == "late"
