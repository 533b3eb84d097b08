"""Learning: March's (1991) exploration and exploitation, and pilots (experiments).

**March (1991).** Reality is a vector of ``knowledge_dims`` dimensions, each +1 or -1. Each person
and each organisation's official way of working (its "code") holds a belief on every dimension:
+1, -1 or 0 (no view). Each week, all at once:

* **Socialisation** (rate ``socialisation_rate``, March's p1): on every dimension where the code
  has a view and a person's belief differs, the person adopts the code's belief with probability
  p1. Fast socialisation (conform, wait for instructions) wipes out local knowledge.
* **Code learning** (rate ``code_learning_rate``, March's p2): the code looks at the people it
  listens to who know more than it does (the "superior group"). On each dimension where their
  majority belief differs from the code, the code adopts it with probability ``1 - (1 - p2)**k``,
  where k is how many more of them hold the majority belief than hold the code's, counted per 50
  people listened to (March's organisation had 50), so the code's pace does not depend on the
  size of the organisation. Who the code
  listens to is set by ``learning_breadth``: senior leaders always; any other staff member whose
  fixed draw is below the breadth; and, in proportion to the breadth, the citizens this
  organisation involved this week (lived experience).
* **Turbulence**: each dimension of reality flips with probability ``turbulence`` a week.
* An organisation's **practice** is the share of dimensions its code has right; it makes support
  work better, incidents rarer.

**Pilots.** Each week an organisation starts a pilot with probability
``experimentation * min(1, improvement hours per filled post / 1.5) * (0.5 + 0.5 * psychological
safety)``: pilots need people with time to run them, counted per post so that a large
organisation and a small one with the same habits pilot alike.
A pilot's true effect is drawn from Normal(0.03, 0.05) (uncertain, sometimes harmful); after 8
weeks its measured effect (true + Normal(0, 0.02)) is judged against a promise of 0.05: it is
scaled if the measured effect is at least ``0.05 * (1 - partial_gain_acceptance)`` and above 0
(accepting partial, "clumsy" gains). A scaled pilot adds its true effect to the organisation's
improvement (capped at 0.3), which raises the capacity its kind's work turns into (assessments per
hour, contacts per hour). A pilot whose measured effect is below zero is a failure: with
probability ``blame_response`` someone is blamed for it (a blame event, stress +0.2).
"""

from __future__ import annotations

import numpy as np

# March's rules live in slsim.model.march; they are re-exported here, where older callers find them.
from slsim.model.march import knowledge, learn_code, run_march, socialise
from slsim.model.place import ORG_KINDS, ORG_LABELS
from slsim.model.population import IMPROVE, INVOLVE, SENIOR

__all__ = ["init", "knowledge", "learn_code", "run_march", "socialise", "step"]

OWNS = ("reality", "pilots")
READS = ("org_hours", "newly_involved")
WRITES = ()
TALLIES = ("practice", "experiments_started", "experiments_scaled", "blame_events")  # adds failed pilots' blame

PILOT_WEEKS = 8
MARCH_GROUP = 50  # the size of March's (1991) organisation
PROMISE = 0.05
PILOT_NAMES = {
    "acute": ("a trusted assessor", "discharge to assess", "a frailty unit"),
    "community": ("a rapid response team", "virtual wards", "a joint step-down team"),
    "social_care": ("reablement at home", "a trusted assessor", "a seven-day discharge team"),
    "primary_care": ("multidisciplinary huddles", "social prescribing", "proactive frailty reviews"),
    "voluntary": ("community navigators", "a peer support network", "home-from-hospital volunteers"),
}


# ---------------------------------------------------------------- in the place
def init(model) -> None:
    """Reality starts all +1; each organisation's way of working starts right on 40% of
    dimensions, wrong on 15%; no pilots are running."""
    model.reality = np.ones(model.params.knowledge_dims, np.int8)
    model.pilots = []  # running pilots: org, name, start week, true effect
    rng = model.streams["learning"]
    u = rng.random(model.orgs.code.shape)
    model.orgs.code[:] = np.where(u < 0.4, 1, np.where(u < 0.55, -1, 0))
    model.orgs.practice[:] = knowledge(model.orgs.code, model.reality)


def step(model) -> None:
    rng = model.streams["learning"]
    p = model.params
    s = model.staff
    orgs = model.orgs
    reality = model.reality
    active = s.filled
    rows = np.flatnonzero(active)
    # Fancy indexing copies, so socialise a copy of the filled rows and write it back.
    beliefs = s.beliefs[rows]
    model.rules.socialise(beliefs, orgs.code[s.org[rows]], model.style["socialisation_rate"][s.org[rows]], rng)
    s.beliefs[rows] = beliefs
    breadth = model.style["learning_breadth"]
    inv = model.org_hours[:, INVOLVE]
    involved = model.newly_involved
    share = inv / inv.sum() if inv.sum() > 0 else np.zeros(len(inv))
    for o in range(len(ORG_KINDS)):
        mine = rows[s.org[rows] == o]
        listened = mine[(s.role[mine] == SENIOR) | (s.listened_u[mine] < breadth[o])]
        group = s.beliefs[listened]
        n_cit = int(round(len(involved) * share[o] * breadth[o]))
        if n_cit:
            pick = rng.choice(involved, min(n_cit, len(involved)), replace=False)
            group = np.concatenate([group, model.citizens.beliefs[pick]])
        # March's code learns from a group of 50; counting votes per 50 listened people keeps the
        # code's pace the same in a large organisation and a small one (k votes of n act as
        # k * 50 / n, i.e. p2 becomes 1 - (1 - p2) ** (50 / n)).
        p2 = 1 - (1 - p.code_learning_rate) ** (MARCH_GROUP / max(len(group), 1))
        model.rules.learn_code(orgs.code[o], group, reality, p2, rng)
    flip = rng.random(len(reality)) < p.turbulence
    reality[flip] = -reality[flip]
    orgs.practice[:] = knowledge(orgs.code, reality)
    _pilots(model, rng)
    model.w["practice"] = orgs.practice.mean()


def _pilots(model, rng) -> None:
    orgs = model.orgs
    week = model.week
    k = len(ORG_KINDS)
    imp_hours = model.org_hours[:, IMPROVE]
    filled = np.bincount(model.staff.org[model.staff.filled], minlength=k)
    per_post = imp_hours / np.maximum(filled, 1)
    p_start = model.style["experimentation"] * np.minimum(1, per_post / 1.5) * (0.5 + 0.5 * orgs.psych_safety)
    start = rng.random(k) < p_start
    effects = rng.normal(0.03, 0.05, k)
    names = rng.integers(0, 3, k)
    for o in np.flatnonzero(start):
        kind = ORG_KINDS[o]
        name = PILOT_NAMES[kind][names[o]]
        model.pilots.append({"org": int(o), "name": name, "start": week, "effect": float(effects[o])})
        model.log("pilot started", kind, f"{ORG_LABELS[kind]} started a pilot of {name}")
    model.w["experiments_started"] = int(start.sum())
    due = [pl for pl in model.pilots if pl["start"] + PILOT_WEEKS <= week]
    model.pilots = [pl for pl in model.pilots if pl["start"] + PILOT_WEEKS > week]
    scaled = 0
    noise = rng.normal(0, 0.02, len(due))
    u = rng.random(len(due))
    for pl, e, ub in zip(due, noise, u):
        o = pl["org"]
        kind = ORG_KINDS[o]
        measured = pl["effect"] + e
        threshold = PROMISE * (1 - model.style["partial_gain_acceptance"][o])
        if measured > 0 and measured >= threshold:
            orgs.improvement[o] = min(0.3, orgs.improvement[o] + max(pl["effect"], -orgs.improvement[o]))
            scaled += 1
            model.log("pilot scaled", kind, f"Pilot of {pl['name']} scaled after {PILOT_WEEKS} weeks "
                                            f"({ORG_LABELS[kind].lower()}, measured gain {measured:+.0%})")
        elif measured < 0 and ub < model.style["blame_response"][o]:
            s = model.staff
            mine = np.flatnonzero((s.org == o) & s.filled)
            if len(mine):
                who = mine[rng.integers(len(mine))]
                s.stress[who] = min(1.0, s.stress[who] + 0.2)
            model.w["blame_events"] += 1
            model.log("blame", kind, f"Pilot of {pl['name']} failed and its lead was blamed "
                                     f"({ORG_LABELS[kind].lower()})")
        else:
            model.log("pilot stopped", kind, f"Pilot of {pl['name']} stopped: measured gain {measured:+.0%} "
                                             f"short of what leaders accept ({ORG_LABELS[kind].lower()})")
    model.w["experiments_scaled"] = scaled
