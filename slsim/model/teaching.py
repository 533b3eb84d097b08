"""Teaching versions of three rules: one person, one dimension, one patient at a time.

The model runs every weekly rule as one pass over whole columns ("thin agents, fat columns"). That
is what lets a place of a hundred thousand citizens run a week in milliseconds, but it hides the story of one
person. This module tells three of the rules the way a trainer would: a loop over people, one
decision at a time, with the same random numbers drawn in the same order.

* :func:`socialise`: March (1991) socialisation, each staff member against their organisation's
  official way of working.
* :func:`learn_code`: March (1991) code learning, the official way of working against the people
  it listens to, one dimension at a time.
* :func:`discharge`: the hospital's discharge rule, each medically fit patient in the queue.

Run a whole place on them with ``SystemModel(..., rules="teaching")``. Because each version draws
the same random numbers as the fast one, a teaching run gives exactly the fast run's numbers, week
for week (tests check this), only more slowly (``benchmarks/bench_model.py --teaching`` says how
much). So what you read here is what the model does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from slsim.model import march
from slsim.model.population import CARE_HOME, DELAYED, HOME, STEP_DOWN
from slsim.model.processes import hospital
from slsim.model.processes.shared import PATHWAY, stochastic_round


# ---------------------------------------------------------------- March (1991)
def socialise(beliefs: np.ndarray, code: np.ndarray, p1, rng) -> None:
    """Socialisation, person by person: people drift towards the official way of working.

    For each person (a row of ``beliefs``) and each dimension of reality, in that order, the
    person rolls a die (a number in [0, 1)). If the official way of working has a view on that
    dimension, the person's belief differs from it, and the die is below the person's
    socialisation rate ``p1`` (a chance per week), the person adopts the official view.
    ``code`` is one way of working for everyone (dims,) or one per person (people x dims); ``p1``
    is one rate or one per person. Beliefs are +1, -1 or 0 (no view); changed in place.
    """
    people, dims = beliefs.shape
    official = np.broadcast_to(code, beliefs.shape)
    rate = np.broadcast_to(np.asarray(p1, float).reshape(-1) if np.ndim(p1) else p1, (people,))
    for person in range(people):
        for d in range(dims):
            die = rng.random()  # every person rolls on every dimension, whether or not it matters
            has_view = official[person, d] != 0
            differs = beliefs[person, d] != official[person, d]
            if has_view and differs and die < rate[person]:
                beliefs[person, d] = official[person, d]


def dimensions_right(beliefs: np.ndarray, reality: np.ndarray) -> int:
    """How many dimensions a set of beliefs has right (no view counts as not right)."""
    return sum(1 for belief, truth in zip(beliefs, reality) if belief == truth)


def learn_code(code: np.ndarray, group: np.ndarray, reality: np.ndarray, p2: float, rng) -> None:
    """Code learning, dimension by dimension: the official way of working learns from those who
    know more than it does.

    First the code finds its "superior group": the people in ``group`` (rows of beliefs) who have
    more dimensions right than it has. Then, for each dimension in order, it rolls a die and
    counts the superior group's votes: how many believe +1, how many -1. If there is a majority,
    the code disagrees with it, and k = (votes for the majority) - (votes for the code's current
    view, 0 if it has none) is positive, the code adopts the majority view if the die is below
    ``1 - (1 - p2) ** k``: each extra voice makes the change likelier. Changed in place.
    """
    if len(group) == 0:
        return
    code_score = dimensions_right(code, reality)
    superior = [person for person in group if dimensions_right(person, reality) > code_score]
    if not superior:
        return
    for d in range(len(code)):
        die = rng.random()
        plus = sum(1 for person in superior if person[d] == 1)
        minus = sum(1 for person in superior if person[d] == -1)
        if plus == minus:
            continue  # no majority on this dimension
        majority, votes = (1, plus) if plus > minus else (-1, minus)
        if code[d] == majority:
            continue
        votes_for_code = plus if code[d] == 1 else minus if code[d] == -1 else 0
        k = votes - votes_for_code
        if k > 0 and die < 1 - (1 - p2) ** k:
            code[d] = majority


# ---------------------------------------------------------------- the hospital's discharges
def discharge(model, rng) -> tuple[int, int]:
    """Discharge, patient by patient: who leaves hospital this week, and who stays delayed.

    **The queue.** Every patient who is medically fit but still in a bed (a delayed transfer),
    first come first served: the earliest fit week first; among patients who became fit in the
    same week, each draws a random number (in table order) and the lowest goes first.

    **Assessments.** The week's assessments across the boundary (``model.discharge_capacity``, a
    number of patients, rounded up or down at random by its fraction) go down the queue: each
    patient not yet assessed takes one while any are left.

    **Families.** Walking down the queue again, each assessed patient rolls a die: with chance
    {patient_choice_delay} (``pathway.patient_choice_delay``) they wait on a patient or family
    decision this week.

    **Places.** The rest, in queue order, go where their care need sends them, if there is room:
    a care home (need {care_home_need} or more) while a place is free and affordable; step-down
    care ({step_down_need} to {care_home_need}) while a place is free, staying a number of weeks drawn at random (mean
    ``step_down_weeks``); home with a care package ({home_care_need} to {step_down_need}, or step-down patients once
    step-down care is full: discharge to assess at home) while the package's hours at the visit
    floor fit in the council's spare hours (``model.home_care_headroom``, hours a week). The
    first patient whose package does not fit stops that line: nobody behind them jumps ahead.
    A patient who leaves needs a new assessment if they are ever delayed again.

    Returns how many patients left, and how many were ready for step-down care (placed or not).
    """
    c, p = model.citizens, model.params
    pathway = model.coef.pathway
    delayed = [row for row in range(len(c.place)) if c.place[row] == DELAYED]
    # Each patient's own tie-break and family die, keyed by who they are (common random numbers).
    tie_break = {row: model.draws.uniform("hospital.queue_order", [row])[0] for row in delayed}
    queue = sorted(delayed, key=lambda row: (c.fit_week[row], tie_break[row]))

    assessments_left = stochastic_round(model.discharge_capacity, rng)
    for row in queue:
        if not c.assessed[row] and assessments_left > 0:
            c.assessed[row] = True
            assessments_left -= 1
    ready = [row for row in queue
             if c.assessed[row]
             and model.draws.uniform("hospital.family_choice", [row])[0] >= pathway.patient_choice_delay]

    care_home_free = max(0, min(model.care_home_places, model.care_home_affordable)
                         - int((c.place == CARE_HOME).sum()))
    step_down_free = max(0, model.step_down_places - int((c.place == STEP_DOWN).sum()))
    home_care_line_open = True
    hours_used = 0.0
    left, ready_for_step_down = [], 0
    for row in ready:
        need = c.care_need[row]
        if need >= pathway.care_home_need:
            if care_home_free > 0:
                care_home_free -= 1
                c.place[row] = CARE_HOME
                c.waiting[row] = False  # electives are not done from care homes
                left.append(row)
        elif need >= pathway.step_down_need and step_down_free > 0:
            ready_for_step_down += 1
            step_down_free -= 1
            c.place[row] = STEP_DOWN
            stay = model.draws.geometric("hospital.step_down_stay", [row], 1 / p.step_down_weeks)[0]
            c.leave_week[row] = model.week + stay
            left.append(row)
        elif home_care_line_open:
            # Home care, or (step-down care being full) discharge to assess at home.
            ready_for_step_down += need >= pathway.step_down_need
            hours = p.home_care_max_hours * need * p.visit_minutes_floor / p.visit_minutes_planned
            if hours_used + hours <= model.home_care_headroom:
                hours_used += hours
                c.place[row] = HOME
                c.home_care[row] = True
                left.append(row)
            else:
                home_care_line_open = False
        else:
            ready_for_step_down += need >= pathway.step_down_need
    model.home_care_headroom -= hours_used
    for row in left:
        c.assessed[row] = False
    return len(left), ready_for_step_down


discharge.__doc__ = PATHWAY.document(discharge.__doc__)


# ---------------------------------------------------------------- the two rule books
@dataclass(frozen=True)
class Rules:
    """The rules a model uses where a teaching version exists (see the module docstring)."""

    socialise: Callable
    learn_code: Callable
    discharge: Callable


RULES = {
    "fast": Rules(march.socialise, march.learn_code, hospital.discharge),
    "teaching": Rules(socialise, learn_code, discharge),
}
