"""Hospital flow: discharges, delayed transfers of care, emergency and elective admissions.

Rules, in order (Wolstenholme 1999: delays downstream block beds upstream):

1. **Leaving step-down and elective beds.** Elective patients go home after their week, with
   health need 0.1 lower. Step-down stays end at their drawn week (mean ``step_down_weeks``);
   reablement lowers care need by 0.1.
2. **Medically fit.** An acute patient whose fit week has come is medically fit. With care need
   below 0.5 they go home at once. Otherwise they need a destination: home with a care package
   (care need 0.5-0.57), step-down care (0.57-0.63) or a care home (0.63 and above), and until they
   leave they are a **delayed transfer** (in a bed, medically fit).
3. **Discharge.** Delayed patients are served first come, first served (fit week, then random).
   Each needs one assessment across the boundary (``model.discharge_capacity`` a week, made by
   joint work between the hospital and social care or community health) and then a free place at
   their destination: home care hours within the headroom the council has at the visit floor,
   a free step-down place, or an affordable care home place. Even then, one in ten such patients
   a week waits on a patient or family decision (about a tenth of delayed days, NHS England DToC
   statistics 2016/17). A patient who cannot leave stays
   delayed (reason: awaiting assessment, or awaiting a package or place) and deconditions: care
   need +0.01 and wellbeing -0.02 a week.
4. **Emergency admissions.** Beds for this week's planned electives (``elective_slots`` from the
   longest waiters) are held back. Crises, in random order, take the other free beds, then board in
   the held-back elective beds, cancelling an elective each (the cascade Wolstenholme describes);
   the rest get no bed this week (corridor care, turned away: their need stays unmet and health
   need rises 0.02). Electives with no free bed at all are cancelled too.
   Length of stay is geometric with mean ``acute_los_weeks * (0.6 + 0.8 * health_need)`` (at least
   one week).
5. **Electives.** Planned electives whose beds were not taken go ahead, plus as many more from the
   list as there are beds free beyond a buffer of 8% of beds (a hospital with room works its list
   down). Cancelled patients stay on the list.

Outputs: delayed transfers and bed-days, occupancy, admissions, electives done and cancelled,
and the hospital's pressure (occupancy against the 0.92 level that NHS Improvement flags).
"""

from __future__ import annotations

import numpy as np

from ..place import Org
from ..population import ACUTE, CARE_HOME, DELAYED, ELECTIVE, HOME, STEP_DOWN
from .shared import CARE_HOME_NEED, HOME_CARE_NEED, PATIENT_CHOICE_DELAY, STEP_DOWN_NEED, stochastic_round

OWNS = ("step_down_pressure", "delayed_now", "electives_done_now", "no_bed_now")
READS = ("crises", "discharge_capacity", "home_care_headroom", "care_home_affordable", "elig_threshold")
WRITES = ("home_care_headroom",)  # discharges home use up the council's spare home-care hours
TALLIES = ("delayed_transfers", "delayed_awaiting_assessment", "delayed_bed_days", "bed_occupancy",
           "emergency_admissions", "emergencies_without_bed", "electives_done", "electives_cancelled")

# The occupancy level NHS Improvement flags (uk_calibration.csv notes it beside the 0.85 planning threshold).
SAFE_OCCUPANCY = 0.92


def init(model) -> None:
    """Before the first week nobody is delayed and nothing has been done this week."""
    model.step_down_pressure = 0.0  # patients ready for or in step-down care per place this week
    model.delayed_now = 0  # delayed transfers at the end of the week (last week's until the hospital runs)
    model.electives_done_now = 0
    model.no_bed_now = 0  # crises that found no bed this week


def step(model) -> None:
    c = model.citizens
    p = model.params
    rng = model.streams["hospital"]
    week = model.week
    place = c.place
    model.settle_capacity()  # beds and places cut during the run close as they empty
    # 1. leaving elective and step-down beds
    done = place == ELECTIVE
    c.health_need[done] = np.maximum(0, c.health_need[done] - 0.1)
    place[done] = HOME
    out = (place == STEP_DOWN) & (c.leave_week <= week)
    c.care_need[out] = np.maximum(0, c.care_need[out] - 0.1)
    place[out] = HOME
    c.home_care[out] = c.care_need[out] > model.elig_threshold
    # 2. medically fit
    fit = np.flatnonzero((place == ACUTE) & (c.fit_week <= week))
    home_now = fit[c.care_need[fit] < HOME_CARE_NEED]
    place[home_now] = HOME
    place[fit[c.care_need[fit] >= HOME_CARE_NEED]] = DELAYED
    # 3. discharge of delayed patients, first come first served
    _, n_to_step_down = model.rules.discharge(model, rng)
    still = place == DELAYED
    c.care_need[still] = np.minimum(1, c.care_need[still] + 0.01)
    c.wellbeing[still] = np.maximum(0, c.wellbeing[still] - 0.02)
    n_delayed = int(still.sum())
    awaiting_assessment = int((still & ~c.assessed).sum())
    # 4. emergency admissions; beds are held back for this week's planned electives
    model.settle_capacity()  # beds emptied by discharges close first if a cut is pending
    occupied = int(np.isin(place, (ACUTE, DELAYED)).sum())
    free = max(0, model.beds - occupied)
    waiting = np.flatnonzero(c.waiting & (place == HOME))
    waiting = waiting[np.lexsort((rng.random(len(waiting)), c.wait_start[waiting]))]
    planned = min(stochastic_round(model.elective_slots, rng), len(waiting))
    reserved = min(planned, free)
    crises = model.crises
    crises = crises[place[crises] == HOME]
    crises = crises[rng.permutation(len(crises))]
    general = free - reserved
    admit = crises[:general + reserved]
    boarded = max(0, len(admit) - general)  # emergencies boarding in elective beds
    no_bed = crises[general + reserved:]
    place[admit] = ACUTE
    mean_los = np.maximum(1.0, p.acute_los_weeks * (0.6 + 0.8 * c.health_need[admit]))
    c.fit_week[admit] = week + rng.geometric(1 / mean_los)
    c.unmet[no_bed] = True
    c.health_need[no_bed] = np.minimum(1, c.health_need[no_bed] + 0.02)
    free -= len(admit)
    # 5. electives, longest waiters first: the planned ones whose beds were not taken, then extra
    # ones in beds free beyond the buffer.
    n_planned_done = reserved - boarded
    extra = max(0, free - n_planned_done - int(0.08 * model.beds))
    waiting = waiting[place[waiting] == HOME]  # an emergency admitted this week is not also an elective
    done_el = waiting[:min(len(waiting), n_planned_done + extra)]
    place[done_el] = ELECTIVE
    c.waiting[done_el] = False
    cancelled = planned - n_planned_done
    occupied_end = occupied + len(admit) + len(done_el)
    model.orgs.pressure[Org.ACUTE] = (occupied_end + len(no_bed)) / (SAFE_OCCUPANCY * model.beds)
    sd_demand = n_to_step_down + int((place == STEP_DOWN).sum())
    model.step_down_pressure = sd_demand / max(model.step_down_places, 1)
    w = model.w
    w["delayed_transfers"] = n_delayed
    w["delayed_awaiting_assessment"] = awaiting_assessment
    w["delayed_bed_days"] = 7 * n_delayed
    w["bed_occupancy"] = occupied_end / model.beds
    w["emergency_admissions"] = len(admit)
    w["emergencies_without_bed"] = len(no_bed)
    w["electives_done"] = len(done_el)
    w["electives_cancelled"] = cancelled
    model.delayed_now = n_delayed
    model.electives_done_now = len(done_el)
    model.no_bed_now = len(no_bed)


def discharge(model, rng) -> tuple[int, int]:
    """Rule 3, for all delayed patients at once: assess, then place, first come first served.

    Updates the citizen table in place and the council's home-care headroom (hours). Returns how
    many patients left with support, and how many were ready for step-down care (placed or not:
    the demand that sets step-down pressure). :func:`slsim.teaching.discharge` is the same rule, one
    patient at a time.
    """
    c = model.citizens
    p = model.params
    place = c.place
    week = model.week
    queue = np.flatnonzero(place == DELAYED)
    queue = queue[np.lexsort((rng.random(len(queue)), c.fit_week[queue]))]
    need_assess = queue[~c.assessed[queue]]
    n_assess = stochastic_round(model.discharge_capacity, rng)
    c.assessed[need_assess[:n_assess]] = True
    ready = queue[c.assessed[queue]]
    # Some discharges wait on the patient or family (choosing a home, equipment, a house move).
    ready = ready[rng.random(len(ready)) >= PATIENT_CHOICE_DELAY]
    cn = c.care_need[ready]
    to_ch = ready[cn >= CARE_HOME_NEED]
    to_sd = ready[(cn >= STEP_DOWN_NEED) & (cn < CARE_HOME_NEED)]
    to_hc = ready[cn < STEP_DOWN_NEED]
    free_ch = max(0, min(model.care_home_places, model.care_home_affordable) - int((place == CARE_HOME).sum()))
    free_sd = max(0, model.step_down_places - int((place == STEP_DOWN).sum()))
    go_ch, go_sd = to_ch[:free_ch], to_sd[:free_sd]
    place[go_ch] = CARE_HOME
    c.waiting[go_ch] = False  # electives are not done from care homes
    place[go_sd] = STEP_DOWN
    c.leave_week[go_sd] = week + rng.geometric(1 / p.step_down_weeks, len(go_sd))
    # Home care: each discharge uses its hours at the visit floor out of the council's headroom,
    # in queue order: one who does not fit stops the line (nobody jumps the queue).
    hours_at_floor = p.home_care_max_hours * c.care_need[to_hc] * p.visit_minutes_floor / p.visit_minutes_planned
    running = np.cumsum(hours_at_floor)
    n_hc = int(np.searchsorted(running, model.home_care_headroom, side="right"))
    go_hc = to_hc[:n_hc]
    model.home_care_headroom -= running[n_hc - 1] if n_hc else 0.0  # a running total, as one adds by hand
    place[go_hc] = HOME
    c.home_care[go_hc] = True
    left = np.concatenate([go_ch, go_sd, go_hc])
    c.assessed[left] = False
    return len(left), len(to_sd)
