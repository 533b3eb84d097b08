"""Failures and how leaders respond to them: blame or joint review.

Rules (per organisation, then per pair of organisations):

* **Incidents happen** (errors, harm): Poisson with mean
  ``incident_rate * filled posts * (0.5 + pressure) * (1.5 - practice) * (1 + shortfall)``, where
  shortfall is how far the hospital's direct care hours fall short of what its occupied beds need
  (acute only, see hospital flow). Pressure, thin staffing and a poor official way of working make
  more.
* **Some are reported**: each with probability ``0.2 + 0.7 * psychological safety``. Actual and
  reported incidents are separate quantities (Edmondson 1996: better-led units report more).
* **Delays are a visible failure**: each delayed transfer above 3.5% of beds (the 2017/18 mandate
  level), in the recent level of delays (smoothed, see hospital flow), is escalated to the
  hospital's leaders as a failure with probability 0.1 a week (a Poisson number of delay failures
  with mean 0.1 x the excess), caused at the boundary. The count
  grows with the size of the place, as incidents do, so a large place and a small one see the
  same number of failures per bed.
* **Leaders respond** to each reported failure: with probability ``blame_response`` by blame,
  otherwise by a joint review. Four in ten incidents arise at a boundary; blame for those falls
  on a partner organisation (drawn by the care pathway), the rest on an individual in the
  organisation itself. A delay failure always arises at the boundary: the hospital's leaders
  blame, or review it with, social care or community health (drawn by the pathway's weights).
* **Blame** raises the blamed organisation's blame exposure ``1 - exp(-x)``, where x is the
  recent rate of blame events it received (80% carried from week to week) times 30 (the team
  who see it) per post, and the stress of the person blamed (+0.2); blame across
  a boundary multiplies trust between the two organisations by ``1 - trust_collapse`` for each
  event per 100 posts of the pair (trust collapses faster than it builds).
* **Joint review** turns a failure into learning: with probability 0.3 the organisation's way of
  working corrects one dimension it had wrong; a joint review across a boundary is itself a small
  win (``trust_build``).
* **Psychological safety** moves 3% a week towards ``0.1 + 0.8 * (1 - blame climate)``, where the
  blame climate is the recent share of failures met with blame (10% a week): people learn whether
  it is safe to speak up from how failures are met (Edmondson 1999), over months.
"""

from __future__ import annotations

import numpy as np

from slsim.model.place import (
    DISCHARGE_PARTNERS,
    DISCHARGE_WEIGHT_SOCIAL,
    DTOC_TARGET,
    ORG_KINDS,
    ORG_LABELS,
    PARTNERS,
    Org,
)
from slsim.model.processes.shared import build_trust

OWNS = ()
READS = ("delayed_trend", "trust", "reality", "acute_shortfall")
WRITES = ("trust",)  # blame collapses trust across the boundary; joint reviews build it
TALLIES = ("incidents_actual", "incidents_reported", "blame_events", "joint_reviews")


def init(model) -> None:
    """Failures keep no state of their own: the blame climate, exposure and psychological safety
    are columns of the organisations' table."""

BOUNDARY_SHARE = 0.4  # share of incidents that arise at a boundary (modelling assumption)
DELAY_ESCALATION = 0.1  # chance a week that one delayed transfer above the target reaches leaders


def step(model) -> None:
    rng = model.streams["failures"]
    orgs = model.orgs
    p = model.params
    k = len(ORG_KINDS)
    s = model.staff
    filled = np.bincount(s.org[s.filled], minlength=k).astype(float)
    staffing = np.ones(k)
    staffing[Org.ACUTE] += model.acute_shortfall
    actual = rng.poisson(p.incident_rate * filled * (0.5 + orgs.pressure) * (1.5 - orgs.practice) * staffing)
    reported = rng.binomial(actual, 0.2 + 0.7 * orgs.psych_safety)
    n_dtoc = int(rng.poisson(DELAY_ESCALATION * max(0.0, model.delayed_trend - DTOC_TARGET * model.beds)))
    blame = rng.binomial(reported, model.style["blame_response"])
    boundary = rng.binomial(blame, BOUNDARY_SHARE)
    individual = blame - boundary
    reviews = reported - blame
    boundary_reviews = rng.binomial(reviews, BOUNDARY_SHARE)
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
    model.trust *= (1 - p.trust_collapse) ** (sym * 100 / np.maximum(pair_posts, 1))
    # The person blamed: one random filled post of the organisation per individual blame.
    for o in np.flatnonzero(individual):
        rows = np.flatnonzero((s.org == o) & s.filled)
        if len(rows):
            who = rng.choice(rows, min(len(rows), int(individual[o])), replace=False)
            s.stress[who] = np.minimum(1, s.stress[who] + 0.2)
    # Each blame event is seen by a team of about 30 colleagues; exposure is the recent rate
    # (80% carried from week to week) per post, turned into a share by 1 - exp(-x).
    orgs.blame_seen = 0.8 * orgs.blame_seen + 0.2 * received * 30 / np.maximum(posts, 1)
    orgs.exposure = 1 - np.exp(-orgs.blame_seen)
    # Joint reviews: learning from failure; reviews across a boundary are small wins.
    learn = rng.binomial(reviews, 0.3)
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
    model.trust[:] = build_trust(model.trust, p.trust_build, sym_r * 10 / np.maximum(pair_posts, 1))
    share_blamed = np.where(failures_ > 0, blame / np.maximum(failures_, 1), orgs.blame_climate)
    orgs.blame_climate = 0.9 * orgs.blame_climate + 0.1 * share_blamed
    target = 0.1 + 0.8 * (1 - orgs.blame_climate)
    orgs.psych_safety += 0.03 * (target - orgs.psych_safety)
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
