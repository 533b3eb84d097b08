"""The workshop's deterministic core, without a web page: a table's decisions -> the model.

Rules:

* A table is one :class:`~slsim.model.system.SystemModel` of the workshop's scenario, built with the
  workshop's seed, place size and burn-in. Every table of a workshop uses the same seed (common
  random numbers): tables start from the same state, and differences between them come from
  their decisions, not from luck.
* A round: the table's decisions (one set per organisation seat, see
  :mod:`slsim.tools.workshop.decisions`) are applied between weeks with
  ``SystemModel.apply_intervention`` (leadership overrides of all five organisations and the
  pooled budget), then the model steps ``weeks_per_round`` weeks.
* A round's result (:func:`run_round`) holds the weekly outcome rows of its weeks (every column
  of ``model.results()``), each organisation's state at the end of the round (pressure, budget,
  balance, staff stress, vacancies) and the round's event log in words.
* :func:`replay_table` recomputes a table from its stored decisions, round by round; the same
  decisions give the same results to the last bit, which is how a restarted server continues and
  how :func:`slsim.tools.workshop.replay` reproduces a table for research.
* The reference runs (:func:`reference_run`) are ``blame_culture`` and ``systems_leadership``'s
  leadership on the workshop's place, from the same start and seed: what the table's random
  events would have led to under those cultures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from slsim.model.burn_in_cache import BurnInCache
from slsim.model.params import LEADERSHIP_FIELDS
from slsim.model.place import ORG_KINDS
from slsim.model.scenario import resolve_scenario
from slsim.model.system import SystemModel
from slsim.tools.workshop.decisions import changes_for

REFERENCE_STYLES: tuple[str, ...] = ("blame_culture", "systems_leadership")

# Shocks the facilitator may throw into a round: kind -> (words, the parameter, its multiple, whether
# it lasts). A lasting shock (a budget cut) stays for the rest of the workshop; the others act for
# the round's weeks and the parameter then goes back to its value before the round.
SHOCKS: dict[str, tuple[str, str, float, bool]] = {
    "winter_surge": ("A winter surge: 40% more crises among citizens this round", "crisis_surge", 1.4, False),
    "budget_cut": ("A budget cut: adult social care and the voluntary sector lose 10% of their budgets from now on",
                   "social_care_budget_level", 0.9, True),
    "serious_incident": ("A serious incident: incidents three times as likely in every organisation this round",
                         "incident_rate", 3.0, False),
}


@dataclass(frozen=True)
class Setup:
    """What a workshop's model runs depend on (and nothing else): same Setup and same decisions,
    same numbers."""

    scenario: str
    seed: int
    rounds: int
    weeks_per_round: int
    n_citizens: int
    burn_in_weeks: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def weeks(self) -> int:
        return self.rounds * self.weeks_per_round


def new_model(setup: Setup, burn_in_cache: BurnInCache | None = None, **params: Any) -> SystemModel:
    """A table's model at week 0 (after the burn-in, taken from ``burn_in_cache`` when it holds it:
    the tables of a workshop share one place and seed)."""
    return SystemModel(setup.scenario, rng=setup.seed, n_citizens=setup.n_citizens,
                       burn_in_weeks=setup.burn_in_weeks, burn_in_cache=burn_in_cache, **params)


def _row(record: dict[str, Any]) -> dict[str, Any]:
    return {k: (int(v) if k == "week" else float(v)) for k, v in record.items()}


def org_state(model: SystemModel) -> dict[str, dict[str, float]]:
    """Each organisation's state now: pressure (demand over capacity, 1 = full), weekly budget and
    spend (GBP), running balance (GBP; negative is a deficit), mean stress of staff in post (0-1),
    share of posts vacant, and trust with each partner (0-1)."""
    s = model.staff
    out = {}
    for i, kind in enumerate(ORG_KINDS):
        mine = s.org == i
        filled = mine & s.filled
        out[kind] = {
            "pressure": float(model.orgs.pressure[i]),
            "budget": float(model.orgs.budget[i]),
            "spend": float(model.orgs.spend[i]),
            "balance": float(model.orgs.balance[i]),
            "stress": float(s.stress[filled].mean()) if filled.any() else 0.0,
            "vacancy": float(1 - filled.sum() / max(1, mine.sum())),
            **{f"trust_{k}": float(model.trust[i, j]) for j, k in enumerate(ORG_KINDS) if j != i},
        }
    return out


def _shock_changes(model: SystemModel, shocks: Sequence[str]) -> tuple[dict[str, float], dict[str, float]]:
    """(the parameter changes of a round's shocks, the values the passing ones go back to)."""
    changes: dict[str, float] = {}
    restore: dict[str, float] = {}
    for kind in shocks:
        _, field, multiple, lasting = SHOCKS[kind]
        before = float(getattr(model.params, field))
        changes[field] = before * multiple
        if not lasting:
            restore[field] = before
    return changes, restore


def _step_with_shocks(model: SystemModel, round_no: int, weeks: int, shocks: Sequence[str]) -> None:
    """Step a round's weeks with its shocks in force (logged in words), then end the passing ones."""
    changes, restore = _shock_changes(model, shocks)
    if changes:
        model.apply_intervention(changes, note="; ".join(SHOCKS[k][0] for k in shocks), kind="shock")
    for _ in range(weeks):
        model.step()
    if restore:
        model.apply_intervention(restore, note=f"The shocks of round {round_no} pass", kind="shock")


def run_round(model: SystemModel, round_no: int, table: dict[str, dict[str, str]], weeks: int,
              shocks: Sequence[str] = ()) -> dict[str, Any]:
    """Apply one round's decisions of a table (all five organisation seats, validated) and the
    round's shocks (kinds of :data:`SHOCKS`, the same at every table), and step ``weeks`` weeks.
    Returns the round's result (see the module docstring)."""
    changes = changes_for(table)
    model.apply_intervention(changes, note=f"Round {round_no}: the table's decisions")
    start = model.week
    n_events = len(model.events)
    _step_with_shocks(model, round_no, weeks, shocks)
    frame = model.results()
    rows = [_row(r) for r in frame[frame["week"] > start].to_dict("records")]
    events = [[int(w), str(k), str(o), str(t)] for (w, k, o, t) in model.events[n_events:]]
    return {"round": round_no, "weeks": rows, "orgs": org_state(model), "events": events,
            "pooled_budget": bool(changes["pooled_budget"]),
            "leadership": {kind: {f: changes["leadership_overrides"][kind][f] for f in LEADERSHIP_FIELDS}
                           for kind in ORG_KINDS}}


def replay_table(setup: Setup, decisions_by_round: dict[int, dict[str, dict[str, str]]],
                 upto: int | None = None, burn_in_cache: BurnInCache | None = None,
                 shocks: dict[int, Sequence[str]] | None = None,
                 ) -> tuple[SystemModel, dict[int, dict[str, Any]]]:
    """Recompute a table from its decisions (round -> seat -> choices) and the workshop's shocks
    (round -> kinds), rounds 1..upto (default: every round given, which must be 1, 2, ... without
    gaps). Returns the model after the last round and each round's result."""
    shocks = shocks or {}
    rounds = sorted(decisions_by_round)
    if upto is not None:
        rounds = [r for r in rounds if r <= upto]
    if rounds != list(range(1, len(rounds) + 1)):
        raise ValueError(f"rounds {rounds} are not 1, 2, ... without gaps")
    model = new_model(setup, burn_in_cache)
    results = {}
    for r in rounds:
        results[r] = run_round(model, r, decisions_by_round[r], setup.weeks_per_round, shocks.get(r, ()))
    return model, results


def table_story(setup: Setup, decisions_by_round: dict[int, dict[str, dict[str, str]]], style: str,
                citizen: int | None = None, shocks: dict[int, Sequence[str]] | None = None):
    """One citizen's weeks at a table and under a reference culture (``style``: a scenario name such
    as ``blame_culture``), on the workshop's place and seed: the same person with the same random
    events (:func:`slsim.results.story.story_of`)."""
    from slsim.results.story import story_of

    shocks = shocks or {}
    table = new_model(setup, record_people=True)
    for r in sorted(decisions_by_round):
        run_round(table, r, decisions_by_round[r], setup.weeks_per_round, shocks.get(r, ()))
    params = resolve_scenario(style).params_with()
    leadership = {f: getattr(params, f) for f in LEADERSHIP_FIELDS}
    reference = new_model(setup, record_people=True, leadership_overrides={}, pooled_budget=params.pooled_budget,
                          pooled_share=params.pooled_share, **leadership)
    for r in sorted(decisions_by_round):
        _step_with_shocks(reference, r, setup.weeks_per_round, shocks.get(r, ()))
    title = resolve_scenario(style).title
    return story_of(reference, table, (title, "Your table"), (style, "table"), citizen=citizen)


def reference_run(setup: Setup, style: str, burn_in_cache: BurnInCache | None = None,
                  shocks: dict[int, Sequence[str]] | None = None) -> list[dict[str, Any]]:
    """The weekly rows of the workshop's place run for all its weeks under a reference culture's
    leadership (place-wide, every organisation alike), from the same start and seed, with the
    workshop's shocks (round -> kinds) in the same weeks as at the tables."""
    params = resolve_scenario(style).params_with()
    leadership = {f: getattr(params, f) for f in LEADERSHIP_FIELDS}
    model = new_model(setup, burn_in_cache, leadership_overrides={}, pooled_budget=params.pooled_budget,
                      pooled_share=params.pooled_share, **leadership)
    for r in range(1, setup.rounds + 1):
        _step_with_shocks(model, r, setup.weeks_per_round, (shocks or {}).get(r, ()))
    return [_row(r) for r in model.results().to_dict("records")]


def weekly_frame(results: dict[int, dict[str, Any]]):
    """A table's weekly rows over its rounds as one DataFrame, with a ``round`` column."""
    import pandas as pd
    rows = [{"round": r, **row} for r in sorted(results) for row in results[r]["weeks"]]
    return pd.DataFrame(rows)


def round_means(rows: list[dict[str, Any]], outcome: str) -> float:
    """Mean of an outcome over a list of weekly rows (NaN if there are none)."""
    values = [row[outcome] for row in rows]
    return float(np.mean(values)) if values else float("nan")


# ------------------------------------------------------------------ what each choice may bring
OUTLOOK_FIELDS = ("balance_change", "pressure", "stress", "trust", "delayed_transfers")


def _seat_summary(before: dict[str, float], result: dict[str, Any], seat: str) -> dict[str, float]:
    """One seat's round in the numbers its options are compared on: the change of its running
    balance over the round (GBP), its pressure and staff stress at the round's end, its mean trust
    in its partners at the round's end (0-1; it carries into later rounds), and the place's delayed
    transfers (patients per day, the round's mean)."""
    org = result["orgs"][seat]
    trust = [v for k, v in org.items() if k.startswith("trust_")]
    return {"balance_change": org["balance"] - before["balance"], "pressure": org["pressure"],
            "stress": org["stress"], "trust": float(np.mean(trust)) if trust else float("nan"),
            "delayed_transfers": round_means(result["weeks"], "delayed_transfers")}


def baseline_table(past: dict[int, dict[str, dict[str, str]]], round_no: int,
                   style: str = "default") -> dict[str, dict[str, str]]:
    """The table's decisions an option is compared against: every seat's decisions of the last
    round, or in round 1 the computer's in the place's own style (the place as it runs today)."""
    from slsim.tools.workshop.decisions import computer_choices
    last = past.get(round_no - 1)
    return {kind: dict(last[kind]) if last and kind in last else computer_choices(kind, style)
            for kind in ORG_KINDS}


def option_outlook(setup: Setup, past: dict[int, dict[str, dict[str, str]]], round_no: int,
                   base: dict[str, dict[str, str]], burn_in_cache: BurnInCache | None = None,
                   shocks: dict[int, Sequence[str]] | None = None,
                   ) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """What each choice of each organisation seat may bring this round, computed by the model:
    for every seat, decision and choice, the table's round is run from its real start (``past``
    replayed, same seed) with ``base`` changed in that one choice, and the seat's round summarised
    (:func:`_seat_summary`). Returns seat -> decision -> choice -> summary, with the summary of the
    unchanged ``base`` under the key ``"base"`` of each seat (decision ``"base"``, choice ``"base"``).

    A pooled budget needs both sides: the hospital's offers are run as if social care joined, and
    social care's answer as if the hospital offered 5%, when the other side's base says otherwise
    (the screen says so). Runs of the same table are shared. The same seed runs every option, but
    a different choice moves the random events that follow, so one run's difference is an
    indication, not an estimate."""
    from slsim.tools.workshop.decisions import CHOICES, decisions_for, options
    runs: dict[str, dict[str, float]] = {}
    rounds = {k: v for k, v in past.items() if k < round_no}
    if rounds:
        start_orgs = replay_table(setup, rounds, burn_in_cache=burn_in_cache, shocks=shocks)[1][round_no - 1]["orgs"]
    else:
        start_orgs = org_state(new_model(setup, burn_in_cache))

    def run(table: dict[str, dict[str, str]], seat: str) -> dict[str, float]:
        key = repr(sorted((k, sorted(v.items())) for k, v in table.items()))
        if key not in runs:
            model = replay_table(setup, rounds, burn_in_cache=burn_in_cache, shocks=shocks)[0] if rounds \
                else new_model(setup, burn_in_cache)
            runs[key] = run_round(model, round_no, table, setup.weeks_per_round, (shocks or {}).get(round_no, ()))
        return _seat_summary(start_orgs[seat], runs[key], seat)

    out: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for seat in ORG_KINDS:
        out[seat] = {"base": {"base": run(base, seat)}}
        for decision in decisions_for(seat):
            if decision not in CHOICES and decision not in ("pool_offer", "pool_answer"):
                continue
            out[seat][decision] = {}
            for choice in options(decision):
                table = {k: dict(v) for k, v in base.items()}
                table[seat][decision] = choice
                if decision == "pool_offer" and table["social_care"]["pool_answer"] != "yes":
                    table["social_care"]["pool_answer"] = "yes"
                if decision == "pool_answer" and table["acute"]["pool_offer"] == "none":
                    table["acute"]["pool_offer"] = "5"
                out[seat][decision][choice] = run(table, seat)
    return out
