"""How the default place compares with published English figures (``slsim/data/uk_calibration.csv``).

The figures are targets for plausibility, not numbers the model is fitted to or scaled by: each
model value below emerges from the agents' behaviour in the default scenario. Run
``python -m slsim.calibration`` for the table (also written into ``docs/model.md``).
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

# model outcome -> (calibration quantity, how the model value is computed from the run)
COMPARISONS = (
    ("delayed_transfer_patients_per_day", "delayed transfers as a share of acute beds",
     lambda f, m: f["delayed_transfers"].mean() / m.beds,
     lambda cal: cal.loc["delayed_transfer_patients_per_day", "value"] / cal.loc["general_acute_beds", "value"].min()),
    ("delayed_transfer_target_share_of_beds", "delayed transfers as a share of acute beds (target)",
     lambda f, m: f["delayed_transfers"].mean() / m.beds,
     lambda cal: cal.loc["delayed_transfer_target_share_of_beds", "value"]),
    ("general_acute_occupancy", "acute bed occupancy",
     lambda f, m: f["bed_occupancy"].mean(), lambda cal: cal.loc["general_acute_occupancy", "value"]),
    ("social_care_staff_turnover", "adult social care staff turnover per year",
     lambda f, m: f["social_care_turnover_rate"].mean(), lambda cal: cal.loc["social_care_staff_turnover", "value"]),
    ("social_care_vacancy_rate", "adult social care vacancy rate",
     lambda f, m: f["social_care_vacancy_rate"].mean(), lambda cal: cal.loc["social_care_vacancy_rate", "value"]),
    ("rtt_18_week_performance", "elective patients waiting under 18 weeks",
     lambda f, m: f["waiting_within_18_weeks"].mean(), lambda cal: cal.loc["rtt_18_week_performance", "value"]),
    ("providers_in_deficit_share", "NHS organisations in deficit at the end",
     lambda f, m: f["nhs_orgs_in_deficit_share"].iloc[-1], lambda cal: cal.loc["providers_in_deficit_share", "value"]),
    ("nhs_staff_unwell_from_stress", "staff with high stress (above 0.5)",
     lambda f, m: f["staff_highly_stressed_share"].mean(),
     lambda cal: cal.loc["nhs_staff_unwell_from_stress", "value"]),
)


def calibration_data() -> pd.DataFrame:
    """The published figures shipped with slsim, one row per quantity (first row when repeated)."""
    with resources.files("slsim.data").joinpath("uk_calibration.csv").open() as fh:
        cal = pd.read_csv(fh)
    return cal


def check(weeks: int = 104, seeds: tuple[int, ...] = (1, 2, 3, 4, 5), scenario: str = "default") -> pd.DataFrame:
    """Run the default place with several seeds; compare each quantity with its published figure."""
    from .execution import Seeds
    from .model import SystemModel

    cal = calibration_data().drop_duplicates("quantity").set_index("quantity")
    sources = calibration_data().groupby("quantity")["source"].first()
    periods = calibration_data().groupby("quantity")["period"].first()
    rows = {q: [] for q, *_ in COMPARISONS}
    for seed in Seeds(seeds[0]).replicates(len(seeds)):
        model = SystemModel(scenario, rng=seed)
        for _ in range(weeks):
            model.step()
        frame = model.results()
        frame = frame[frame["week"] > weeks // 2]  # the second half of the run, after the start-up
        for q, _, model_value, _ in COMPARISONS:
            rows[q].append(model_value(frame, model))
    out = []
    for q, label, _, target in COMPARISONS:
        values = pd.Series(rows[q])
        t = target(cal)
        out.append({"quantity": label, "model": values.mean(), "model_sd": values.std(ddof=1),
                    "published": t, "ratio": values.mean() / t if t else float("nan"),
                    "published_period": periods.get(q, ""), "source": sources.get(q, "")})
    return pd.DataFrame(out)


if __name__ == "__main__":
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 60)
    print(check().round(3).to_string(index=False))
