"""Every parameter of the place, declared once: type, default, unit, range, help and source.

`Params` is a pydantic model with ``extra="forbid"``: an unknown key or a value of the wrong type
or out of range is a :class:`ParameterError` that names the field and what is allowed.

Parameters come in three groups:

* the place (size, capacity, money, demand): identical in every scenario of a comparison;
* behaviour of people (psychological constants such as how fast trust collapses);
* leadership style (:data:`LEADERSHIP_FIELDS`): how leaders respond to failure, how much they cede,
  how early citizens are involved, how fast people are socialised, who the official way of working
  learns from, how much they experiment. These are set place-wide and can be overridden per
  organisation kind with ``leadership_overrides``. Leadership acts only through these behaviours;
  no outcome is ever multiplied by a culture factor.

Numbers taken from statistics cite their source in ``source``; the rest are modelling choices,
documented in ``docs/model.md`` and explored by the sensitivity experiments.
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from slsim.errors import SlsimError

# The place's structure lives in slsim.model.place; these names stay importable from here.
from slsim.model.place import (  # noqa: E402, F401
    COMMUNITY_FACING,
    NHS_FUNDED,
    ORG_KINDS,
    ORG_STAFF_SHARE,
    STAFF_WEEK_COST,
    Org,
)
from slsim.model.processes import COEFFICIENTS

# Parameters that set the place up (its size, make-up and opening state): they act only when the
# place is built, so they cannot change during a run.
FIXED_DURING_RUN: tuple[str, ...] = ("n_citizens", "staff_per_1000_citizens", "knowledge_dims", "outsider_share",
                                     "initial_need", "budget_gap", "burn_in_weeks")
FIXED_DURING_RUN += tuple(name for name, c in COEFFICIENTS.items() if c.setup)

LEADERSHIP_FIELDS: tuple[str, ...] = (
    "blame_response",
    "ceding",
    "citizen_involvement",
    "socialisation_rate",
    "learning_breadth",
    "experimentation",
    "partial_gain_acceptance",
    "shared_ambition",
)


BURN_IN_WEEKS = 104
"""The documented default of ``burn_in_weeks`` (see docs/model.md, section 5)."""


class ParameterError(SlsimError):
    """A parameter is unknown, of the wrong type or out of its range.

    The message names the field (and the file, when the value came from one) and what is allowed.
    """


def P(default: Any, lo: float | None = None, hi: float | None = None, *, unit: str, help: str,
      source: str | None = None, group: str = "place") -> Any:
    """Declare one parameter on one line: default, inclusive range, unit, help text and source."""
    extra = {"unit": unit, "group": group}
    if source:
        extra["source"] = source
    return Field(default, ge=lo, le=hi, description=help, json_schema_extra=extra)


def _no_lax_value(model: type[BaseModel], value: Any, info) -> Any:
    """Refuse what pydantic's lax mode would quietly convert: ``true`` for a number, ``"1000"``
    for a whole number, ``1`` or ``"yes"`` for yes/no. Whole-valued floats for whole numbers
    (``1000.0``) stay accepted, as before."""
    ann = model.model_fields[info.field_name].annotation
    kinds = {a for a in getattr(ann, "__args__", (ann,)) if a is not type(None)}
    yes_no = isinstance(value, (bool, np.bool_))
    if kinds & {int, float} and (yes_no or isinstance(value, str)):
        kind = "a whole number" if int in kinds and float not in kinds else "a number"
        how = "not true/false" if yes_no else "without quotes"
        raise ValueError(f"{value!r} is not {kind}; write {kind}, {how}")
    if kinds == {bool} and not yes_no:
        raise ValueError(f"{value!r} is not yes/no; write true or false")
    return value


class LeadershipOverride(BaseModel):
    """Leadership behaviours for one organisation kind; unset fields keep the place-wide value."""

    model_config = ConfigDict(extra="forbid")
    blame_response: float | None = Field(None, ge=0, le=1)
    ceding: float | None = Field(None, ge=0, le=1)
    citizen_involvement: float | None = Field(None, ge=0, le=1)
    socialisation_rate: float | None = Field(None, ge=0, le=1)
    learning_breadth: float | None = Field(None, ge=0, le=1)
    experimentation: float | None = Field(None, ge=0, le=1)
    partial_gain_acceptance: float | None = Field(None, ge=0, le=1)
    shared_ambition: float | None = Field(None, ge=0, le=1)

    @field_validator("*", mode="before")
    @classmethod
    def _strict(cls, value: Any, info) -> Any:
        return _no_lax_value(cls, value, info)


class Params(BaseModel):
    """All parameters of one run. See ``docs/model.md`` for how each one enters the rules."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # ---- the place: size -------------------------------------------------------------------
    n_citizens: int = P(5000, 100, 5_000_000, unit="people",
                        help="Citizens with health or care needs the place serves (older and disabled adults).")
    staff_per_1000_citizens: float = P(40.0, 5, 400, unit="staff per 1,000 citizens",
                                       help="Staff agents, spread over the five organisations by ORG_STAFF_SHARE.")
    outsider_share: float = P(0.2, 0, 1, unit="share of citizens",
                              help="Citizens who already feel 'on the outside' (marginalised, least access to voice).",
                              source="a fifth of people live in the most deprived quintile by construction of the "
                                     "English Indices of Deprivation")
    burn_in_weeks: int = P(BURN_IN_WEEKS, 0, 520, unit="weeks",
                           help="Weeks the place runs unseen before week 1, under today's leadership with demand and "
                                "budgets held still, so that week 1 starts from its steady state (0: start cold, to "
                                "test one rule's workings); every run records the value used.")
    # ---- the place: demand -----------------------------------------------------------------
    initial_need: float = P(0.30, 0.05, 0.9, unit="need score 0-1",
                            help="Mean health and care need of citizens at the start.")
    need_growth_per_year: float = P(0.003, 0, 0.3, unit="need score per year",
                                    help="Demand growth: yearly rise of every citizen's need on top of the ageing "
                                         "that renewal balances (an ageing population); 0.003 raises crises about "
                                         "2% a year.")
    unmet_deterioration: float = P(0.002, 0, 0.05, unit="need score per week",
                                   help="Extra weekly rise of need for a citizen whose need went unmet that week.")
    support_effect: float = P(0.005, 0, 0.3, unit="need score per contact",
                              help="Fall in need from one week of well-fitting preventive support.")
    crisis_rate: float = P(0.029, 0, 0.5, unit="probability per week at need 1",
                           help="Chance of a crisis needing an acute bed; scales with need squared.")
    crisis_surge: float = P(1.0, 0.2, 5.0, unit="multiple of crisis_rate",
                            help="Seasonal or outbreak surge in crises (e.g. 1.4 for a hard winter).")
    elective_rate: float = P(0.0013, 0, 0.05, unit="probability per week",
                             help="Chance that a citizen at home joins the elective waiting list.")
    population_renewal_per_year: float = P(0.05, 0, 0.5, unit="share per year",
                                           help="Citizens who die or move away, replaced by newcomers with low need.")
    # ---- the place: capacity ---------------------------------------------------------------
    acute_beds_per_1000: float = P(6.0, 0.5, 50, unit="beds per 1,000 citizens",
                                   help="General and acute beds available to the citizens.",
                                   source="101,259 general and acute beds (NHS England, 2018/19 Q1) for about 10.4m "
                                          "people aged 65+, who use about 62% of bed-days (NAO 2016)")
    acute_los_weeks: float = P(1.8, 0.3, 8, unit="weeks",
                               help="Mean acute length of stay until medically fit.",
                               source="older patients' mean stay 11.9 days (NAO 2016), less the delayed part")
    elective_slots_per_1000: float = P(0.8, 0, 20, unit="procedures per week per 1,000 citizens",
                                       help="Elective admissions planned each week (each uses a bed for a week).")
    step_down_places_per_1000: float = P(0.8, 0, 20, unit="places per 1,000 citizens",
                                         help="Community step-down (intermediate care) places.")
    step_down_weeks: float = P(4.0, 1, 12, unit="weeks", help="Mean stay in step-down care.")
    care_home_places_per_1000: float = P(30.0, 0, 200, unit="places per 1,000 citizens",
                                         help="Care home places the council can buy.",
                                         source="about 410,000 care home residents in the UK (CMA 2017) for "
                                                "about 12m people aged 65+")
    home_care_max_hours: float = P(13.0, 1, 40, unit="hours per week",
                                   help="Home care a client with care need 1 is assessed to need.")
    visit_minutes_planned: float = P(30.0, 15, 120, unit="minutes", help="Planned length of a home care visit.")
    visit_minutes_floor: float = P(15.0, 5, 60, unit="minutes",
                                   help="Shortest visit commissioned before eligibility is tightened instead.",
                                   source="15-minute visits commissioned by 74% of councils (UNISON FOI 2014)")
    # ---- the place: money ------------------------------------------------------------------
    budget_gap: float = P(-0.04, -0.5, 0.5, unit="share of planned spend",
                          help="Each NHS organisation's opening weekly budget relative to its planned spend "
                               "(councils must balance theirs).",
                          source="65% of NHS providers in deficit in 2015/16 (NHS Improvement)")
    nhs_budget_change_per_year: float = P(0.01, -0.3, 0.3, unit="real change per year",
                                          help="Yearly real change of NHS budgets (acute, community, primary care).")
    social_care_budget_change_per_year: float = P(-0.012, -0.3, 0.3, unit="real change per year",
                                                  help="Yearly real change of the adult social care and voluntary "
                                                       "sector budgets.",
                                                  source="-8% real spend 2009/10-2016/17 (IFS BN200, 2017)")
    nhs_budget_level: float = P(1.0, 0.3, 2.0, unit="multiple of opening budget",
                                help="One-off change of NHS budgets (e.g. 0.9 for a 10% cut from the week it is set).")
    social_care_budget_level: float = P(1.0, 0.3, 2.0, unit="multiple of opening budget",
                                        help="One-off change of the adult social care and voluntary sector budgets "
                                             "(e.g. 0.85 for a 15% cut).")
    home_care_price: float = P(15.74, 5, 60, unit="GBP per hour",
                               help="Price the council pays for an hour of home care.",
                               source="UKHCA minimum price for home care 2014/15")
    care_home_weekly_fee: float = P(620.0, 100, 3000, unit="GBP per week",
                                    help="Council fee for a care home place.",
                                    source="LaingBuisson average council fee for residential care, 2016/17")
    bed_week_cost: float = P(4900.0, 100, 20000, unit="GBP per bed-week",
                             help="Cost of an occupied acute bed for a week.",
                             source="about GBP 820m for 1.15m delayed acute bed-days (NAO 2016): ~GBP 700 a day")
    pooled_budget: bool = P(False, unit="yes/no",
                            help="Acute and social care pool part of their budgets: social care may buy home "
                                 "care for delayed patients out of the pool.")
    pooled_share: float = P(0.05, 0, 0.5, unit="share of acute budget",
                            help="Share of the acute budget put into the pool when pooled_budget is on.")
    # ---- workforce -------------------------------------------------------------------------
    hours_per_week: float = P(37.5, 10, 60, unit="hours", help="Contracted hours of a staff member.",
                              source="NHS Agenda for Change full-time week")
    base_turnover_per_year: float = P(0.12, 0, 1, unit="share per year",
                                      help="Leavers per year among unstressed staff (retirement, moves).",
                                      source="NHS trusts' leaver rates of roughly 12-15% a year (NHS Digital)")
    burnout_turnover_per_year: float = P(0.6, 0, 3, unit="share per year",
                                         help="Extra leavers per year among staff at full stress.",
                                         source="social care turnover 30.8%/yr (Skills for Care 2019); "
                                                "39.8% of NHS staff unwell from stress (NHS Staff Survey 2018)")
    vacancy_weeks: float = P(14.0, 1, 52, unit="weeks", help="Mean time to fill a vacant post.")
    assessment_hours: float = P(10.0, 0.5, 60, unit="staff hours per discharge",
                                help="Cross-boundary staff hours (assessment, case conference, paperwork) to "
                                     "discharge one patient who needs support, at full trust.")
    joint_case_hours: float = P(3.0, 0.5, 40, unit="staff hours per citizen-week",
                                help="Cross-boundary hours to join up support for one citizen with complex needs.")
    involvement_hours: float = P(6.0, 0.1, 20, unit="staff hours per citizen",
                                 help="Hours to involve one citizen early in designing their support or to hear "
                                      "them properly.")
    contact_hours: float = P(2.2, 0.1, 20, unit="staff hours per citizen-week",
                             help="Direct hours per week of preventive support for one citizen.")
    # ---- behaviour of people (psychological constants) --------------------------------------
    threat_rigidity: float = P(0.6, 0, 2, unit="defensiveness per unit of excess pressure", group="behaviour",
                               help="How strongly pressure and blame push people to retreat behind their "
                                    "boundary (Staw, Sandelands & Dutton 1981).")
    peer_influence: float = P(0.08, 0, 1, unit="share per week", group="behaviour",
                              help="Weekly pull of each person's attitudes towards their organisation's norm.")
    trust_build: float = P(0.015, 0, 1, unit="trust per small win", group="behaviour",
                           help="Rise of trust between two organisations after a successful joint piece of work "
                                "(Vangen & Huxham 2003).")
    trust_collapse: float = P(0.15, 0, 1, unit="trust per blame event", group="behaviour",
                              help="Fall of trust when one organisation blames the other; larger than trust_build "
                                   "because trust collapses faster than it builds.")
    incident_rate: float = P(0.01, 0, 0.1, unit="incidents per staff-week at pressure 1", group="behaviour",
                             help="Rate of incidents (errors, harm); rises with pressure and poor practice.")
    knowledge_dims: int = P(30, 4, 200, unit="dimensions", group="behaviour",
                            help="Dimensions of 'what works' in March's (1991) learning model.")
    code_learning_rate: float = P(0.5, 0, 1, unit="probability", group="behaviour",
                                  help="March's p2: how readily the official way of working adopts the view of "
                                       "people who do better than it.")
    turbulence: float = P(0.004, 0, 0.2, unit="probability per dimension per week", group="behaviour",
                          help="Chance that what works changes on one dimension each week (a changing world).")
    # ---- leadership style (place-wide; override per organisation kind) ----------------------
    blame_response: float = P(0.6, 0, 1, unit="probability", group="leadership",
                              help="Chance that leaders answer a reported failure by blaming a person or another "
                                   "organisation rather than reviewing it jointly.")
    ceding: float = P(0.25, 0, 1, unit="share", group="leadership",
                      help="How much leaders cede decisions to frontline staff, partners and citizens: raises "
                           "agency (acting rather than waiting for instruction).")
    citizen_involvement: float = P(0.2, 0, 1, unit="share", group="leadership",
                                   help="How much staff time leaders ask to be spent involving citizens from the "
                                        "start, reaching out to those on the outside.")
    socialisation_rate: float = P(0.35, 0, 1, unit="probability per dimension per week", group="leadership",
                                  help="March's p1: how fast people conform to the official way of working.")
    learning_breadth: float = P(0.2, 0, 1, unit="share", group="leadership",
                                help="Who the official way of working learns from: 0 senior leaders only, 1 all "
                                     "staff and the citizens involved.")
    experimentation: float = P(0.2, 0, 1, unit="probability", group="leadership",
                               help="Readiness to start pilots with uncertain pay-off.")
    partial_gain_acceptance: float = P(0.3, 0, 1, unit="share", group="leadership",
                                       help="Willingness to scale a pilot that delivered only part of its promise "
                                            "('clumsy' solutions, Grint 2008).")
    shared_ambition: float = P(0.25, 0, 1, unit="share", group="leadership",
                               help="How strongly leaders set a shared ambition for the whole system rather than "
                                    "their own organisation's targets; gives permission to work across boundaries.")
    leadership_overrides: dict[str, LeadershipOverride] = Field(
        default_factory=dict,
        description="Leadership behaviours for some organisation kinds, e.g. {social_care: {ceding: 0.8}}.",
        json_schema_extra={"unit": "", "group": "leadership"})

    coefficients: dict[str, int | float] = Field(
        default_factory=dict,
        description="Coefficients of the rules changed from their defaults, by full name (e.g. "
                    "{'hospital.crowding_start': 0.8}); given at the top level as 'hospital.crowding_start: 0.8'.",
        json_schema_extra={"unit": "", "group": "coefficients"})

    @model_validator(mode="before")
    @classmethod
    def _lift_coefficients(cls, data: Any) -> Any:
        """A coefficient may be given at the top level by its full name (``hospital.crowding_start``),
        as ``--set``, scenario files and sweeps do: it joins ``coefficients``, later values winning."""
        if not isinstance(data, dict) or not any(isinstance(k, str) and "." in k for k in data):
            return data
        data = dict(data)
        lifted = dict(data.get("coefficients") or {})
        for key in [k for k in data if isinstance(k, str) and "." in k]:
            lifted[key] = data.pop(key)
        data["coefficients"] = lifted
        return data

    @field_validator("coefficients", mode="before")
    @classmethod
    def _known_coefficients(cls, value: Any) -> dict[str, float]:
        if not isinstance(value, dict):
            raise ValueError(f"{value!r} is not a mapping of coefficient names to numbers")
        checked = {}
        for name, v in value.items():
            coefficient = COEFFICIENTS.get(name)
            if coefficient is None:
                close = difflib.get_close_matches(str(name), COEFFICIENTS, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValueError(f"unknown coefficient {name!r}; {hint}`slsim params` lists them all")
            try:
                checked[name] = coefficient.check(v)
            except ValueError as err:
                raise ValueError(f"{name} = {v!r}: {err}") from None
        return checked

    @model_serializer(mode="wrap")
    def _without_empty_coefficients(self, handler):
        # A run that changes no coefficient records (and hashes) exactly what it did before
        # coefficients could be changed: the defaults are the code's.
        data = handler(self)
        if isinstance(data, dict) and not data.get("coefficients"):
            data.pop("coefficients", None)
        return data

    def value(self, name: str) -> Any:
        """A parameter's or a coefficient's value in this run, by its public name."""
        if name in COEFFICIENTS:
            return self.coefficients.get(name, COEFFICIENTS[name].default)
        return getattr(self, name)

    @model_validator(mode="after")
    def _floor_below_planned(self) -> "Params":
        if self.visit_minutes_floor > self.visit_minutes_planned:
            raise ValueError(f"visit_minutes_floor ({self.visit_minutes_floor}) must not exceed "
                             f"visit_minutes_planned ({self.visit_minutes_planned})")
        return self

    @field_validator("*", mode="before")
    @classmethod
    def _strict(cls, value: Any, info) -> Any:
        return _no_lax_value(cls, value, info)

    @field_validator("leadership_overrides")
    @classmethod
    def _known_kinds(cls, value: dict[str, LeadershipOverride]) -> dict[str, LeadershipOverride]:
        unknown = sorted(set(value) - set(ORG_KINDS))
        if unknown:
            raise ValueError(f"unknown organisation kind(s) {unknown}; allowed: {list(ORG_KINDS)}")
        return value

    def leadership_for(self, kind: str) -> dict[str, float]:
        """The leadership behaviours of one organisation kind: place-wide values with its overrides."""
        style = {name: getattr(self, name) for name in LEADERSHIP_FIELDS}
        override = self.leadership_overrides.get(kind)
        if override is not None:
            style.update({k: v for k, v in override.model_dump().items() if v is not None})
        return style

    @property
    def n_staff(self) -> int:
        """Staff agents in the place (at least one per organisation)."""
        return max(len(ORG_KINDS), round(self.n_citizens * self.staff_per_1000_citizens / 1000))


def describe_validation_error(err: ValidationError, where: str = "parameters") -> str:
    """One readable line for a pydantic error: each field, what was wrong, what is allowed."""
    lines = []
    for e in err.errors():
        field = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            known = ", ".join(sorted(n for n in Params.model_fields if n != "coefficients"))
            lines.append(f"{where}: unknown parameter {field!r}. Known parameters: {known}; and the rules' "
                         "coefficients by full name (process.name), listed by `slsim params`")
            continue
        if not field or field.startswith("coefficients"):  # a rule across fields, or a coefficient's own message
            lines.append(f"{where}: {e['msg'].removeprefix('Value error, ')}")
            continue
        allowed = _allowed(field)
        got = e.get("input")
        msg = e["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {field} = {got!r}: {msg}" + (f" (allowed: {allowed})" if allowed else ""))
    # one line, whatever went wrong: every message of slsim is one line
    return "; ".join(lines)


def field_bounds(info) -> tuple[float | None, float | None]:
    """A field's inclusive range (ge, le) from its pydantic metadata; None where open."""
    lo = hi = None
    for m in info.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    return lo, hi


def _allowed(field: str) -> str:
    info = Params.model_fields.get(field.split(".")[0])
    if info is None:
        return ""
    lo, hi = field_bounds(info)
    kind = info.annotation.__name__ if isinstance(info.annotation, type) else str(info.annotation)
    unit = (info.json_schema_extra or {}).get("unit", "")
    rng = f" from {lo} to {hi}" if lo is not None and hi is not None else ""
    return f"{kind}{rng}" + (f" {unit}" if unit else "")


def is_parameter(name: str) -> bool:
    """Whether a run can set ``name``: a parameter of :class:`Params` or a coefficient's full name."""
    return (name in Params.model_fields and name != "coefficients") or name in COEFFICIENTS


def parameter_names() -> list[str]:
    """Every name a run can set: the parameters, then the coefficients by full name."""
    return [n for n in Params.model_fields if n != "coefficients"] + list(COEFFICIENTS)


def parameter_bounds(name: str) -> tuple[float | None, float | None]:
    """A parameter's or a coefficient's inclusive range (None where open)."""
    if name in COEFFICIENTS:
        return COEFFICIENTS[name].range
    return field_bounds(Params.model_fields[name])


def parameter_kind(name: str) -> type:
    """``float``, ``int`` or ``bool`` (or another annotation) for a parameter or coefficient."""
    if name in COEFFICIENTS:
        return int if COEFFICIENTS[name].integer else float
    return Params.model_fields[name].annotation


def parameter_table() -> list[dict[str, Any]]:
    """Every parameter as a row: name, group, default, range, unit, help, source (for docs and the
    CLI); then every coefficient, grouped by the process (or shared rule) that owns it."""
    rows = []
    for name, info in Params.model_fields.items():
        if name == "coefficients":
            continue
        extra = info.json_schema_extra or {}
        lo, hi = field_bounds(info)
        rows.append({"name": name, "group": extra.get("group", "place"),
                     "default": (BURN_IN_WEEKS if name == "burn_in_weeks"
                                 else info.get_default(call_default_factory=True)),
                     "min": lo, "max": hi, "unit": extra.get("unit", ""), "help": info.description or "",
                     "source": extra.get("source", "modelling assumption")})
    for name, c in COEFFICIENTS.items():
        rows.append({"name": name, "group": name.split(".")[0], "default": c.default, "min": c.range[0],
                     "max": c.range[1], "unit": c.unit, "help": c.help, "source": c.source})
    return rows
