"""Failures and how leaders respond to them: blame or joint review.

Rules (per organisation, then per pair of organisations):

* **Incidents happen** (errors, harm): Poisson with mean ``incident_rate * filled posts *
  ({incident_pressure_base} + pressure) * ({incident_practice_base} - practice) * (1 + shortfall)``,
  where shortfall is how far the hospital's direct care hours fall short of what its occupied beds
  need (acute only, see hospital flow). Pressure, thin staffing and a poor official way of working
  make more.
* **Some are reported**: each with probability ``{report_base} + {report_safety} * psychological
  safety``. Actual and reported incidents are separate quantities (Edmondson 1996: better-led units
  report more).
* **Delays are a visible failure**: each delayed transfer above 3.5% of beds (the NHS mandate's
  2017/18 level), in the recent level of delays (smoothed, see hospital flow), is escalated to the
  hospital's leaders as a failure with probability {delay_escalation} a week (a Poisson number of
  delay failures with mean {delay_escalation} x the excess), caused at the boundary. The count
  grows with the size of the place, as incidents do, so a large place and a small one see the
  same number of failures per bed.
* **Leaders respond** to each reported failure: with probability ``blame_response`` by blame,
  otherwise by a joint review. {boundary_share:.0%} of incidents arise at a boundary; blame
  for those falls on a partner organisation (drawn by the care pathway), the rest on an individual
  in the organisation itself; their joint reviews, likewise, are held with a partner. A delay
  failure always arises at the boundary: the hospital's leaders blame, or review it with, social
  care or community health (drawn by the pathway's weights).
* **Blame** raises the blamed organisation's blame exposure ``1 - exp(-x)``, where x is the
  recent rate of blame events it received ({exposure_carry:.0%} carried from week to week, this
  week's weighing {exposure_weight:.0%}) times {blame_witnesses} (the team who see it) per post, and
  the stress of the person blamed (+{blame_stress}); blame across a boundary multiplies trust
  between the two organisations by ``1 - trust_collapse`` for each event per {trust_collapse_posts}
  posts of the pair (trust collapses faster than it builds).
* **Joint review** turns a failure into learning: with probability {review_learning} the
  organisation's way of working corrects one dimension it had wrong. A joint review across a
  boundary is itself a small win for the two organisations' trust: each counts as
  ``{trust_build_posts} / posts of the pair`` small wins, a small win closing ``trust_build`` of the gap
  to full trust (1).
* **Psychological safety** moves {safety_rate:.0%} a week towards ``{safety_floor} + {safety_range} *
  (1 - blame climate)``, where the blame climate is the recent share of failures met with blame
  ({climate_weight:.0%} a week): people learn whether it is safe to speak up from how failures are
  met (Edmondson 1999), over months.
"""

from __future__ import annotations

import numpy as np

from slsim.model.coefficients import ASSUMPTION, Block, Coefficient
from slsim.model.place import (
    DISCHARGE_PARTNERS,
    DISCHARGE_WEIGHT_SOCIAL,
    DTOC_TARGET,
    ORG_KINDS,
    ORG_LABELS,
    PARTNERS,
    Org,
)
from slsim.model.population import Column
from slsim.model.processes.shared import build_trust

OWNS = ()
COLUMNS = (Column("orgs", "psych_safety"),  # psychological safety, 0-1 (starts at workforce.psych_safety_start)
           Column("orgs", "blame_climate"),  # how much blame is in the air, 0-1
           Column("orgs", "exposure"),  # this week's blame received, per post
           Column("orgs", "blame_seen"))  # blame seen recently, smoothed
READS = ("delayed_trend", "trust", "reality", "acute_shortfall", "staff.org", "staff.filled", "orgs.posts",
         "orgs.practice", "orgs.pressure")
WRITES = (
    "trust",  # blame collapses trust across the boundary; joint reviews build it
    "orgs.code",  # a joint review fixes part of the official way of working
    "staff.stress",  # a person blamed for a failure is stressed by it
)
TALLIES = ("incidents_actual", "incidents_reported", "blame_events", "joint_reviews")


def _c(name: str, default: float, unit: str, rng: tuple[float, float], reason: str, help_: str) -> Coefficient:
    return Coefficient(name, default, unit, rng, f"{ASSUMPTION} {reason}", help_)


COEFFICIENTS = Block(
    "failures",
    _c("incident_pressure_base", 0.5, "multiple of incident_rate", (0.0, 2.0),
       "an organisation under no pressure still has a third of the incidents of one at pressure 1",
       "Incidents at pressure 0 relative to incident_rate (the mean rises one for one with pressure)."),
    _c("incident_practice_base", 1.5, "multiple of incident_rate", (1.0, 3.0),
       "a way of working right on every dimension has a third of the incidents of one right on none",
       "Incidents with no dimension of practice right, relative to incident_rate (falling one for one with "
       "practice)."),
    _c("report_base", 0.2, "probability", (0.0, 1.0),
       "even where speaking up is unsafe some incidents are reported (Edmondson 1996)",
       "Chance an incident is reported with no psychological safety."),
    _c("report_safety", 0.7, "probability per unit of psychological safety", (0.0, 1.0),
       "better-led, safer units report most of their incidents (Edmondson 1996)",
       "Rise of the chance an incident is reported with psychological safety."),
    _c("delay_escalation", 0.1, "probability per week", (0.0, 1.0),
       "only a few delayed patients become a case the hospital's leaders hear of",
       "Weekly chance that one delayed transfer above the national level is escalated as a failure."),
    _c("boundary_share", 0.4, "share of incidents", (0.0, 1.0),
       "many incidents in health and care arise at hand-offs between organisations",
       "Share of incidents that arise at a boundary (blame or review falls on a partner)."),
    _c("exposure_carry", 0.8, "weight of last week's rate", (0.0, 1.0),
       "staff remember blame for some weeks; with exposure_weight, sums to 1",
       "Weight of last week's blame rate in the recent rate that sets blame exposure."),
    _c("exposure_weight", 0.2, "weight of this week", (0.0, 1.0),
       "staff remember blame for some weeks; with exposure_carry, sums to 1",
       "Weight of this week's blame events in the recent rate that sets blame exposure."),
    _c("blame_witnesses", 30, "staff per blame event", (1.0, 200.0),
       "a blame event is seen by about a team of colleagues",
       "Staff who see one blame event, counted against the organisation's posts for its exposure."),
    _c("blame_stress", 0.2, "stress 0-1", (0.0, 1.0),
       "being blamed is a large, sudden stress",
       "Rise of the stress of a person blamed."),
    _c("trust_collapse_posts", 100, "posts of the pair", (1.0, 10_000.0),
       "one blame event weighs less between large organisations than small ones",
       "Posts of a pair per which one blame event collapses their trust by trust_collapse."),
    _c("review_learning", 0.3, "probability", (0.0, 1.0),
       "a joint review often, but not always, finds and fixes what was wrong",
       "Chance that a joint review corrects one dimension the organisation's way of working had wrong."),
    _c("trust_build_posts", 10, "posts of the pair", (1.0, 1_000.0),
       "a joint review is a shared experience for a small team; trust builds slower than it collapses",
       "Posts of a pair per which one joint review counts as one small win."),
    _c("climate_weight", 0.1, "weight of this week", (0.01, 1.0),
       "people judge the climate from the last few months' failures",
       "Weight of this week's share of failures met with blame in the blame climate."),
    _c("safety_floor", 0.1, "psychological safety 0-1", (0.0, 1.0),
       "even in a blaming organisation a few people feel safe to speak up",
       "Psychological safety target where every failure is met with blame."),
    _c("safety_range", 0.8, "psychological safety 0-1", (0.0, 1.0),
       "with no blame, safety rises to near but not quite full (floor + range)",
       "Rise of the psychological safety target from a climate of all blame to none."),
    _c("safety_rate", 0.03, "share of the gap per week", (0.0, 1.0),
       "people learn whether it is safe to speak up over months (Edmondson 1999)",
       "Share of the gap to its target that psychological safety closes each week."),
)
__doc__ = COEFFICIENTS.document(__doc__)


def init(model) -> None:
    """Every organisation opens with the same psychological safety (``workforce.psych_safety_start``),
    no blame in the air and none received."""
    model.orgs.psych_safety[:] = model.coef.workforce.psych_safety_start


def step(model) -> None:
    rng = model.streams["failures"]
    orgs = model.orgs
    p = model.params
    c = model.coef.failures
    k = len(ORG_KINDS)
    s = model.staff
    filled = np.bincount(s.org[s.filled], minlength=k).astype(float)
    staffing = np.ones(k)
    staffing[Org.ACUTE] += model.acute_shortfall
    actual = rng.poisson(p.incident_rate * filled * (c.incident_pressure_base + orgs.pressure)
                        * (c.incident_practice_base - orgs.practice) * staffing)
    reported = rng.binomial(actual, np.minimum(1.0, c.report_base + c.report_safety * orgs.psych_safety))
    n_dtoc = int(rng.poisson(c.delay_escalation * max(0.0, model.delayed_trend - DTOC_TARGET * model.beds)))
    blame = rng.binomial(reported, model.style["blame_response"])
    boundary = rng.binomial(blame, c.boundary_share)
    individual = blame - boundary
    reviews = reported - blame
    boundary_reviews = rng.binomial(reviews, c.boundary_share)
    # The delay failure is the hospital's, and always a boundary one: blamed on, or reviewed with,
    # social care or community health (the discharge partners, by the care pathway's weights).
    to_social = rng.binomial(n_dtoc, DISCHARGE_WEIGHT_SOCIAL)
    dtoc_with = np.array([n_dtoc - to_social, to_social])  # with community health, with social care
    dtoc_blamed = rng.binomial(dtoc_with, model.style["blame_response"][Org.ACUTE])
    dtoc_reviewed = dtoc_with - dtoc_blamed
    failures_ = reported.copy()
    failures_[Org.ACUTE] += n_dtoc
    blame[Org.ACUTE] += dtoc_blamed.sum()
    reviews[Org.ACUTE] += dtoc_reviewed.sum()
    received = individual.astype(float).copy()
    pair_blame = np.zeros((k, k))
    for o in np.flatnonzero(boundary):
        pair_blame[o] += rng.multinomial(boundary[o], PARTNERS[o])
    pair_blame[Org.ACUTE, list(DISCHARGE_PARTNERS)] += dtoc_blamed
    received += pair_blame.sum(axis=0)
    posts = orgs.posts
    pair_posts = posts[:, None] + posts[None, :]
    sym = pair_blame + pair_blame.T
    model.trust *= (1 - p.trust_collapse) ** (sym * c.trust_collapse_posts / np.maximum(pair_posts, 1))
    # The person blamed: one random filled post of the organisation per individual blame.
    for o in np.flatnonzero(individual):
        rows = np.flatnonzero((s.org == o) & s.filled)
        if len(rows):
            who = rng.choice(rows, min(len(rows), int(individual[o])), replace=False)
            s.stress[who] = np.minimum(1, s.stress[who] + c.blame_stress)
    # Each blame event is seen by a team of colleagues; exposure is the recent rate per post,
    # turned into a share by 1 - exp(-x).
    orgs.blame_seen = (c.exposure_carry * orgs.blame_seen
                       + c.exposure_weight * received * c.blame_witnesses / np.maximum(posts, 1))
    orgs.exposure = 1 - np.exp(-orgs.blame_seen)
    # Joint reviews: learning from failure; reviews across a boundary are small wins.
    learn = rng.binomial(reviews, c.review_learning)
    for o in np.flatnonzero(learn):
        wrong = np.flatnonzero(model.orgs.code[o] != model.reality)
        if len(wrong):
            fix = rng.choice(wrong, min(len(wrong), int(learn[o])), replace=False)
            model.orgs.code[o, fix] = model.reality[fix]
    pair_review = np.zeros((k, k))
    for o in np.flatnonzero(boundary_reviews):
        pair_review[o] += rng.multinomial(boundary_reviews[o], PARTNERS[o])
    pair_review[Org.ACUTE, list(DISCHARGE_PARTNERS)] += dtoc_reviewed
    sym_r = pair_review + pair_review.T
    model.trust[:] = build_trust(model.trust, p.trust_build, sym_r * c.trust_build_posts / np.maximum(pair_posts, 1))
    share_blamed = np.where(failures_ > 0, blame / np.maximum(failures_, 1), orgs.blame_climate)
    orgs.blame_climate = (1 - c.climate_weight) * orgs.blame_climate + c.climate_weight * share_blamed
    target = c.safety_floor + c.safety_range * (1 - orgs.blame_climate)
    orgs.psych_safety += c.safety_rate * (target - orgs.psych_safety)
    for o, q in zip(*np.nonzero(pair_blame)):
        n_ev = int(pair_blame[o, q])
        why = "delayed discharges" if (o == Org.ACUTE and dtoc_blamed.sum()) else "a failure at the boundary"
        model.log("blame", ORG_KINDS[o],
                  f"{ORG_LABELS[ORG_KINDS[o]]} leaders blamed {ORG_LABELS[ORG_KINDS[q]].lower()} for {why}"
                  f"{f' ({n_ev} times)' if n_ev > 1 else ''}; trust between them fell to {model.trust[o, q]:.2f}")
    for o, q in zip(*np.nonzero(np.triu(sym_r))):
        model.log("joint review", ORG_KINDS[o],
                  f"{ORG_LABELS[ORG_KINDS[o]]} and {ORG_LABELS[ORG_KINDS[q]].lower()} reviewed a failure together; "
                  f"trust between them rose to {model.trust[o, q]:.2f}")
    w = model.w
    w["incidents_actual"] = actual.sum()
    w["incidents_reported"] = reported.sum()
    w["blame_events"] = blame.sum()
    w["joint_reviews"] = reviews.sum()
