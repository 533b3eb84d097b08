"""How slsim words and draws its results for people: labels, number formats, sentences, colours.

The command line, the browser view and the sweep report all show outcomes, parameters, scenarios
and differences between scenarios. They take their words from here, so the same number is
written the same way everywhere. Rules:

* A name (outcome, parameter, scenario, factor) is shown with spaces for underscores:
  ``delayed_transfers`` -> ``delayed transfers``. The name itself stays what it is in files.
* A result number is shown to about three significant figures with thousands separated
  (:func:`number`); a missing or infinite one as ``-``; zero as ``0``.
* A parameter value is shown as it would be typed back (:func:`value_text`): ``yes``/``no`` for
  switches, whole numbers as they are, others without float noise.
* A change between scenarios is given in per cent of the baseline when the baseline is above zero
  (and the run layer gave a percentage), else in the outcome's units (:func:`change_cells`,
  :func:`difference_sentence`). An interval that crosses zero is "no clear difference".
* Scenario ``i`` of a figure is drawn in ``SCENARIO_COLOURS[i]`` (repeating after the last).

Nothing here computes a result: every function takes numbers the run layer has already made.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from slsim.model.metrics import LEVEL_TITLES, describe
from slsim.model.params import parameter_kind, parameter_table

# Red for the baseline (usually the blame culture), blue for the alternative, then further hues;
# colour-blind readers can tell the first two apart by lightness as well.
SCENARIO_COLOURS = ("#c0392b", "#2471a3", "#229954", "#8e44ad", "#d68910", "#5d6d7e")

# One outcome leads each group's sentence: the one a trainer's room cares about most.
HEADLINE_BY_LEVEL = {"thinking": "defensiveness", "behaving": "blame_events", "ground": "delayed_transfers"}

# Below this a baseline counts as zero: a percentage of it would be noise blown up.
_ZERO = 1e-9

_PARAMS = {row["name"]: row for row in parameter_table()}


# ------------------------------------------------------------------------------ names
def label(name: str) -> str:
    """A name in words: ``delayed_transfers`` -> ``delayed transfers``."""
    return str(name).replace("_", " ")


# Outcomes whose name does not read as words (``voice_heard_outsiders``); the rest read as they are.
OUTCOME_LABELS = {"voice_heard_outsiders": "outsiders heard", "stress": "staff stress"}


def outcome_label(outcome: str) -> str:
    """An outcome as a manager would name it in a sentence: ``outsiders heard``, ``cumulative deficit``."""
    return OUTCOME_LABELS.get(outcome, label(outcome))


def amount(outcome: str, x: Any) -> str:
    """An outcome's value with its unit in words: ``0.273 on a 0-1 scale``, ``27%`` (a share),
    ``£38,072`` (money), ``0.500 a week`` (a weekly count), ``12.3 patients per day``."""
    u = unit(outcome)
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if u == "0-1":
        return f"{number(x)} on a 0-1 scale"
    if u.startswith("share"):
        return share(x)
    if u == "GBP":
        return money(x)
    if u.endswith(" per week"):
        return f"{number(x)} a week"
    return f"{number(x)} {u}"


def money(x: float) -> str:
    """Pounds as a manager writes them: ``£38,072``, ``-£1,200``."""
    return f"{'-' if x < 0 else ''}£{number(abs(x))}"


def scenario_label(name: str) -> str:
    """A scenario as named in tables, legends and sentences (its name in words)."""
    return label(name)


def colour(i: int) -> str:
    """The colour of the ``i``-th scenario of a figure."""
    return SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]


def unit(outcome: str) -> str:
    """An outcome's unit (outcomes and the extra columns alike)."""
    return describe(outcome)[1]


def unit_text(outcome: str) -> str:
    """An outcome's unit as people read it: a ``0-1`` score is ``score 0 to 1`` (``0-1`` reads
    like a range of values or a minus sign); other units as they are."""
    u = unit(outcome)
    return "score 0 to 1" if u == "0-1" else u.replace(" 0-1", " 0 to 1")


def outcome_help(outcome: str) -> str:
    """Plain words for an outcome: what it measures and in which unit, e.g. for a tooltip."""
    _, _, desc = describe(outcome)
    return f"{desc} ({unit_text(outcome)})."


def level_title(level: str) -> str:
    """The heading of an outcome group: ``How people think`` and so on."""
    return LEVEL_TITLES[level]


# ------------------------------------------------------------------------------ numbers
def number(x: Any) -> str:
    """A result number: 3 significant figures or so, thousands separated; ``-`` if missing."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    ax = abs(x)
    if ax >= 10_000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 1:
        return f"{x:.2f}"
    if ax == 0:
        return "0"
    return f"{x:.3f}"


def plain(x: float) -> str:
    """A limit or level as people write it: 50,000 rather than 5e+04, 0.5 rather than 0.500."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def input_text(value: Any) -> str:
    """A parameter value in its input box: as :func:`value_text`, whole numbers with thousands
    separated (``2,500``; the box accepts them back so)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value_text(value)


def tick_text(x: float) -> str:
    """An axis tick, short enough for a chart's margin: ``-600k``, ``1.2M``, ``2,500``, ``0.25``
    (a long ``-600,000`` ran out of the margin and lost its minus sign)."""
    ax = abs(x)
    if ax >= 1_000_000:
        return f"{x / 1_000_000:.3g}M"
    if ax >= 10_000:
        return f"{x / 1_000:.3g}k"
    return plain(round(x, 10))


def value_text(value: Any) -> str:
    """A parameter value as it can be typed back (no float noise such as 0.30000000000000004)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return f"{value:.6g}"


def level_text(v: Any) -> str:
    """A factor level or grid value: floats to 3 significant figures, whole numbers and words as they are."""
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        return str(v)
    return str(v) if isinstance(v, (int, np.integer)) else f"{v:.3g}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """A count with its noun, singular for exactly one: ``1 replicate``, ``2 replicates``,
    ``1,000 runs`` (``many`` for an irregular plural)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def band_text(lo: float, hi: float) -> str:
    """A band of a continuous factor's values, ends as :func:`level_text` writes them: ``0-0.2``."""
    return f"{level_text(float(lo))}-{level_text(float(hi))}"


def share(x: float) -> str:
    """A share of runs or people as a whole per cent: ``0.42`` -> ``42%``."""
    return f"{x:.0%}"


def percent(x: float) -> str:
    """A signed change in per cent, whole numbers: ``+5%``, ``-38%``."""
    return f"{x:+.0f}%"


# ------------------------------------------------------------------------------ parameters
# Parameters in the words of a manager or a trainer (the name itself stays what it is in files).
PARAMETER_LABELS = {
    "blame_response": "Blame when something goes wrong",
    "ceding": "Decisions handed to the front line",
    "citizen_involvement": "Citizens involved from the start",
    "socialisation_rate": "Pull to conform to the official way",
    "learning_breadth": "Whom the official way learns from",
    "experimentation": "Readiness to try pilots",
    "partial_gain_acceptance": "Scaling pilots that partly work",
    "shared_ambition": "Shared ambition for the whole place",
    "need_growth_per_year": "Growth in need each year",
    "crisis_rate": "Crises (chance per week)",
    "crisis_surge": "Crisis surge (times the usual rate)",
    "acute_beds_per_1000": "Hospital beds per 1,000 citizens",
    "budget_gap": "NHS budget gap at the start",
    "nhs_budget_change_per_year": "NHS budget change each year",
    "social_care_budget_change_per_year": "Social care budget change each year",
    "social_care_budget_level": "Social care budget (times today's)",
    "pooled_budget": "Pooled budget (hospital and social care)",
    "n_citizens": "Citizens served",
    "staff_per_1000_citizens": "Staff per 1,000 citizens",
}


def parameter_label(name: str) -> str:
    """A parameter in words: ``ceding`` -> ``Decisions handed to the front line`` (else its name in words)."""
    return PARAMETER_LABELS.get(name, label(name).capitalize())


def parameter_range(name: str, hi: float | None = None) -> str:
    """A parameter's range as ``lo-hi`` for tables (``hi`` may be a tighter limit of the caller);
    empty if open. Controls and refusals use :func:`allowed_text`, so both say ``from lo to hi``."""
    info = _PARAMS[name]
    if info["min"] is None or info["max"] is None:
        return ""
    return f"{plain(info['min'])}-{plain(info['max'] if hi is None else hi)}"


def allowed_text(name: str, hi: float | None = None) -> str:
    """What a parameter accepts, in words, e.g. ``a number from 0 to 1 (probability)``; ``hi`` is a
    tighter upper limit of the caller (the browser's)."""
    info = _PARAMS[name]
    annotation = parameter_kind(name)
    unit_ = f" ({info['unit']})" if info["unit"] else ""
    if annotation is bool:
        return "yes or no"
    kind = "a whole number" if annotation is int else "a number"
    if info["min"] is not None and info["max"] is not None:
        return f"{kind} from {plain(info['min'])} to {plain(info['max'] if hi is None else hi)}{unit_}"
    return kind + unit_


# ------------------------------------------------------------------------------ outcomes for a room
# Which way is better, for the cue beside each chart; outcomes not named have no better direction.
# Pilots started count as better when higher (a place that tries things learns; the model's
# experimentation lever raises them); bed occupancy as better when lower (a hospital run near full
# is unsafe: no bed for the next emergency).
LOWER_IS_BETTER = frozenset({
    "defensiveness", "blame_events", "waiting_for_instruction_share", "delayed_transfers", "delayed_bed_days",
    "elective_waiting_list", "electives_cancelled", "short_visit_share", "unmet_need", "staff_turnover_rate",
    "vacancy_rate", "cumulative_deficit", "incidents_actual", "stress", "defensive_time_share",
    "delayed_awaiting_assessment", "acute_length_of_stay_days", "delayed_share_of_beds", "emergencies_without_bed",
    "social_care_turnover_rate", "social_care_vacancy_rate", "staff_highly_stressed_share",
    "nhs_orgs_in_deficit_share", "bed_occupancy"})
HIGHER_IS_BETTER = frozenset({
    "systems_mindset", "psychological_safety", "cross_boundary_trust", "cross_boundary_time_share",
    "early_involvement_share", "experiments_started", "experiments_scaled", "home_care_minutes_per_visit", "wellbeing",
    "voice_heard_outsiders", "voice_heard_insiders", "incidents_reported", "agency", "practice",
    "joint_work_wins", "joint_reviews", "ties_across_boundaries", "waiting_within_18_weeks"})
# The charts a projector shows: what a room asks about first, thinking to the ground.
HEADLINE_OUTCOMES = ("defensiveness", "cross_boundary_trust", "blame_events", "delayed_transfers",
                     "electives_cancelled", "unmet_need")


def better(outcome: str) -> str | None:
    """``"lower"`` or ``"higher"`` when that is better for the place, else None."""
    return "lower" if outcome in LOWER_IS_BETTER else "higher" if outcome in HIGHER_IS_BETTER else None


def better_text(outcome: str) -> str:
    """The cue beside a chart: ``lower is better`` (empty when neither way is better)."""
    way = better(outcome)
    return f"{way} is better" if way else ""


def unit_range(outcome: str) -> tuple[float, float] | None:
    """(0, 1) for an outcome measured on a 0-1 scale or as a share (its axis then shows all of
    0-1, so a small move looks small); None for counts and money."""
    u = unit(outcome)
    return (0.0, 1.0) if u == "0-1" or u.endswith(" 0-1") or u.startswith("share") else None


def is_weekly_count(outcome: str) -> bool:
    """Whether an outcome is a count per week (these zig-zag week to week and are smoothed)."""
    return "per week" in unit(outcome)


def trend_sentence(outcome: str, first: float, now: float, week: int, first_week: int = 0,
                   averaged_weeks: int = 0) -> str:
    """One sentence for a headline chart, e.g. ``Delayed transfers: 23.4 patients per day at week 30,
    12% higher than at week 0 (lower is better).`` When the chart draws a trailing mean,
    ``now`` is that mean and ``averaged_weeks`` its length: the sentence then says ``(4-week average) at
    week 30``, so it reads the number the line ends on."""
    cue = f" ({better_text(outcome)})" if better(outcome) else ""
    if not math.isfinite(now):
        return f"{label(outcome).capitalize()}: no week run yet{cue}."
    unit_ = "" if unit(outcome) == "0-1" else f" {unit(outcome)}"  # a 0-1 score needs no unit word
    mean = f" ({averaged_weeks}-week average)" if averaged_weeks > 1 else ""
    head = f"{label(outcome).capitalize()}: {number(now)}{unit_}{mean} at week {week}"
    if not math.isfinite(first) or week == first_week:
        return head + cue + "."
    if abs(first) > _ZERO:
        pct = (now - first) / abs(first) * 100
        if abs(pct) < 0.5:
            return f"{head}, about the same as at week {first_week}{cue}."
        return f"{head}, {abs(pct):.0f}% {'higher' if pct > 0 else 'lower'} than at week {first_week}{cue}."
    return f"{head}, {number(abs(now - first))} {'higher' if now > first else 'lower'} than at week {first_week}{cue}."


# ------------------------------------------------------------------------------ differences
def window_text(weeks_run: int, summary_weeks: int | None = None) -> str:
    """Which weeks a summary covers: ``the last 26 weeks``, or ``all 10 weeks`` of a shorter run."""
    if summary_weeks is None:
        from slsim.execution.summary import SUMMARY_WEEKS as summary_weeks
    weeks = min(summary_weeks, weeks_run)
    return f"the last {weeks} weeks" if weeks < weeks_run else f"all {weeks} weeks"


def _relative(row) -> bool:
    """Whether a difference row is read in per cent (see the module's rules)."""
    pct = row["percent"]
    return pct == pct and abs(row["baseline_mean"]) > _ZERO


def change_cells(row) -> tuple[str, str]:
    """A ``differences()`` row as two table cells: the change and its 90% interval (``-`` if none)."""
    if _relative(row):
        lo, hi = row["percent_lo"], row["percent_hi"]
        return percent(row["percent"]), (f"{percent(lo)} to {percent(hi)}" if lo == lo else "-")
    lo, hi = row["lo"], row["hi"]
    return f"{row['difference']:+.3g}", (f"{lo:+.3g} to {hi:+.3g}" if lo == lo else "-")


def difference_sentence(row, title: str) -> str:
    """One sentence for one outcome's difference, e.g. ``delayed transfers 38% lower under
    systems leadership, 90% interval 30-45%``. Intervals crossing zero are called unclear."""
    name = label(row["outcome"])
    pct, lo, hi = row["percent"], row["percent_lo"], row["percent_hi"]
    if _relative(row):
        way = "lower" if pct < 0 else "higher"
        if lo != lo:  # a single replicate has no interval
            return f"{name} {abs(pct):.0f}% {way} under {title} (no interval: one replicate)"
        if lo > 0 or hi < 0:
            a, b = sorted((abs(lo), abs(hi)))
            return f"{name} {abs(pct):.0f}% {way} under {title}, 90% interval {a:.0f}-{b:.0f}%"
        return f"{name}: no clear difference under {title} ({pct:+.0f}%, 90% interval {lo:+.0f}% to {hi:+.0f}%)"
    diff = row["difference"]
    return (f"{name} {abs(diff):.3g} {row['unit']} {'lower' if diff < 0 else 'higher'} under {title} "
            f"(baseline mean {row['baseline_mean']:.3g}, 90% interval {row['lo']:+.3g} to {row['hi']:+.3g})")


def summary_sentences(comparison) -> dict[str, str]:
    """One sentence per outcome group (thinking, behaving, on the ground) for a two-scenario
    comparison, led by the group's headline outcome (``HEADLINE_BY_LEVEL``)."""
    from slsim.model.metrics import columns_by_level
    diffs = comparison.differences()
    other = [s for s in comparison.scenarios if s != comparison.baseline][0]
    out = {}
    for level, names in columns_by_level().items():
        head = HEADLINE_BY_LEVEL.get(level, names[0])
        row = diffs[diffs["outcome"] == head].iloc[0]
        out[level] = f"{level_title(level)}: " + difference_sentence(row, scenario_label(other))
    return out
