"""Learning: March's (1991) exploration and exploitation, and pilots (experiments).

**March (1991).** Reality is a vector of ``knowledge_dims`` dimensions, each +1 or -1. Each person
and each organisation's official way of working (its "code") holds a belief on every dimension:
+1, -1 or 0 (no view). When the place opens reality is +1 everywhere and each organisation's code
is right on each dimension with probability {code_right_start:.0%} and wrong with probability
{code_wrong_start:.0%} (no view otherwise). Each week, all at once:

* **Socialisation** (rate ``socialisation_rate``, March's p1): on every dimension where the code
  has a view and a person's belief differs, the person adopts the code's belief with probability
  p1. Fast socialisation (conform, wait for instructions) wipes out local knowledge.
* **Code learning** (rate ``code_learning_rate``, March's p2): the code looks at the people it
  listens to who know more than it does (the "superior group"). On each dimension where their
  majority belief differs from the code, the code adopts it with probability ``1 - (1 - p2)**k``,
  where k is how many more of them hold the majority belief than hold the code's, counted per
  {march_group} people listened to (March's organisation had {march_group}), so the code's pace does
  not depend on the size of the organisation. Who the code listens to is set by
  ``learning_breadth``: senior leaders always; any other staff member whose fixed draw is below the
  breadth; and, in proportion to the breadth, the citizens involved this week (lived experience),
  shared between organisations by their hours spent involving citizens.
* **Turbulence**: each dimension of reality flips with probability ``turbulence`` a week.
* An organisation's **practice** is the share of dimensions its code has right; it makes support
  work better, incidents rarer.

**Pilots.** Each week an organisation starts a pilot with probability
``experimentation * min(1, improvement hours per filled post / {pilot_hours}) *
({pilot_safety_base} + {pilot_safety} * psychological safety)``: pilots need people with time to run
them, counted per post so that a large organisation and a small one with the same habits pilot
alike.
A pilot's true effect is drawn from Normal({pilot_effect_mean}, {pilot_effect_sd}) (uncertain,
sometimes harmful); after {pilot_weeks} weeks its measured effect (true + Normal(0,
{measurement_noise})) is judged against a promise of {promise}: it is scaled if the measured effect
is at least ``{promise} * (1 - partial_gain_acceptance)`` and above 0 (accepting partial, "clumsy"
gains). A scaled pilot adds its true effect to the organisation's improvement (capped at
{improvement_cap}, never below 0), which raises the capacity its kind's work turns into
(assessments per hour, contacts per hour). A pilot whose measured effect is below zero is a
failure: with probability ``blame_response`` someone is blamed for it (a blame event, stress
+{blame_stress}). Any other pilot is stopped.
"""

from __future__ import annotations

import numpy as np

# March's rules live in slsim.model.march; they are re-exported here, where older callers find them.
from slsim.model.coefficients import ASSUMPTION, Block, Coefficient
from slsim.model.march import knowledge, learn_code, run_march, socialise
from slsim.model.place import ORG_KINDS, ORG_LABELS
from slsim.model.population import IMPROVE, INVOLVE, SENIOR, Column

__all__ = ["init", "knowledge", "learn_code", "run_march", "socialise", "step"]

OWNS = ("reality", "pilots")
COLUMNS = (Column("orgs", "practice"),  # how well the official way of working fits reality, 0-1
           Column("orgs", "improvement"),  # what scaled pilots add to practice
           Column("orgs", "code", np.int8, width="knowledge_dims"))  # the official way of working (March 1991)
READS = ("org_hours", "newly_involved", "staff.org", "staff.role", "staff.filled", "staff.listened_u",
         "orgs.psych_safety", "citizens.beliefs")
WRITES = (
    "staff.beliefs",  # people are socialised into the official way of working
    "staff.stress",  # a failed pilot under blame stresses the people who ran it
)
TALLIES = ("practice", "experiments_started", "experiments_scaled", "blame_events")  # adds failed pilots' blame

COEFFICIENTS = Block(
    "learning",
    Coefficient("code_right_start", 0.4, "share of dimensions", (0.0, 1.0),
                f"{ASSUMPTION} services start knowing a good part of what works, not most of it",
                "Chance that a dimension of an organisation's code starts right.", setup=True),
    Coefficient("code_wrong_start", 0.15, "share of dimensions", (0.0, 1.0),
                f"{ASSUMPTION} some established practice is wrong (code_right_start + this is at most 1)",
                "Chance that a dimension of an organisation's code starts wrong.", setup=True),
    Coefficient("march_group", 50, "people", (1, 1000),
                "March (1991): the organisation of his model had 50 people",
                "People listened to per which the code counts its votes, so its pace does not depend on the "
                "size of the organisation.", integer=True),
    Coefficient("pilot_hours", 1.5, "improvement hours per filled post a week", (0.1, 20.0),
                f"{ASSUMPTION} a pilot needs a few people with an hour or two a week each",
                "Improvement hours per filled post at which an organisation pilots as often as its style allows."),
    Coefficient("pilot_safety_base", 0.5, "multiple of experimentation", (0.0, 1.0),
                f"{ASSUMPTION} where speaking up is unsafe, pilots start half as often",
                "Share of the style's pilots started with no psychological safety."),
    Coefficient("pilot_safety", 0.5, "multiple of experimentation per unit of psychological safety", (0.0, 1.0),
                f"{ASSUMPTION} full safety lets the style's pilots all start (with pilot_safety_base, 1)",
                "Rise of the share of pilots started with psychological safety."),
    Coefficient("pilot_effect_mean", 0.03, "improvement", (-0.2, 0.2),
                f"{ASSUMPTION} most service pilots help a little",
                "Mean true effect of a pilot on the organisation's improvement."),
    Coefficient("pilot_effect_sd", 0.05, "improvement", (0.0, 0.3),
                f"{ASSUMPTION} pilots are uncertain; about a quarter do harm",
                "Standard deviation of a pilot's true effect."),
    Coefficient("pilot_weeks", 8, "weeks", (1, 52),
                f"{ASSUMPTION} a quarter is the usual run of a service pilot before it is judged",
                "Weeks a pilot runs before its measured effect is judged.", integer=True),
    Coefficient("measurement_noise", 0.02, "improvement", (0.0, 0.3),
                f"{ASSUMPTION} a pilot's evaluation measures its effect roughly",
                "Standard deviation of the error in a pilot's measured effect."),
    Coefficient("promise", 0.05, "improvement", (0.0, 0.3),
                f"{ASSUMPTION} pilots are sold on a gain larger than most deliver",
                "Gain a pilot was promised, which its measured effect is judged against."),
    Coefficient("improvement_cap", 0.3, "improvement", (0.0, 1.0),
                f"{ASSUMPTION} pilots can raise a service's capacity by about a third at most",
                "Largest improvement pilots can add up to in an organisation."),
    Coefficient("blame_stress", 0.2, "stress 0-1", (0.0, 1.0),
                f"{ASSUMPTION} being blamed is a large, sudden stress (as for failures)",
                "Rise of the stress of the lead of a failed pilot who is blamed."),
)
__doc__ = COEFFICIENTS.document(__doc__)

PILOT_NAMES = {
    "acute": ("a trusted assessor", "discharge to assess", "a frailty unit"),
    "community": ("a rapid response team", "virtual wards", "a joint step-down team"),
    "social_care": ("reablement at home", "a trusted assessor", "a seven-day discharge team"),
    "primary_care": ("multidisciplinary huddles", "social prescribing", "proactive frailty reviews"),
    "voluntary": ("community navigators", "a peer support network", "home-from-hospital volunteers"),
}


# ---------------------------------------------------------------- in the place
def init(model) -> None:
    """Reality starts all +1; each organisation's way of working starts right and wrong on the
    shares of dimensions its coefficients give (rule above); no pilots are running."""
    model.reality = np.ones(model.params.knowledge_dims, np.int8)
    model.pilots = []  # running pilots: org, name, start week, true effect
    rng = model.streams["learning"]
    k = model.coef.learning
    u = rng.random(model.orgs.code.shape)
    right = k.code_right_start
    model.orgs.code[:] = np.where(u < right, 1, np.where(u < right + k.code_wrong_start, -1, 0))
    model.orgs.practice[:] = knowledge(model.orgs.code, model.reality)


def step(model) -> None:
    rng = model.streams["learning"]
    p = model.params
    k = model.coef.learning
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
        # March's code learns from a group of march_group people; counting votes per march_group
        # listened people keeps the code's pace the same in a large organisation and a small one
        # (v votes of n act as v * march_group / n, i.e. p2 becomes 1 - (1 - p2) ** (march_group / n)).
        p2 = 1 - (1 - p.code_learning_rate) ** (k.march_group / max(len(group), 1))
        model.rules.learn_code(orgs.code[o], group, reality, p2, rng)
    flip = rng.random(len(reality)) < p.turbulence
    reality[flip] = -reality[flip]
    orgs.practice[:] = knowledge(orgs.code, reality)
    _pilots(model, rng)
    model.w["practice"] = orgs.practice.mean()


def _pilots(model, rng) -> None:
    orgs = model.orgs
    week = model.week
    c = model.coef.learning
    k = len(ORG_KINDS)
    imp_hours = model.org_hours[:, IMPROVE]
    filled = np.bincount(model.staff.org[model.staff.filled], minlength=k)
    per_post = imp_hours / np.maximum(filled, 1)
    p_start = (model.style["experimentation"] * np.minimum(1, per_post / c.pilot_hours)
               * (c.pilot_safety_base + c.pilot_safety * orgs.psych_safety))
    start = rng.random(k) < p_start
    effects = rng.normal(c.pilot_effect_mean, c.pilot_effect_sd, k)
    names = rng.integers(0, 3, k)
    for o in np.flatnonzero(start):
        kind = ORG_KINDS[o]
        name = PILOT_NAMES[kind][names[o]]
        model.pilots.append({"org": int(o), "name": name, "start": week, "effect": float(effects[o])})
        model.log("pilot started", kind, f"{ORG_LABELS[kind]} started a pilot of {name}")
    model.w["experiments_started"] = int(start.sum())
    due = [pl for pl in model.pilots if pl["start"] + c.pilot_weeks <= week]
    model.pilots = [pl for pl in model.pilots if pl["start"] + c.pilot_weeks > week]
    scaled = 0
    noise = rng.normal(0, c.measurement_noise, len(due))
    u = rng.random(len(due))
    for pl, e, ub in zip(due, noise, u):
        o = pl["org"]
        kind = ORG_KINDS[o]
        measured = pl["effect"] + e
        threshold = c.promise * (1 - model.style["partial_gain_acceptance"][o])
        if measured > 0 and measured >= threshold:
            orgs.improvement[o] = min(c.improvement_cap, orgs.improvement[o] + max(pl["effect"], -orgs.improvement[o]))
            scaled += 1
            model.log("pilot scaled", kind, f"Pilot of {pl['name']} scaled after {c.pilot_weeks} weeks "
                                            f"({ORG_LABELS[kind].lower()}, measured gain {measured:+.0%})")
        elif measured < 0 and ub < model.style["blame_response"][o]:
            s = model.staff
            mine = np.flatnonzero((s.org == o) & s.filled)
            if len(mine):
                who = mine[rng.integers(len(mine))]
                s.stress[who] = min(1.0, s.stress[who] + c.blame_stress)
            model.w["blame_events"] += 1
            model.log("blame", kind, f"Pilot of {pl['name']} failed and its lead was blamed "
                                     f"({ORG_LABELS[kind].lower()})")
        else:
            model.log("pilot stopped", kind, f"Pilot of {pl['name']} stopped: measured gain {measured:+.0%} "
                                             f"short of what leaders accept ({ORG_LABELS[kind].lower()})")
    model.w["experiments_scaled"] = scaled
