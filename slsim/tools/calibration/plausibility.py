"""How the default place compares with published English figures, and how large its effects are
against England's evaluations of integration.

The figures in ``slsim/data/uk_calibration.csv`` are targets for plausibility, not numbers the
model is fitted to or scaled by: each model value emerges from the agents' behaviour. Run
``python -m slsim.tools.calibration`` for both tables (written into ``docs/model.md``, sections 7 and 8);
``--citizens``, ``--seeds`` and ``--weeks`` change the run (defaults: 20,000 citizens, 3 seeds,
156 weeks, the last 52 compared).
"""

from __future__ import annotations

import argparse
from importlib import resources

import numpy as np
import pandas as pd

# (calibration quantity, label, model value from the last year's frame f and model m)
COMPARISONS = (
    ("delayed_transfer_patients_per_day", "delayed transfers on an average day, share of acute beds",
     lambda f, m: f["delayed_share_of_beds"].mean()),
    ("general_acute_occupancy", "acute bed occupancy", lambda f, m: f["bed_occupancy"].mean()),
    ("older_patient_length_of_stay", "length of stay of an emergency admission, days (delays included)",
     lambda f, m: f["acute_length_of_stay_days"].mean()),
    ("rtt_18_week_performance", "elective patients waiting under 18 weeks",
     lambda f, m: f["waiting_within_18_weeks"].mean()),
    ("social_care_staff_turnover", "adult social care staff turnover per year",
     lambda f, m: f["social_care_turnover_rate"].mean()),
    ("social_care_vacancy_rate", "adult social care vacancy rate", lambda f, m: f["social_care_vacancy_rate"].mean()),
    ("providers_in_deficit_share", "NHS organisations in deficit at the end",
     lambda f, m: f["nhs_orgs_in_deficit_share"].iloc[-1]),
    ("fifteen_minute_visits_share", "home-care visits at the 15-minute floor",
     lambda f, m: f["short_visit_share"].mean()),
)

# Published values that need arithmetic from the shipped figures: delayed patients a day (Feb 2017,
# all settings) over general and acute beds, and about two-thirds of delays being in acute beds
# (NHS England DToC statistics: 68.4% in Sep 2016, 66.1% in Jun 2018).
ACUTE_SHARE_OF_DELAYS = 2 / 3


def calibration_data() -> pd.DataFrame:
    """The published figures shipped with slsim, one row per quantity (first row when repeated)."""
    with resources.files("slsim.data").joinpath("uk_calibration.csv").open() as fh:
        return pd.read_csv(fh)


def _published(q: str, cal: pd.DataFrame) -> float:
    if q == "delayed_transfer_patients_per_day":
        beds = cal.loc["general_acute_beds", "value"]
        return cal.loc["delayed_transfer_patients_per_day", "value"] * ACUTE_SHARE_OF_DELAYS / beds
    return float(cal.loc[q, "value"])


def _runs(scenario: str, citizens: int, seeds: tuple[int, ...], weeks: int) -> list[tuple[pd.DataFrame, object]]:
    from slsim.execution import Seeds
    from slsim.model.system import SystemModel

    out = []
    for seed in Seeds(seeds[0]).replicates(len(seeds)):
        model = SystemModel(scenario, rng=seed, n_citizens=citizens)
        for _ in range(weeks):
            model.step()
        frame = model.results()
        out.append((frame[frame["week"] > weeks - 52], model))
    return out


def check(citizens: int = 20_000, seeds: tuple[int, ...] = (1, 2, 3), weeks: int = 156,
          scenario: str = "default") -> pd.DataFrame:
    """The default place's last year against each published figure: mean and sd over seeds."""
    data = calibration_data()
    cal = data.drop_duplicates("quantity").set_index("quantity")
    sources = data.groupby("quantity")["source"].first()
    periods = data.groupby("quantity")["period"].first()
    runs = _runs(scenario, citizens, seeds, weeks)
    out = []
    for q, label, value in COMPARISONS:
        values = pd.Series([value(f, m) for f, m in runs])
        t = _published(q, cal)
        out.append({"quantity": label, "model": values.mean(), "model_sd": values.std(ddof=1), "published": t,
                    "published_period": periods.get(q, ""), "source": sources.get(q, "")})
    return pd.DataFrame(out)


EFFECT_OUTCOMES = ("delayed_transfers", "emergency_admissions", "elective_waiting_list", "electives_cancelled",
                   "bed_occupancy", "acute_length_of_stay_days", "unmet_need", "incidents_actual",
                   "short_visit_share", "cross_boundary_trust")


def effects(citizens: int = 20_000, seeds: tuple[int, ...] = (1, 2, 3), weeks: int = 156) -> pd.DataFrame:
    """Paired relative changes over the last year: today's place to systems leadership (the
    evaluations' comparison), and blame culture to systems leadership (the extremes)."""
    means = {}
    for scenario in ("default", "blame_culture", "systems_leadership"):
        means[scenario] = pd.DataFrame([f[list(EFFECT_OUTCOMES)].mean() for f, _ in
                                        _runs(scenario, citizens, seeds, weeks)])
    rows = []
    for col in EFFECT_OUTCOMES:
        d, b, s = (means[sc][col] for sc in ("default", "blame_culture", "systems_leadership"))
        rows.append({"outcome": col, "default": d.mean(), "blame_culture": b.mean(), "systems_leadership": s.mean(),
                     "default_to_systems": s.mean() / d.mean() - 1 if d.mean() else np.nan,
                     "per_seed_range": f"{(s / d - 1).min():+.0%} to {(s / d - 1).max():+.0%}",
                     "blame_to_systems": s.mean() / b.mean() - 1 if b.mean() else np.nan})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m slsim.tools.calibration", description=__doc__.splitlines()[0])
    ap.add_argument("--citizens", type=int, default=20_000)
    ap.add_argument("--seeds", type=int, default=3, help="replicates (paired across scenarios)")
    ap.add_argument("--weeks", type=int, default=156)
    args = ap.parse_args(argv)
    seeds = tuple(range(1, args.seeds + 1))
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 70)
    print(check(args.citizens, seeds, args.weeks).round(3).to_string(index=False))
    print()
    print(effects(args.citizens, seeds, args.weeks).round(3).to_string(index=False))
    return 0

