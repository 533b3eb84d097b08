"""Joint work across boundaries: cross-boundary hours become joint pieces of work.

Rules (all staff at once):

* A staff member with ``h`` cross-boundary hours this week takes part in a Poisson(``h / {episode_hours:g}``)
  number of joint pieces of work, each {episode_hours:g} hours long.
* Each piece is with a partner organisation drawn from :data:`PARTNERS` (the care pathway:
  the hospital works mostly with social care and community health, primary care with community
  health and the voluntary sector, ...) and a random post of the person's counterpart team there:
  staff work in teams of ``workforce.team_size`` posts, and each team works with one team in each
  partner organisation (teams matched in proportion to the organisations' sizes), so people meet
  the same few people again whatever the size of the place. A vacant post offers no one that week.
* A piece succeeds (a "small win", Vangen & Huxham 2003) with probability
  ``{win_base} + {win_trust} * trust(o, p) + {win_tie} * tie(i, j)``: trust between the two organisations
  and an existing tie between the two people both help.
* **Discharge assessments** come from two channels. The formal one does most of the work:
  {formal_share:.1%} of social care's and community health's direct hours go to hospital discharge
  teams working by referral and hand-off. Each assessment takes
  ``assessment_hours * (1 + {handoff} * (1 - trust))`` there, where trust is between the hospital and
  that partner: where the two sides trust each other, fewer forms are redone, fewer cases bounce
  back and assessments are accepted across the boundary (trusted assessors). When delays run above
  the national target (3.5% of beds), managers escalate and divert more direct time there: the
  formal share is multiplied by the recent level of delays (smoothed, see hospital flow) over the
  target number, at least 1 and at most {escalation_max:g} times; those hours are taken from direct
  care (in social care, from home care). The joint channel adds {joint_discharge_share:.0%} of the
  successful joint hours between the hospital and social care or community health,
  ``assessment_hours`` each (the rest join up care for people at home). Scaled pilots (trusted
  assessors, discharge to assess) cut the hours of both: assessments are multiplied by one plus the
  mean improvement of the hospital and social care.
* The other successful joint hours become joined-up support for citizens with complex needs
  (``joint_case_hours`` per citizen-week), multiplied by one plus the community-facing
  organisations' mean improvement.
* The formal share and the weight of distrust are modelling assumptions, set so that the default
  place's delays are near England's (docs/model.md, calibration).
* Small wins build trust: each win per {trust_posts} posts of the pair closes ``trust_build`` of the
  gap to 1 (``trust = 1 - (1 - trust) * (1 - trust_build) ** n``, so trust never passes 1), and each
  win strengthens the tie between the two people by {tie_gain} (a new tie if none; at most 1).
"""
from __future__ import annotations

import numpy as np

from slsim.model.coefficients import ASSUMPTION, Block, Coefficient
from slsim.model.place import COMMUNITY_FACING, DISCHARGE_PAIRS, DTOC_TARGET, LINKED, ORG_KINDS, PARTNERS, Org
from slsim.model.population import CROSS, DIRECT
from slsim.model.processes.shared import add_ties, build_trust, tie_strength

OWNS = ("trust", "tie_keys", "tie_w", "discharge_capacity", "joint_case_capacity", "formal_discharge_hours")
COLUMNS = ()
READS = ("org_hours", "delayed_trend", "staff.org", "staff.team", "staff.filled", "staff.time", "staff.hours",
         "orgs.posts", "orgs.improvement")
WRITES = ()
TALLIES = ("joint_work_wins",)

_CALIBRATED = f"{ASSUMPTION} set so that the default place's delays are near England's (docs/model.md, calibration)"

COEFFICIENTS = Block(
    "joint_work",
    Coefficient("episode_hours", 4.0, "hours", (0.5, 40.0),
                f"{ASSUMPTION} a joint piece of work is about half a day (a case conference, a joint visit)",
                "Length of one joint piece of work."),
    Coefficient("win_base", 0.2, "probability", (0.0, 1.0),
                f"{ASSUMPTION} between strangers in organisations that do not trust each other, few pieces succeed",
                "Chance that a joint piece succeeds with no trust and no tie."),
    Coefficient("win_trust", 0.5, "probability per unit of trust", (0.0, 1.0),
                f"{ASSUMPTION} trust between organisations matters most (Vangen & Huxham 2003)",
                "Rise of the chance of success with trust between the two organisations."),
    Coefficient("win_tie", 0.3, "probability per unit of tie strength", (0.0, 1.0),
                f"{ASSUMPTION} knowing the person helps, a little less than trust; with win_base and win_trust "
                "the chance reaches 1",
                "Rise of the chance of success with the tie between the two people."),
    Coefficient("formal_share", 0.011, "share of direct hours", (0.0, 0.1), _CALIBRATED,
                "Share of social care's and community health's direct hours on formal hospital discharge work."),
    Coefficient("handoff", 1.5, "share of an assessment's hours per unit of distrust", (0.0, 5.0), _CALIBRATED,
                "Extra hours of a formal assessment, as a share of assessment_hours, with no trust."),
    Coefficient("escalation_max", 3.0, "multiple of the formal share", (1.0, 10.0),
                f"{ASSUMPTION} managers can divert only so much direct time to discharges",
                "Most that escalation over delays multiplies the formal discharge share by."),
    Coefficient("joint_discharge_share", 0.2, "share of joint hours", (0.0, 1.0),
                f"{ASSUMPTION} most joint work between the hospital and its partners joins up care at home",
                "Share of the hospital's successful joint hours with social care and community health that "
                "go to discharge assessments."),
    Coefficient("trust_posts", 10, "posts", (1, 1000),
                f"{ASSUMPTION} scales wins by the size of the pair, so trust grows alike in large and small places",
                "Wins count for trust per this many posts of the pair (wins x trust_posts / the pair's posts).",
                integer=True),
    Coefficient("tie_gain", 0.25, "tie strength 0-1", (0.0, 1.0),
                f"{ASSUMPTION} a few shared wins make a strong tie",
                "Strength a win adds to the tie between the two people."),
    Coefficient("trust_start", 0.5, "trust 0-1", (0.0, 1.0),
                f"{ASSUMPTION} midway: organisations that work together neither trust nor distrust each other",
                "Trust between linked organisations when the place opens.", setup=True),
    Coefficient("opening_tie_posts", 10, "posts", (1, 1000),
                f"{ASSUMPTION} a few people already know someone across a boundary",
                "Posts per tie that already exists when the place opens.", integer=True, setup=True),
    Coefficient("opening_tie", 0.3, "tie strength 0-1", (0.0, 1.0),
                f"{ASSUMPTION} opening ties are acquaintances, about one or two shared wins' worth",
                "Strength of each tie that exists when the place opens.", setup=True),
)
__doc__ = COEFFICIENTS.document(__doc__)

DISCHARGE_TEAMS = [Org.COMMUNITY, Org.SOCIAL_CARE]
_CUM = PARTNERS.cumsum(axis=1)


def init(model) -> None:
    """Trust between linked organisations starts at {trust_start}; a few ties already exist (one per
    {opening_tie_posts} posts, strength {opening_tie}, each with a random post of the person's
    counterpart team in a partner organisation, vacant or not); no joint work has yet made
    assessments or joined-up care."""
    k = model.coef.joint_work
    model.trust = np.where(LINKED, k.trust_start, 0.0)
    np.fill_diagonal(model.trust, 0.0)
    model.tie_keys = np.zeros(0, np.int64)
    model.tie_w = np.zeros(0)
    model.discharge_capacity = 0.0
    model.joint_case_capacity = 0.0
    model.formal_discharge_hours = np.zeros(len(ORG_KINDS))  # direct hours on formal discharge work
    s = model.staff
    rng = model.streams["joint_work"]
    n0 = max(1, s.n // int(k.opening_tie_posts))  # a run's value may arrive as a float
    i = rng.integers(0, s.n, n0)
    partner = _partner_of(s.org[i].astype(np.intp), rng)
    j, has = _counterparts(model, i, partner, rng.random(n0), filled_only=False)
    add_ties(model, i[has], j[has], k.opening_tie)


init.__doc__ = COEFFICIENTS.document(init.__doc__)


def _partner_of(o: np.ndarray, rng) -> np.ndarray:
    """A partner organisation for each of ``o``, drawn by the care pathway's weights."""
    return np.minimum((rng.random(len(o))[:, None] > _CUM[o]).sum(axis=1), len(ORG_KINDS) - 1)


def _counterparts(model, who: np.ndarray, partner: np.ndarray, u: np.ndarray,
                  filled_only: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A post of each person's counterpart team in the partner organisation (rows are grouped by
    organisation, teams of ``workforce.team_size`` consecutive rows); and whether it offers anyone
    (filled)."""
    s = model.staff
    team_size = int(model.coef.workforce.team_size)  # a run's value may arrive as a float
    k = len(ORG_KINDS)
    size = np.bincount(s.org, minlength=k)
    first = np.concatenate([[0], np.cumsum(size)[:-1]])
    teams = -(-size // team_size)
    o = s.org[who].astype(np.intp)
    team = (s.team[who].astype(np.int64) * teams[partner]) // np.maximum(teams[o], 1)
    start = first[partner] + team * team_size
    width = np.minimum(team_size, size[partner] - team * team_size)
    mate = start + np.floor(u * width).astype(np.intp)
    has = width > 0
    if filled_only:
        has &= s.filled[np.where(has, mate, 0)]
    return mate, has


def step(model) -> None:
    s = model.staff
    p = model.params
    k = model.coef.joint_work
    rng = model.streams["joint_work"]
    n_orgs = len(model.organisations)
    cross_hours = s.hours * s.time[:, CROSS]
    n_ep = rng.poisson(cross_hours / k.episode_hours)
    who = np.repeat(np.arange(s.n), n_ep)
    o = s.org[who].astype(np.intp)
    partner = _partner_of(o, rng)
    mate, has = _counterparts(model, who, partner, rng.random(len(who)))
    tie = np.zeros(len(who))
    tie[has] = tie_strength(model, who[has], mate[has])
    p_win = k.win_base + k.win_trust * model.trust[o, partner] + k.win_tie * tie
    win = has & (rng.random(len(who)) < p_win)
    wins = np.zeros((n_orgs, n_orgs))
    np.add.at(wins, (o[win], partner[win]), 1.0)
    wins = wins + wins.T
    imp = model.orgs.improvement
    discharge_hours = k.joint_discharge_share * (wins * DISCHARGE_PAIRS).sum() / 2 * k.episode_hours
    case_hours = ((wins * ~DISCHARGE_PAIRS).sum() / 2 * k.episode_hours
                  + (1 - k.joint_discharge_share) * (wins * DISCHARGE_PAIRS).sum() / 2 * k.episode_hours)
    target = DTOC_TARGET * model.beds
    # The recent level of delays (the hospital updates it later in the week).
    escalation = min(k.escalation_max, max(1.0, model.delayed_trend / target))
    formal = np.zeros(n_orgs)
    formal[DISCHARGE_TEAMS] = k.formal_share * escalation * model.org_hours[DISCHARGE_TEAMS, DIRECT]
    model.formal_discharge_hours = formal
    friction = 1 + k.handoff * (1 - model.trust[Org.ACUTE, DISCHARGE_TEAMS])
    # Scaled pilots (e.g. trusted assessors) cut the hours an assessment takes.
    improvement = (imp[Org.ACUTE] + imp[Org.SOCIAL_CARE]) / 2
    model.discharge_capacity = ((discharge_hours + (formal[DISCHARGE_TEAMS] / friction).sum())
                                * (1 + improvement) / p.assessment_hours)
    model.joint_case_capacity = case_hours * (1 + imp[COMMUNITY_FACING].mean()) / p.joint_case_hours
    posts = model.orgs.posts
    pair_posts = posts[:, None] + posts[None, :]
    n_wins = wins * k.trust_posts / np.maximum(pair_posts, 1) * LINKED  # per posts: alike in any size of place
    model.trust[:] = build_trust(model.trust, p.trust_build, n_wins)
    add_ties(model, who[win], mate[win], k.tie_gain)
    model.w["joint_work_wins"] = wins.sum() / 2
