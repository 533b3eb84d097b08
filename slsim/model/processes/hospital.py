"""Hospital flow: discharges, delayed transfers of care, emergency and elective admissions.

Rules, in order (Wolstenholme 1999: delays downstream block beds upstream):

1. **Leaving step-down and elective beds.** Elective patients go home after their week, with
   health need {elective_recovery} lower. Step-down stays end at their drawn week (mean
   ``step_down_weeks``); reablement lowers care need by {reablement}.
2. **Medically fit.** An acute patient whose fit week has come is medically fit. With care need
   below ``pathway.home_care_need`` they go home at once. Otherwise they need a destination: home
   with a care package (care need from ``pathway.home_care_need``), step-down care (from
   ``pathway.step_down_need``) or a care home (from ``pathway.care_home_need``), and until they
   leave they are a **delayed transfer** (in a bed, medically fit).
3. **Discharge.** Delayed patients are served first come, first served (fit week, then random).
   Each needs one assessment across the boundary (``model.discharge_capacity`` a week, made by
   joint work between the hospital and social care or community health) and then a free place at
   their destination: home care hours within the headroom the council has at the visit floor,
   a free step-down place (or, when step-down care is full, home care as above: discharge to
   assess at home), or an affordable care home place. Even then, ``pathway.patient_choice_delay``
   of such patients a week wait on a patient or family decision. A patient who cannot leave stays
   delayed (reason: awaiting assessment, or awaiting a package or place) and deconditions: care
   need +{deconditioning} and wellbeing -{delay_wellbeing_loss} a week.
4. **Emergency admissions.** Beds for this week's planned electives (``elective_slots`` from the
   longest waiters) are held back. Crises, in random order, take the other free beds, then board in
   the held-back elective beds, cancelling an elective each (the cascade Wolstenholme describes);
   the rest get no bed this week (corridor care, turned away: their need stays unmet and health
   need rises {no_bed_harm}). Electives with no free bed at all are cancelled too.
   Length of stay is geometric with mean ``acute_los_weeks * ({los_base} + {los_need} * health_need)
   * (1 + {staffing_los} * shortfall) * (1 - {crowding_los} * crowding)`` (at least one week).
   Crowding is occupancy above {crowding_start:.0%} as a share of the next {crowding_span:.0%}
   (0 to 1): on a full hospital clinicians send people home sooner, a balancing loop every bed
   manager knows. Shortfall is how far the hospital's direct care hours this week fall short of
   what its occupied beds need (the hours per occupied bed it was staffed for when the place
   opened, at ``pathway.direct_planned`` of hours on direct care and {occupancy_planned:.0%}
   occupancy): thin wards mean slower recovery and later discharge, so every hour the hospital's
   staff move across boundaries is paid for on the wards that week.
5. **Electives.** Patients referred at least {pre_op_weeks} weeks ago (outpatients, diagnostics and
   pre-operative assessment come first) are ready to be scheduled, longest waiters first. Planned
   electives whose beds were not taken go ahead, plus more from the ready list in beds free beyond
   a buffer of {elective_buffer:.0%} of beds, up to {theatre_headroom} of the planned slots (theatre
   and staff capacity): a hospital with room works its list down, but not without limit.
   Cancelled patients stay on the list. Each week {list_attrition:.1%} of those waiting leave the
   list untreated (validation: treated elsewhere, no longer wanting or needing it).

Delayed transfers are counted on an average day of the week: the mean of the count when this
week's patients become fit (before any leaves) and the count at the end of the week, so a patient
who became fit and left within the week counts as having waited days, as in England's delayed
days. Managers and leaders react to the recent level: {delay_trend:.0%} this week's, the rest the
level before.

Outputs: delayed transfers and bed-days, occupancy, admissions, electives done and cancelled,
length of stay (days in an acute bed per emergency admission, by Little's law over an admission
rate smoothed {admissions_weight:.0%} a week), and the hospital's pressure (occupancy against the
{safe_occupancy} level that NHS Improvement flags).
"""

from __future__ import annotations

import numpy as np

from slsim.model.coefficients import ASSUMPTION, Block, Coefficient
from slsim.model.place import Org
from slsim.model.population import ACUTE, CARE_HOME, DELAYED, DIRECT, ELECTIVE, HOME, STEP_DOWN, Column
from slsim.model.processes.shared import stochastic_round

OWNS = ("step_down_pressure", "delayed_now", "delayed_trend", "electives_done_now", "no_bed_now", "care_hours_per_bed",
        "acute_shortfall", "admissions_rate", "acute_pressure")
COLUMNS = (Column("citizens", "place", np.int8),  # where on the care pathway (population.HOME, ACUTE, ...)
           Column("citizens", "fit_week", np.int32),  # week an acute patient becomes medically fit
           Column("citizens", "leave_week", np.int32),  # week a step-down stay ends
           Column("citizens", "assessed", bool))  # assessed for discharge across the boundary
READS = ("crises", "discharge_capacity", "home_care_headroom", "care_home_affordable", "elig_threshold",
         "org_hours", "citizens.wait_start")
WRITES = (
    "home_care_headroom",  # discharges home use up the council's spare home-care hours
    # Patients recover, decondition while delayed, and are harmed without a bed: the population's columns.
    "citizens.health_need", "citizens.care_need", "citizens.wellbeing",
    "citizens.home_care",  # a patient discharged home with a package, or home from step-down care, has one
    "citizens.waiting",  # an elective done, or validated off the list
    "citizens.unmet",  # a crisis without a bed leaves need unmet
)
TALLIES = ("delayed_transfers", "delayed_awaiting_assessment", "delayed_bed_days", "bed_occupancy",
           "emergency_admissions", "emergencies_without_bed", "electives_done", "electives_cancelled",
           "acute_length_of_stay_days", "delayed_share_of_beds")

COEFFICIENTS = Block(
    "hospital",
    Coefficient("elective_recovery", 0.1, "health need 0-1", (0.0, 0.5),
                f"{ASSUMPTION} an operation takes away part of the need that put a patient on the list",
                "Fall of health need after an elective procedure."),
    Coefficient("reablement", 0.1, "care need 0-1", (0.0, 0.5),
                f"{ASSUMPTION} step-down care restores some independence (reablement)",
                "Fall of care need after a stay in step-down care."),
    Coefficient("deconditioning", 0.005, "care need per week", (0.0, 0.05),
                f"{ASSUMPTION} older patients lose mobility in bed; small so that weeks, not days, matter",
                "Care need a delayed patient gains for each week in bed."),
    Coefficient("delay_wellbeing_loss", 0.02, "wellbeing 0-1 per week", (0.0, 0.2),
                f"{ASSUMPTION} waiting in a bed while fit to leave is distressing",
                "Wellbeing a delayed patient loses each week."),
    Coefficient("no_bed_harm", 0.02, "health need 0-1", (0.0, 0.2),
                f"{ASSUMPTION} a crisis without a bed (corridor care, turned away) worsens health",
                "Rise of health need of a crisis that found no bed this week."),
    Coefficient("los_base", 0.6, "multiple of acute_los_weeks", (0.1, 2.0),
                f"{ASSUMPTION} with los_need, sets the stay of the healthiest patient against the sickest",
                "Mean stay of a patient with health need 0, as a multiple of acute_los_weeks."),
    Coefficient("los_need", 0.8, "multiple of acute_los_weeks per unit of health need", (0.0, 3.0),
                f"{ASSUMPTION} sicker patients stay longer; at the mean admitted need the stay is near "
                "acute_los_weeks",
                "Rise of the mean stay per unit of health need."),
    Coefficient("staffing_los", 0.5, "share of stay per unit of shortfall", (0.0, 2.0),
                f"{ASSUMPTION} thin wards slow recovery and discharge",
                "Rise of length of stay per unit of direct-care shortfall."),
    Coefficient("crowding_los", 0.25, "share of stay", (0.0, 0.9),
                f"{ASSUMPTION} on a full hospital clinicians send people home sooner",
                "Fall of length of stay when the hospital is fully crowded."),
    Coefficient("crowding_start", 0.85, "bed occupancy", (0.5, 0.99),
                "the 85% occupancy widely used as a safe planning threshold (BMA; slsim/data/uk_calibration.csv)",
                "Occupancy above which crowding begins to shorten stays."),
    Coefficient("crowding_span", 0.15, "bed occupancy", (0.01, 0.5),
                f"{ASSUMPTION} crowding is full at 100% occupancy (crowding_start + crowding_span)",
                "Occupancy range over which crowding rises from none to full."),
    Coefficient("occupancy_planned", 0.9, "bed occupancy", (0.5, 1.0),
                "England's general and acute occupancy of 0.90 (NHS England bed availability, 2018/19 Q1, via "
                "the Nuffield Trust; slsim/data/uk_calibration.csv)",
                "Occupancy the wards were staffed for when the place opened.", setup=True),
    Coefficient("pre_op_weeks", 4, "weeks", (0, 26),
                f"{ASSUMPTION} outpatients, diagnostics and pre-operative assessment come first",
                "Weeks from referral before a patient can be scheduled.", integer=True),
    Coefficient("elective_buffer", 0.08, "share of beds", (0.0, 0.5),
                f"{ASSUMPTION} bed managers keep some beds for the next emergencies before adding electives",
                "Free beds kept back before extra electives are added."),
    Coefficient("theatre_headroom", 0.25, "share of planned elective slots", (0.0, 2.0),
                f"{ASSUMPTION} theatre and staff time limit how far a list can be worked down",
                "Extra electives a week at most, as a share of planned slots."),
    Coefficient("list_attrition", 0.004, "probability per week", (0.0, 0.05),
                f"{ASSUMPTION} validation removes about a fifth of a list a year",
                "Weekly chance that a waiting patient leaves the list untreated."),
    Coefficient("delay_trend", 0.3, "weight of this week", (0.01, 1.0),
                f"{ASSUMPTION} bed meetings look back a few weeks",
                "Weight of this week in the delays managers react to."),
    Coefficient("admissions_weight", 0.1, "weight of this week", (0.01, 1.0),
                f"{ASSUMPTION} smooths a week's noise out of length of stay (about ten weeks' memory)",
                "Weight of this week in the admission rate that length of stay is measured over."),
    Coefficient("safe_occupancy", 0.92, "bed occupancy", (0.5, 1.0),
                "the 92% occupancy NHS Improvement flags (slsim/data/uk_calibration.csv)",
                "Occupancy at which the hospital's pressure is 1."),
)
__doc__ = COEFFICIENTS.document(__doc__)


def init(model) -> None:
    """Before the first week nobody is delayed and nothing has been done this week."""
    model.step_down_pressure = 0.0  # patients ready for or in step-down care per place this week
    model.delayed_now = 0  # delayed transfers on an average day this week (last week's until the hospital runs)
    model.delayed_trend = 0.0  # the recent level managers and leaders react to (smoothed, hospital.delay_trend)
    model.electives_done_now = 0
    model.no_bed_now = 0  # crises that found no bed this week
    acute_posts = model.orgs.posts[Org.ACUTE]
    model.care_hours_per_bed = (model.params.hours_per_week * acute_posts * model.coef.pathway.direct_planned
                                / max(1.0, model.coef.hospital.occupancy_planned * model.beds))
    model.acute_shortfall = 0.0  # share by which direct care hours fall short of occupied beds' need
    model.admissions_rate = None  # smoothed emergency admissions a week (None before the first)
    model.acute_pressure = 1.0  # occupancy against hospital.safe_occupancy (1 until the first week)


def step(model) -> None:
    c = model.citizens
    p = model.params
    k = model.coef.hospital
    pathway = model.coef.pathway
    rng = model.streams["hospital"]
    week = model.week
    place = c.place
    model.settle_capacity()  # beds and places cut during the run close as they empty
    # 1. leaving elective and step-down beds
    done = place == ELECTIVE
    c.health_need[done] = np.maximum(0, c.health_need[done] - k.elective_recovery)
    place[done] = HOME
    out = (place == STEP_DOWN) & (c.leave_week <= week)
    c.care_need[out] = np.maximum(0, c.care_need[out] - k.reablement)
    place[out] = HOME
    c.home_care[out] = c.care_need[out] > model.elig_threshold
    # 2. medically fit
    fit = np.flatnonzero((place == ACUTE) & (c.fit_week <= week))
    home_now = fit[c.care_need[fit] < pathway.home_care_need]
    place[home_now] = HOME
    place[fit[c.care_need[fit] >= pathway.home_care_need]] = DELAYED
    # 3. discharge of delayed patients, first come first served
    delayed_before = int((place == DELAYED).sum())  # this week's newly fit among them
    _, n_to_step_down = model.rules.discharge(model, rng)
    still = place == DELAYED
    c.care_need[still] = np.minimum(1, c.care_need[still] + k.deconditioning)
    c.wellbeing[still] = np.maximum(0, c.wellbeing[still] - k.delay_wellbeing_loss)
    n_delayed = int(still.sum())
    # On an average day of the week: the mean of the count when this week's patients became fit
    # and the count at the end (a patient fit and discharged within the week waited days, not none).
    delayed_daily = (delayed_before + n_delayed) / 2
    awaiting_assessment = int((still & ~c.assessed).sum())
    # 4. emergency admissions; beds are held back for this week's planned electives
    model.settle_capacity()  # beds emptied by discharges close first if a cut is pending
    occupied = int(np.isin(place, (ACUTE, DELAYED)).sum())
    need_hours = max(1, occupied + int((place == ELECTIVE).sum())) * model.care_hours_per_bed
    model.acute_shortfall = max(0.0, 1.0 - model.org_hours[Org.ACUTE, DIRECT] / need_hours)
    free = max(0, model.beds - occupied)
    # Validation: some leave the list untreated each week.
    gone = np.flatnonzero(c.waiting)
    gone = gone[model.draws.uniform("hospital.list_attrition", gone) < k.list_attrition]
    c.waiting[gone] = False
    waiting = np.flatnonzero(c.waiting & (place == HOME) & (c.wait_start <= week - k.pre_op_weeks))
    waiting = waiting[np.lexsort((model.draws.uniform("hospital.list_order", waiting), c.wait_start[waiting]))]
    planned = min(stochastic_round(model.elective_slots, rng), len(waiting))
    reserved = min(planned, free)
    crises = model.crises
    crises = crises[place[crises] == HOME]
    crises = model.draws.order("hospital.crisis_order", crises)
    general = free - reserved
    admit = crises[:general + reserved]
    boarded = max(0, len(admit) - general)  # emergencies boarding in elective beds
    no_bed = crises[general + reserved:]
    place[admit] = ACUTE
    crowding = min(1.0, max(0.0, occupied / model.beds - k.crowding_start) / k.crowding_span)
    mean_los = np.maximum(1.0, p.acute_los_weeks * (k.los_base + k.los_need * c.health_need[admit])
                          * (1 + k.staffing_los * model.acute_shortfall) * (1 - k.crowding_los * crowding))
    c.fit_week[admit] = week + model.draws.geometric("hospital.stay", admit, 1 / mean_los)
    c.unmet[no_bed] = True
    c.health_need[no_bed] = np.minimum(1, c.health_need[no_bed] + k.no_bed_harm)
    free -= len(admit)
    # 5. electives, longest waiters first: the planned ones whose beds were not taken, then extra
    # ones in beds free beyond the buffer.
    n_planned_done = reserved - boarded
    extra = min(max(0, free - n_planned_done - int(k.elective_buffer * model.beds)),
                stochastic_round(k.theatre_headroom * model.elective_slots, rng))
    waiting = waiting[place[waiting] == HOME]  # an emergency admitted this week is not also an elective
    done_el = waiting[:min(len(waiting), n_planned_done + extra)]
    place[done_el] = ELECTIVE
    c.waiting[done_el] = False
    cancelled = planned - n_planned_done
    occupied_end = occupied + len(admit) + len(done_el)
    model.acute_pressure = (occupied_end + len(no_bed)) / (k.safe_occupancy * model.beds)
    sd_demand = n_to_step_down + int((place == STEP_DOWN).sum())
    model.step_down_pressure = sd_demand / max(model.step_down_places, 1)
    w = model.w
    rate = model.admissions_rate
    a = k.admissions_weight
    model.admissions_rate = len(admit) if rate is None else (1 - a) * rate + a * len(admit)
    in_acute = int(np.isin(place, (ACUTE, DELAYED)).sum())
    w["acute_length_of_stay_days"] = 7 * in_acute / max(model.admissions_rate, 1e-9)
    w["delayed_share_of_beds"] = delayed_daily / model.beds
    w["delayed_transfers"] = delayed_daily
    w["delayed_awaiting_assessment"] = awaiting_assessment
    w["delayed_bed_days"] = 7 * delayed_daily
    w["bed_occupancy"] = occupied_end / model.beds
    w["emergency_admissions"] = len(admit)
    w["emergencies_without_bed"] = len(no_bed)
    w["electives_done"] = len(done_el)
    w["electives_cancelled"] = cancelled
    model.delayed_now = delayed_daily
    # Managers escalate on the recent trend, not on one week's count (bed meetings look back).
    model.delayed_trend = k.delay_trend * delayed_daily + (1 - k.delay_trend) * model.delayed_trend
    model.electives_done_now = len(done_el)
    model.no_bed_now = len(no_bed)


def discharge(model, rng) -> tuple[int, int]:
    """Rule 3, for all delayed patients at once: assess, then place, first come first served.

    Updates the citizen table in place and the council's home-care headroom (hours). Returns how
    many patients left with support, and how many were ready for step-down care (placed or not:
    the demand that sets step-down pressure). :func:`slsim.model.teaching.discharge` is the same rule, one
    patient at a time.
    """
    c = model.citizens
    p = model.params
    pathway = model.coef.pathway
    place = c.place
    week = model.week
    queue = np.flatnonzero(place == DELAYED)
    queue = queue[np.lexsort((model.draws.uniform("hospital.queue_order", queue), c.fit_week[queue]))]
    need_assess = queue[~c.assessed[queue]]
    n_assess = stochastic_round(model.discharge_capacity, rng)
    c.assessed[need_assess[:n_assess]] = True
    ready = queue[c.assessed[queue]]
    # Some discharges wait on the patient or family (choosing a home, equipment, a house move).
    ready = ready[model.draws.uniform("hospital.family_choice", ready) >= pathway.patient_choice_delay]
    cn = c.care_need[ready]
    to_ch = ready[cn >= pathway.care_home_need]
    is_sd = (cn >= pathway.step_down_need) & (cn < pathway.care_home_need)
    to_sd = ready[is_sd]
    free_ch = max(0, min(model.care_home_places, model.care_home_affordable) - int((place == CARE_HOME).sum()))
    free_sd = max(0, model.step_down_places - int((place == STEP_DOWN).sum()))
    go_ch, go_sd = to_ch[:free_ch], to_sd[:free_sd]
    # With step-down care full, a patient who needs it may go home with a package instead (discharge
    # to assess at home): they join the home-care line in their place in the queue.
    overflow = is_sd & (np.cumsum(is_sd) > free_sd)
    to_hc = ready[(cn < pathway.step_down_need) | overflow]
    place[go_ch] = CARE_HOME
    c.waiting[go_ch] = False  # electives are not done from care homes
    place[go_sd] = STEP_DOWN
    c.leave_week[go_sd] = week + model.draws.geometric("hospital.step_down_stay", go_sd, 1 / p.step_down_weeks)
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
