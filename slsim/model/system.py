"""SystemModel: one local health and social care system ("a place"), stepped week by week.

The story of a week (the step order, a design decision documented in ``docs/model.md``):

 1. **Timeline.** Scenario events due this week change parameters (austerity, a winter surge,
    a switch of leadership style).
 2. **Staff time** (:mod:`~slsim.model.processes.time_use`). Every staff member splits their hours
    between direct care, work across boundaries, involving citizens, improvement and defensive
    work, from their attitudes, their organisation's leadership and last week's pressure.
 3. **Joint work** (:mod:`~slsim.model.processes.joint_work`). Cross-boundary hours become joint pieces
    of work with partner organisations; whether each succeeds depends on trust. Successes become
    discharge assessments and joined-up care for complex citizens.
 4. **Needs** (:mod:`~slsim.model.processes.needs`). Needs drift up with age, faster where unmet;
    some citizens move away and are replaced; preventive support meets needs (fitting better
    when designed with the citizen); then crises and elective referrals arise.
 5. **Hospital flow** (:mod:`~slsim.model.processes.hospital`). Discharges need an assessment across
    the boundary and a place downstream, or the patient is a delayed transfer; emergencies take
    free beds, then elective beds (cancelling electives).
 6. **Care at home** (:mod:`~slsim.model.processes.home_care`). Purchased hours are spread over
    clients: visits shorten to the floor, then eligibility tightens.
 6b. **Pressure.** Each organisation's pressure, combined from the parts the hospital, needs and
    care at home measured (:meth:`SystemModel.combine_pressure`).
 7. **Voice** (:mod:`~slsim.model.processes.voice`). Citizens raise their voice; listening time decides
    who is heard, and outsiders are reached only by outreach.
 8. **Failures and responses** (:mod:`~slsim.model.processes.failures`). Incidents happen, some are
    reported, and leaders answer them with blame or joint review.
 9. **Learning** (:mod:`~slsim.model.processes.learning`). March (1991) socialisation and code learning;
    pilots started, judged and scaled.
10. **Culture, network and workforce** (:mod:`~slsim.model.processes.culture`). Stress, defensiveness,
    mindset and agency move; ties across boundaries form from small wins and decay under blame;
    burnt-out staff leave and posts stay vacant for a while.
11. **Money** (:mod:`~slsim.model.processes.money`). Spending against budget; deficits accumulate.
12. **Measure** (:mod:`~slsim.model.metrics`). The outcome columns, one row per week.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from pydantic import ValidationError

from slsim.model import metrics
from slsim.model.agents import Citizen, Organisation, Staff
from slsim.model.burn_in_cache import BurnInCache
from slsim.model.draws import PersonDraws
from slsim.model.params import FIXED_DURING_RUN, LEADERSHIP_FIELDS, ParameterError, Params, describe_validation_error
from slsim.model.people import PeopleLog
from slsim.model.place import ORG_KINDS, ORG_STAFF_SHARE, Org
from slsim.model.population import FRONTLINE, MANAGER, SENIOR, Table, make_citizens, make_staff
from slsim.model.processes import PROCESSES, STREAMS, Coefficients
from slsim.model.scenario import Scenario, resolve_scenario
from slsim.model.teaching import RULES

# Above this many citizens, Citizen agent objects are made only on demand (memory and set-up time).
CITIZEN_OBJECT_LIMIT = 200_000

# Parameters the burn-in replaces with its own (today's leadership, no trends).
_SET_BY_BURN_IN = (*LEADERSHIP_FIELDS, "leadership_overrides", "need_growth_per_year",
                   "nhs_budget_change_per_year", "social_care_budget_change_per_year")
# The place's own state that a burn-in changes, besides what each process owns.
_PLACE_STATE = ("citizens", "staff", "orgs", "streams", "capacity_pending", "beds", "step_down_places",
                "care_home_places", "elective_slots", "week", "w")
_BURNT_IN_STATE = _PLACE_STATE + tuple(name for p in PROCESSES for name in p.owns if "." not in name)


class SystemModel(mesa.Model):
    """A place: organisations, staff and citizens under resource pressure.

    Args:
        scenario: a built-in scenario name (see ``slsim.list_scenarios()``), a path to a scenario
            YAML file, a :class:`~slsim.model.scenario.Scenario`, or None for the default place.
        rng: seed (int) for all randomness; same seed and parameters give identical results.
        timeline: extra events ``[{"week": N, "set": {...}}]`` added to the scenario's own.
        profile: time each phase of the week into ``phase_seconds``.
        citizen_objects: create a Citizen agent per row (default: up to 200,000 citizens; above
            that, citizens are columns only and ``model.citizen(row)`` makes a view on demand).
        rules: ``"fast"`` (default) or ``"teaching"``: run socialisation, code learning and
            discharges one person at a time, as :mod:`slsim.model.teaching` tells them. Same numbers,
            slower.
        record_people: keep every citizen's end-of-week state in ``people``
            (:class:`~slsim.model.people.PeopleLog`): where they are, why a delayed patient waits;
            what ``slsim.follow`` tells one person's story from.
        burn_in_cache: a :class:`~slsim.model.burn_in_cache.BurnInCache` its owner (the run layer, a
            browser session) shares between the models it builds, so a place and seed burn in once;
            None (default) burns in afresh. Same numbers either way.
        **params: any parameter of :class:`~slsim.model.params.Params` by name, overriding the scenario.

    Every week is one call of :meth:`step`; ``datacollector`` holds one row per week.
    """

    def __init__(self, scenario: str | Path | Scenario | None = None, *, rng: int | None = None,
                 timeline: list[dict[str, Any]] | None = None, profile: bool = False,
                 citizen_objects: bool | None = None, rules: str = "fast",
                 burn_in_cache: BurnInCache | None = None, record_people: bool = False, **params: Any) -> None:
        if rng is None:
            rng = int(np.random.SeedSequence().entropy % (2**32))
        if not isinstance(rng, (int, np.integer)) or isinstance(rng, bool) or rng < 0:
            raise ParameterError(f"rng: {rng!r} is not a seed; allowed: a whole number >= 0")
        if not isinstance(rules, str) or rules not in RULES:
            raise ParameterError(f"rules: {rules!r} is not a rule book; allowed: {', '.join(map(repr, RULES))}")
        super().__init__(rng=int(rng))
        self.seed = int(rng)
        self.rules = RULES[rules]
        self.scenario_spec = resolve_scenario(scenario)
        self.params: Params = self.scenario_spec.params_with(params)
        self._coef_for = None
        self.timeline = self.scenario_spec.timeline_with(timeline)
        self.streams = {name: np.random.default_rng(s) for name, s in
                        zip(STREAMS, np.random.SeedSequence(self.seed).spawn(len(STREAMS)))}
        self.draws = PersonDraws(self)  # each person's own random numbers, keyed by who and when
        # The place is built at the start of its burn-in, which ends at week 0 (see _burn_in).
        self.week = -self.params.burn_in_weeks
        self.events: list[tuple[int, str, str, str]] = []  # (week, kind, organisation, text)
        self.profile = profile
        self._stepping = False
        self.citizen_objects = citizen_objects
        self.people = PeopleLog() if record_people else None
        self.phase_seconds: dict[str, float] = defaultdict(float)
        self.w: dict[str, float] = {}  # this week's outcome tallies, read only by metrics
        self._build()
        self._burn_in(burn_in_cache)
        self.datacollector = mesa.DataCollector(model_reporters=metrics.model_reporters())

    @property
    def coef(self) -> Coefficients:
        """This run's coefficients of the rules, one attribute per block (``self.coef.hospital``):
        the defaults with the parameters' ``coefficients`` applied, remade whenever the parameters
        are replaced (an intervention, the burn-in's own leadership)."""
        if self._coef_for is not self.params:
            self._coef, self._coef_for = Coefficients(self.params.coefficients), self.params
        return self._coef

    # ------------------------------------------------------------------ building the place
    def _build(self) -> None:
        p = self.params
        n = p.n_citizens
        m = p.knowledge_dims
        self.citizens = make_citizens(n, m, p.initial_need, p.outsider_share, self.streams["population"],
                                      self.coef.population)
        self.organisations = [Organisation(self, kind, i, p.leadership_for(kind)) for i, kind in enumerate(ORG_KINDS)]
        self._build_staff()
        self._build_orgs()
        self._build_capacity()
        # Each process's columns first, so that every init finds every column; then each process
        # sets up the state it owns (see slsim.model.processes), in step order: together they start
        # the place lived-in: people on the pathway, clients with packages, budgets.
        for process in PROCESSES:
            for column in process.columns:
                table = getattr(self, column.table)
                table.add_column(column.name, column.make(table.n, p))
        for process in PROCESSES:
            process.init(self)
        self.staff_agents = [Staff(self, i) for i in range(self.staff.n)]
        eager = self.citizen_objects if self.citizen_objects is not None else n <= CITIZEN_OBJECT_LIMIT
        self._citizen_views: dict[int, Citizen] = {}
        self.citizen_agents = [Citizen(self, i) for i in range(n)] if eager else None

    def _build_staff(self) -> None:
        p = self.params
        k = self.coef.workforce
        rng = self.streams["staff"]
        counts = _apportion(p.n_staff, ORG_STAFF_SHARE)
        org = np.repeat(np.arange(len(ORG_KINDS)), counts)
        role = np.full(len(org), FRONTLINE)
        for o in range(len(ORG_KINDS)):
            rows = np.flatnonzero(org == o)
            n_senior = max(1, round(k.senior_share * len(rows)))
            n_manager = round(k.manager_share * len(rows))
            role[rows[:n_senior]] = SENIOR
            role[rows[n_senior:n_senior + n_manager]] = MANAGER
        self.staff = make_staff(org, role, p.knowledge_dims, rng, k)

    def _build_orgs(self) -> None:
        k = len(ORG_KINDS)
        # Pressure 1 is each organisation's reference level, until the first week's parts arrive.
        self.orgs = Table(k, pressure=np.ones(k), posts=np.bincount(self.staff.org, minlength=k).astype(float))
        self.refresh_style()

    def refresh_style(self) -> None:
        """Copy each organisation's leadership behaviours into per-organisation arrays."""
        for org in self.organisations:
            org.style = self.params.leadership_for(org.kind)
        self.style = {name: np.array([o.style[name] for o in self.organisations]) for name in LEADERSHIP_FIELDS}

    def _build_capacity(self) -> None:
        """Physical capacity of the place, from the per-1,000 parameters (at least one of each).

        A cut during a run sets a target: beds and places close only as the people in them leave
        (see :meth:`settle_capacity`), so nobody is put out of a bed by a parameter change.
        """
        p = self.params
        per = p.n_citizens / 1000
        target = {
            "beds": max(1, round(p.acute_beds_per_1000 * per)),
            "step_down_places": max(1, round(p.step_down_places_per_1000 * per)),
            "care_home_places": max(1, round(p.care_home_places_per_1000 * per)),
        }
        self.elective_slots = p.elective_slots_per_1000 * per
        if not hasattr(self, "beds"):
            self.beds, self.step_down_places, self.care_home_places = target.values()
            self.capacity_pending = {}
        else:
            self.capacity_pending = {k: v for k, v in target.items() if v != getattr(self, k)}
            self.settle_capacity()

    def settle_capacity(self) -> None:
        """Move capacity towards a changed target: openings at once, closures only as beds and
        places empty (nobody is put out of a bed by a parameter change)."""
        if not self.capacity_pending:
            return
        from slsim.model.population import CARE_HOME, IN_BED, STEP_DOWN
        place = self.citizens.place
        in_use = {"beds": int(np.isin(place, IN_BED).sum()),
                  "step_down_places": int((place == STEP_DOWN).sum()),
                  "care_home_places": int((place == CARE_HOME).sum())}
        for name, target in list(self.capacity_pending.items()):
            setattr(self, name, max(target, in_use[name]))
            if getattr(self, name) == target:
                del self.capacity_pending[name]

    def _burn_in(self, cache: BurnInCache | None) -> None:
        """Run the place unseen for ``burn_in_weeks`` weeks before week 1, so that week 1 finds it
        in its own steady state rather than in a start-up transient.

        Every scenario burns in under today's leadership (the default leadership behaviours, no
        overrides), with demand and budgets held at their opening levels and no timeline events:
        so every scenario of a place starts from the same state, and a scenario's own leadership
        acts from week 1, through people, at the speeds the rules say. The weeks of the burn-in
        are numbered up to 0; its events, tallies and running balances are cleared at the end.
        A place and seed found in ``cache`` take its copy of that state instead of the weeks.
        """
        weeks = self.params.burn_in_weeks
        if weeks == 0:
            return
        key = self._burn_in_key() if cache is not None and cache.keeps(self.params.n_citizens) else None
        cached = cache.get(key) if key is not None else None
        if cached is not None:
            # The same place and seed burnt in before (another scenario of a comparison, say):
            # its state after the burn-in is the same, so take a copy rather than run it again.
            for name, value in cached.items():
                setattr(self, name, value)
            self.refresh_style()
            return
        scenario_params = self.params
        today = {name: Params.model_fields[name].default for name in LEADERSHIP_FIELDS}
        today |= {"leadership_overrides": {}, "need_growth_per_year": 0.0,
                  "nhs_budget_change_per_year": 0.0, "social_care_budget_change_per_year": 0.0}
        self.params = scenario_params.model_copy(update=today)
        self.refresh_style()
        # The burn-in always runs on the fast rules: the teaching rules give the same numbers by
        # construction (tests/test_teaching.py), only more slowly, and nobody watches these weeks.
        rules, self.rules = self.rules, RULES["fast"]
        for _ in range(weeks):
            self._advance_week(measure=False)
        self.rules = rules
        self.week = 0
        self.params = scenario_params
        self.refresh_style()
        self.events.clear()
        self.w = {}
        self.orgs.balance[:] = 0.0
        if key is not None:
            cache.put(key, {name: getattr(self, name) for name in _BURNT_IN_STATE})

    def _burn_in_key(self) -> tuple:
        """What the state after the burn-in depends on: the place's parameters (not its leadership
        or trends, which the burn-in sets) and the seed."""
        place = self.params.model_dump(exclude=set(_SET_BY_BURN_IN))
        return json.dumps(place, sort_keys=True, default=str), self.seed

    # ------------------------------------------------------------------ stepping
    def step(self) -> None:
        """Advance the place by one week (see the module docstring for the order)."""
        self._advance_week(measure=True)
        if self.people is not None:
            self.people.record(self)

    def _advance_week(self, measure: bool, view=None, around=None) -> None:
        """One week's phases in order; during the burn-in without the timeline and the measures.

        ``view(phase)`` and ``around(phase, run)`` let :func:`slsim.model.contracts.observe` hand each
        process a recording view of the place and compare the state around it; an ordinary run
        passes neither.
        """
        self.week += 1
        self.w = defaultdict(float)
        self._stepping = True
        try:
            for phase, fn in _PHASE_FUNCTIONS:
                if not measure and phase in ("timeline", "measure"):
                    continue
                if view is not None and phase not in ("timeline", "measure"):
                    around(phase, lambda: fn(view(phase)))  # noqa: B023 - called at once
                elif self.profile:
                    t0 = time.perf_counter()
                    fn(self)
                    self.phase_seconds[phase] += time.perf_counter() - t0
                else:
                    fn(self)
        finally:
            self._stepping = False

    def combine_pressure(self) -> None:
        """Each organisation's pressure this week, from the part its own process measured: the
        acute hospital's occupancy (hospital), primary care's and the voluntary sector's demand for
        support (needs), adult social care's home-care demand and community health's step-down and
        primary-care load (care at home). Runs once the last of them has run, so every process after
        it, and next week's time use, reads one pressure per organisation."""
        pressure = self.orgs.pressure
        pressure[Org.ACUTE] = self.acute_pressure
        pressure[[Org.PRIMARY_CARE, Org.VOLUNTARY]] = self.support_pressure
        pressure[Org.SOCIAL_CARE] = self.social_care_pressure
        pressure[Org.COMMUNITY] = self.community_pressure

    def _apply_timeline(self) -> None:
        due = [ev for ev in self.timeline if ev.week == self.week]
        for ev in due:
            self.apply_intervention(ev.set, note=ev.note, kind="timeline")

    def apply_intervention(self, changes: dict[str, Any], note: str = "", kind: str = "intervention") -> None:
        """Change parameters (a scenario event during a week, or a trainer's intervention between
        weeks, which acts from the next week and is logged there).

        Raises :class:`~slsim.model.params.ParameterError` (and changes nothing) if a value is invalid or
        changes the size of the place (``FIXED_DURING_RUN``). Capacity cuts close beds and places
        as they empty.
        """
        bad = sorted(set(changes) & set(FIXED_DURING_RUN))
        if bad:
            raise ParameterError(f"{bad} set the place up (size, make-up, opening state) "
                                 "and cannot change during a run")
        merged = self.params.model_dump() | changes
        try:
            new = Params(**merged)
        except ValidationError as err:
            raise ParameterError(describe_validation_error(err, "intervention")) from None
        self.params = new
        self.refresh_style()
        self._build_capacity()
        text = note or ", ".join(f"{k} = {v}" for k, v in changes.items())
        # Between weeks a change acts from the next week: log it there, as timeline events are.
        self.log(kind, "place", text, week=self.week if self._stepping else self.week + 1)

    def log(self, kind: str, organisation: str, text: str, week: int | None = None) -> None:
        """Record an event in words for the event log (a few per week, never per agent)."""
        self.events.append((self.week if week is None else week, kind, organisation, text))

    def _measure(self) -> None:
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ views
    def citizen(self, row: int) -> Citizen:
        """The Citizen agent for a row of the citizen table (made on demand for very large places)."""
        if self.citizen_agents is not None:
            return self.citizen_agents[row]
        if not 0 <= row < self.citizens.n:
            raise IndexError(f"citizen row {row} out of range 0..{self.citizens.n - 1}")
        view = self._citizen_views.get(row)
        if view is None:
            view = self._citizen_views[row] = Citizen(self, row)
        return view

    def event_log(self):
        """The event log as a DataFrame: week, kind, organisation, text."""
        import pandas as pd
        return pd.DataFrame(self.events, columns=["week", "kind", "organisation", "text"])

    def results(self):
        """The model-level outcome frame, one row per simulated week (weeks 1, 2, ...)."""
        return self.datacollector.get_model_vars_dataframe()


def _apportion(total: int, shares: np.ndarray) -> np.ndarray:
    """Whole numbers in proportion to ``shares`` that add up to ``total``, at least one each
    (largest remainders)."""
    counts = np.maximum(1, np.floor(shares * total)).astype(int)
    remainder = shares * total - np.floor(shares * total)
    for i in np.argsort(-remainder, kind="stable"):
        if counts.sum() >= total:
            break
        counts[i] += 1
    while counts.sum() > total and counts.max() > 1:  # only when the minimum of one overshoots
        counts[np.argmax(counts)] -= 1
    return counts


# The phases of a week: scenario events first, then every process in order, with the organisations'
# pressure combined once care at home (the last process to measure a part of it) has run, then the
# measures.
def _phases():
    yield "timeline", SystemModel._apply_timeline
    for process in PROCESSES:
        yield process.name, process.step
        if process.name == "home_care":
            yield "pressure", SystemModel.combine_pressure
    yield "measure", SystemModel._measure


_PHASE_FUNCTIONS = tuple(_phases())
