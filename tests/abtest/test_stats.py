"""Parity with statsmodels and scipy on the issue's cases, one-variable rule, A/A false
positives at a fixed horizon, and daily peeking with and without the sequential test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from wfm.abtest import stats
from wfm.abtest.analyze import analyze
from wfm.abtest.spec import TestSpec

sm_prop = pytest.importorskip("statsmodels.stats.proportion")
sm_power = pytest.importorskip("statsmodels.stats.power")
sm_ws = pytest.importorskip("statsmodels.stats.weightstats")

CASES = [(1000, 100, 1000, 130), (20000, 2400, 20000, 2520), (50, 5, 50, 9),
         (600, 360, 600, 390)]


def spec(**over) -> TestSpec:
    base = {"name": "t", "hypothesis": "h", "factor": "script",
            "control": {"name": "A", "settings": {"script": "old", "moment": "end"}},
            "variants": [{"name": "B", "settings": {"script": "new", "moment": "end"}}],
            "primary": {"name": "acceptance", "event": "added", "per": "invited",
                        "baseline": 0.6},
            "mde": 0.05}
    return TestSpec.model_validate({**base, **over})


@pytest.mark.parametrize("n_a,k_a,n_b,k_b", CASES)
def test_two_proportions_match_statsmodels(n_a, k_a, n_b, k_b):
    c = stats.proportions(n_a, k_a, n_b, k_b)
    _, p = sm_prop.proportions_ztest([k_b, k_a], [n_b, n_a])
    assert c.p_value == pytest.approx(p, abs=1e-6)
    lo, hi = sm_prop.confint_proportions_2indep(k_b, n_b, k_a, n_a, method="wald",
                                                compare="diff")
    assert c.abs_ci == pytest.approx((lo, hi), abs=1e-6)
    # chance to win against a large Monte Carlo of the same posteriors
    rng = np.random.default_rng(7)
    a = rng.beta(1 + k_a, 1 + n_a - k_a, 2_000_000)
    b = rng.beta(1 + k_b, 1 + n_b - k_b, 2_000_000)
    assert c.chance_to_win == pytest.approx((b > a).mean(), abs=2e-3)
    assert c.expected_loss == pytest.approx(np.maximum(a - b, 0).mean(), rel=0.05, abs=1e-5)


def test_relative_interval_is_the_delta_method():
    c = stats.proportions(1000, 100, 1000, 130)
    pa, pb = 0.1, 0.13
    se = np.sqrt(pb * (1 - pb) / 1000 / pa ** 2 + pb ** 2 * pa * (1 - pa) / 1000 / pa ** 4)
    assert c.rel_effect == pytest.approx(0.3)
    assert c.rel_ci == pytest.approx((0.3 - 1.959964 * se, 0.3 + 1.959964 * se), abs=1e-6)


def test_welch_matches_scipy_and_statsmodels():
    rng = np.random.default_rng(3)
    a, b = rng.normal(330, 150, 400), rng.normal(310, 90, 250)
    c = stats.means(len(a), a.mean(), a.std(ddof=1), len(b), b.mean(), b.std(ddof=1))
    assert c.p_value == pytest.approx(st.ttest_ind(b, a, equal_var=False).pvalue, abs=1e-9)
    cm = sm_ws.CompareMeans(sm_ws.DescrStatsW(b), sm_ws.DescrStatsW(a))
    assert c.abs_ci == pytest.approx(cm.tconfint_diff(usevar="unequal"), abs=1e-6)


def test_sample_sizes_match_statsmodels():
    for pa, pb in ((0.10, 0.13), (0.60, 0.65), (0.12, 0.126)):
        ours = stats.n_proportions(pa, pb)
        ref = sm_power.NormalIndPower().solve_power(
            sm_prop.proportion_effectsize(pb, pa), alpha=0.05, power=0.8, ratio=1)
        assert ours == pytest.approx(ref, abs=1e-6)
    ours = stats.n_proportions(0.1, 0.12, alpha=0.01, power=0.9, ratio=2)
    ref = sm_power.NormalIndPower().solve_power(sm_prop.proportion_effectsize(0.12, 0.1),
                                                alpha=0.01, power=0.9, ratio=2)
    assert ours == pytest.approx(ref, abs=1e-6)
    ours = stats.n_means(5, 40)
    ref = sm_power.TTestIndPower().solve_power(5 / 40, alpha=0.05, power=0.8, ratio=1)
    assert ours == pytest.approx(ref, rel=1e-8)


def test_srm_matches_scipy():
    p = stats.srm_p([5000, 5400], [1, 1])
    assert p == pytest.approx(st.chisquare([5000, 5400]).pvalue, abs=1e-12)
    assert p < 0.001


def test_insurer_script_test_reads_honestly():
    """600 invited / 360 added against a new script's 600 / 390: +8.3% but p = 0.074 — not
    significant at this sample; the verdict says keep running and how many are needed."""
    data = pd.DataFrame({"arm": ["A", "B"], "n": [600, 600], "conversions": [360, 390]})
    a = analyze(spec(), data)
    c = a.comparisons[0]
    assert c["p_value"] == pytest.approx(0.0736, abs=5e-4)
    assert a.verdict == "keep running" and "4,128" in a.reason
    big = pd.DataFrame({"arm": ["A", "B"], "n": [6000, 6000], "conversions": [3600, 3900]})
    assert analyze(spec(), big).verdict == "ship"
    srm = pd.DataFrame({"arm": ["A", "B"], "n": [5000, 5400], "conversions": [3000, 3240]})
    assert analyze(spec(), srm).verdict == "stop"


def test_unit_level_rows_equal_summary():
    rng = np.random.default_rng(0)
    rows = pd.DataFrame({"arm": rng.choice(["A", "B"], 3000),
                         "converted": (rng.random(3000) < 0.6).astype(int)})
    summary = rows.groupby("arm")["converted"].agg(["size", "sum"]).reset_index().rename(
        columns={"size": "n", "sum": "conversions"})
    assert analyze(spec(), rows).comparisons == analyze(spec(), summary).comparisons


@pytest.mark.parametrize("variant,message", [
    ({"script": "new", "moment": "start"}, "changes 2 settings (moment, script)"),
    ({"script": "old", "moment": "end"}, "changes no setting"),
    ({"script": "new"}, "missing: ['moment']"),
    ({"script": "old", "moment": "start"}, "changes 'moment', but the test's factor is"),
])
def test_one_variable_rule(variant, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        spec(variants=[{"name": "B", "settings": variant}])


def test_holm_across_variants():
    three = spec(variants=[{"name": n, "settings": {"script": n, "moment": "end"}}
                           for n in ("B", "C", "D")])
    data = pd.DataFrame({"arm": ["A", "B", "C", "D"], "n": [2000] * 4,
                         "conversions": [1200, 1260, 1230, 1200]})
    comps = analyze(three, data).comparisons
    raw = np.array([c["p_value"] for c in comps])
    from statsmodels.stats.multitest import multipletests

    assert [c["p_holm"] for c in comps] == pytest.approx(
        list(multipletests(raw, method="holm")[1]), abs=1e-12)


def aa_rejections(runs: int, days: int, per_day: int, sequential: bool, seed: int) -> tuple:
    """Fraction of A/A runs declared significant at the end, and with daily peeking."""
    rng = np.random.default_rng(seed)
    p = 0.6
    k = rng.binomial(per_day, p, size=(runs, days, 2)).cumsum(axis=1)
    n = per_day * np.arange(1, days + 1)
    pa, pb = k[:, :, 0] / n, k[:, :, 1] / n
    diff = pb - pa
    var = (pa * (1 - pa) + pb * (1 - pb)) / n
    pooled = (k[:, :, 0] + k[:, :, 1]) / (2 * n)
    zval = diff / np.sqrt(pooled * (1 - pooled) * 2 / n)
    naive = 2 * st.norm.sf(np.abs(zval))
    if sequential:
        seq = np.array([stats.msprt_p(diff[r], var[r], tau2=(0.6 * 0.05) ** 2)
                        for r in range(runs)])
        return (seq[:, -1] < 0.05).mean(), (seq < 0.05).any(axis=1).mean()
    return (naive[:, -1] < 0.05).mean(), (naive < 0.05).any(axis=1).mean()


def test_aa_false_positives_and_peeking():
    """2,000 A/A tests over 20 days: the fixed-horizon test rejects ~5% at the end; peeking
    at it daily rejects far more; the mSPRT stays under 5% even when peeked daily."""
    fixed_end, naive_peek = aa_rejections(2000, 20, 200, sequential=False, seed=1)
    assert abs(fixed_end - 0.05) <= 0.01
    assert naive_peek > 0.15
    _, seq_peek = aa_rejections(2000, 20, 200, sequential=True, seed=1)
    assert seq_peek <= 0.05
