"""Outcome columns, grouped by the evaluation's three levels: thinking, behaving, on the ground.

:data:`OUTCOMES` is the contract: every name here is a column of the model-level frame, one row per
week. Units are given beside each; ``docs/model.md`` defines each one in words.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from slsim.model.place import LINKED, NHS_FUNDED
from slsim.model.population import HOME

# name: (level, unit, description)
OUTCOMES: dict[str, tuple[str, str, str]] = {
    # thinking
    "systems_mindset": ("thinking", "0-1", "Mean systems mindset of staff in post"),
    "defensiveness": ("thinking", "0-1", "Mean defensiveness (retreat behind the boundary) of staff in post"),
    "psychological_safety": ("thinking", "0-1", "Mean psychological safety of organisations, weighted by posts"),
    "cross_boundary_trust": ("thinking", "0-1", "Mean trust between organisations that work together"),
    # behaving
    "cross_boundary_time_share": ("behaving", "share of staff hours", "Hours spent working across boundaries"),
    "early_involvement_share": ("behaving", "share of citizens supported",
                                "Citizens supported this week whose support was designed with them from the start"),
    "blame_events": ("behaving", "events per week", "Failures answered with blame (of a person or organisation)"),
    "experiments_started": ("behaving", "pilots per week", "Pilots started"),
    "experiments_scaled": ("behaving", "pilots per week", "Pilots judged worth scaling and scaled"),
    "waiting_for_instruction_share": ("behaving", "share of decisions",
                                      "Decisions staff in post defer upward, waiting for instruction"),
    # on the ground
    "delayed_transfers": ("ground", "patients per day",
                          "Medically fit patients in an acute bed on an average day of the week"),
    "delayed_bed_days": ("ground", "bed-days per week", "Bed-days used by delayed patients this week"),
    "bed_occupancy": ("ground", "share of beds", "Acute beds occupied at the end of the week"),
    "elective_waiting_list": ("ground", "patients", "Citizens waiting for an elective procedure"),
    "electives_cancelled": ("ground", "operations per week", "Planned electives cancelled for want of a bed"),
    "home_care_minutes_per_visit": ("ground", "minutes", "Mean length of a home-care visit"),
    "short_visit_share": ("ground", "share of visits", "Home-care visits cut to the commissioned floor (15 minutes)"),
    "unmet_need": ("ground", "share of citizens in need", "Citizens at home with need whose need went unmet this week"),
    "wellbeing": ("ground", "0-1", "Mean wellbeing of citizens in need (need above 0.4, or in a bed or care home)"),
    "voice_heard_outsiders": ("ground", "share", "Outsiders who raised their voice this week and were heard"),
    "voice_heard_insiders": ("ground", "share", "Insiders who raised their voice this week and were heard"),
    "staff_turnover_rate": ("ground", "leavers per post per year", "Leavers over the last 13 weeks, annualised"),
    "vacancy_rate": ("ground", "share of posts", "Posts vacant at the end of the week"),
    "cumulative_deficit": ("ground", "GBP", "Sum of all organisations' running deficits (negative: surplus)"),
    "incidents_actual": ("ground", "incidents per week", "Incidents that happened"),
    "incidents_reported": ("ground", "incidents per week", "Incidents reported"),
}

EXTRA: dict[str, tuple[str, str, str]] = {
    "stress": ("thinking", "0-1", "Mean stress of staff in post"),
    "agency": ("thinking", "0-1", "Mean agency of staff in post"),
    "practice": ("thinking", "0-1", "Share of what works that organisations' official ways of working get right"),
    "defensive_time_share": ("behaving", "share of staff hours", "Hours on defensive work"),
    "joint_work_wins": ("behaving", "pieces per week", "Successful joint pieces of work across boundaries"),
    "joint_reviews": ("behaving", "reviews per week", "Failures reviewed jointly instead of blamed"),
    "ties_across_boundaries": ("behaving", "ties", "Working ties between staff of different organisations"),
    "delayed_awaiting_assessment": ("ground", "patients", "Delayed patients still awaiting an assessment"),
    "emergency_admissions": ("ground", "admissions per week", "Emergency admissions"),
    "acute_length_of_stay_days": ("ground", "days", "Days in an acute bed per emergency admission, delays included"),
    "delayed_share_of_beds": ("ground", "share of beds", "Delayed transfers as a share of acute beds"),
    "emergencies_without_bed": ("ground", "patients per week", "Crises that found no bed this week"),
    "electives_done": ("ground", "operations per week", "Elective procedures done"),
    "home_care_clients": ("ground", "clients", "Citizens with a home-care package"),
    "eligibility_threshold": ("ground", "care need 0-1", "Care need above which the council funds home care"),
    "crises": ("ground", "crises per week", "Crises needing an acute bed"),
    "waiting_within_18_weeks": ("ground", "share of waiting list", "Elective patients waiting under 18 weeks"),
    "social_care_turnover_rate": ("ground", "leavers per post per year", "Adult social care leavers, last 13 weeks"),
    "social_care_vacancy_rate": ("ground", "share of posts", "Adult social care posts vacant"),
    "staff_highly_stressed_share": ("thinking", "share of staff", "Staff in post with stress above 0.5"),
    "nhs_orgs_in_deficit_share": ("ground", "share of NHS organisations", "NHS organisations with a running deficit"),
}

LEVELS = ("thinking", "behaving", "ground")
LEVEL_TITLES = {"thinking": "How people think", "behaving": "How people behave", "ground": "What happens on the ground"}


def _weekly(key: str, model) -> float:
    return float(model.w.get(key, 0.0))


def _filled_mean(column: str, model) -> float:
    s = model.staff
    values = getattr(s, column)[s.filled]
    return float(values.mean()) if values.size else 0.0


def _psychological_safety(model) -> float:
    return float(np.average(model.orgs.psych_safety, weights=model.orgs.posts))


def _trust(model) -> float:
    return float(model.trust[LINKED].mean())


def _waiting_list(model) -> float:
    return float(model.citizens.waiting.sum())


def _unmet_need(model) -> float:
    c = model.citizens
    in_need = (c.place == HOME) & ((np.maximum(c.health_need, c.care_need) > 0.3) | c.home_care)
    n = int(in_need.sum())
    return float((c.unmet & in_need).sum() / n) if n else 0.0


def _wellbeing(model) -> float:
    # Citizens in need: averaging in the many with little need would hide what services change.
    c = model.citizens
    mask = (np.maximum(c.health_need, c.care_need) > 0.4) | (c.place != HOME)
    return float(c.wellbeing[mask].mean()) if mask.any() else float(c.wellbeing.mean())


def _within_18_weeks(model) -> float:
    c = model.citizens
    waits = model.week - c.wait_start[c.waiting]
    return float((waits < 18).mean()) if waits.size else 1.0


def _nhs_in_deficit(model) -> float:
    return float((model.orgs.balance[NHS_FUNDED] < 0).mean())


def _week(model) -> int:
    return int(model.week)


STATE_REPORTERS = {
    "systems_mindset": partial(_filled_mean, "mindset"),
    "defensiveness": partial(_filled_mean, "defensiveness"),
    "stress": partial(_filled_mean, "stress"),
    "agency": partial(_filled_mean, "agency"),
    "psychological_safety": _psychological_safety,
    "cross_boundary_trust": _trust,
    "elective_waiting_list": _waiting_list,
    "unmet_need": _unmet_need,
    "wellbeing": _wellbeing,
    "waiting_within_18_weeks": _within_18_weeks,
    "nhs_orgs_in_deficit_share": _nhs_in_deficit,
}


def model_reporters() -> dict:
    """Mesa DataCollector reporters for every outcome column (module-level, so they pickle)."""
    reporters = {"week": _week}
    for name in list(OUTCOMES) + list(EXTRA):
        reporters[name] = STATE_REPORTERS.get(name, partial(_weekly, name))
    return reporters


def columns_by_level(extra: bool = False) -> dict[str, list[str]]:
    """Outcome names grouped as thinking / behaving / on the ground."""
    table = OUTCOMES | (EXTRA if extra else {})
    return {lvl: [n for n, (level, _, _) in table.items() if level == lvl] for lvl in LEVELS}


def describe(name: str) -> tuple[str, str, str]:
    """(level, unit, description) of an outcome column."""
    return (OUTCOMES | EXTRA)[name]
