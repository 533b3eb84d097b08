"""The seats at a workshop table and the decisions each seat takes, mapped onto the model.

Rules:

* A table has one seat per organisation kind of the place (``slsim.model.place.ORG_KINDS``) and,
  optionally, a citizens' panel (``"citizens"``). A seat decides only for its own organisation.
* Every decision is one choice from a short list (:data:`CHOICES`). Each choice sets the
  organisation's own leadership behaviours (``Params.leadership_overrides``, fields in
  ``LEADERSHIP_FIELDS``); one choice of each list is today's default value ("as today"), except
  the answer to a failure, whose default (``blame_response`` 0.6) lies between its choices. Nothing else
  about the model changes: a table's numbers are the numbers a researcher gets from
  ``SystemModel`` with the same overrides.
* "Blame a person" and "blame a partner" both answer failures with blame (``blame_response``
  0.85): the model decides itself whether a blamed failure falls on a colleague or a partner
  organisation, so the two choices differ in what the seat says, not in the numbers.
* A pooled budget takes effect only when the acute hospital offers a share **and** adult social
  care agrees in the same round (``pooled_budget``, ``pooled_share``); either seat alone changes
  nothing.
* The citizens' panel has no organisation to run: it reads, sends requests and predicts; its
  decisions are recorded (its priority) but move no parameter.
* A seat played by the computer takes, every round, the choices nearest to the leadership
  values of a scenario (:func:`computer_choices`), so a "systems leadership" computer plays as
  that scenario's leaders would, within the choices people have.
"""

from __future__ import annotations

from typing import Any

from slsim.model.params import LEADERSHIP_FIELDS, Params
from slsim.model.place import ORG_KINDS, ORG_LABELS
from slsim.model.scenario import resolve_scenario
from slsim.results import present

CITIZENS = "citizens"
SEATS: tuple[str, ...] = (*ORG_KINDS, CITIZENS)
SEAT_LABELS: dict[str, str] = {**{k: f"Director, {v.lower()}" for k, v in ORG_LABELS.items()},
                               CITIZENS: "Citizens' panel"}

# decision -> choice -> (words shown, leadership values it sets)
CHOICES: dict[str, dict[str, tuple[str, dict[str, float]]]] = {
    "failure_response": {
        "blame_person": ("Name who made the mistake and hold them to account", {"blame_response": 0.85}),
        "blame_partner": ("Name the partner organisation whose failure it was", {"blame_response": 0.85}),
        "joint_review": ("Review it jointly with partners; nobody is named", {"blame_response": 0.15}),
    },
    "boundary_time": {
        "little": ("Staff stay on our own targets", {"shared_ambition": 0.1}),
        "some": ("Some time on partners' problems (as today)", {"shared_ambition": 0.25}),
        "much": ("Much staff time on partners' problems and with citizens, under a shared ambition",
                 {"shared_ambition": 0.8}),
    },
    "citizens": {
        "late": ("Consult citizens on a finished plan", {"citizen_involvement": 0.1}),
        "some": ("Involve some citizens (as today)", {"citizen_involvement": 0.2}),
        "early": ("Involve citizens from the start, including those seldom heard", {"citizen_involvement": 0.7}),
    },
    "who_decides": {
        "hold": ("Senior managers decide", {"ceding": 0.1}),
        "some": ("Cede some decisions (as today)", {"ceding": 0.25}),
        "cede": ("Cede many decisions to frontline teams, partners and citizens", {"ceding": 0.7}),
    },
    "learning": {
        "top": ("The top sets the way of working; staff follow it",
                {"socialisation_rate": 0.5, "learning_breadth": 0.0}),
        "mixed": ("Some of each (as today)", {"socialisation_rate": 0.35, "learning_breadth": 0.2}),
        "frontline": ("The way of working follows what frontline staff and citizens report",
                      {"socialisation_rate": 0.1, "learning_breadth": 1.0}),
    },
    "pilot": {
        "drop": ("No pilots", {"experimentation": 0.0, "partial_gain_acceptance": 0.0}),
        "hold": ("Keep the pilots we have (as today)", {"experimentation": 0.2, "partial_gain_acceptance": 0.3}),
        "start": ("Start new pilots", {"experimentation": 0.6, "partial_gain_acceptance": 0.3}),
        "scale": ("Start pilots and scale partial gains", {"experimentation": 0.6, "partial_gain_acceptance": 0.8}),
    },
}
# Money: the hospital offers a share of its budget; social care agrees or not.
POOL_OFFERS: dict[str, tuple[str, float]] = {"none": ("No pooled budget", 0.0),
                                             "5": ("Offer 5% of our budget to a pool", 0.05),
                                             "10": ("Offer 10% of our budget to a pool", 0.10)}
POOL_ANSWERS: dict[str, tuple[str, bool]] = {"no": ("Do not join a pooled budget", False),
                                             "yes": ("Join the hospital's pooled budget", True)}
PANEL_PRIORITIES: dict[str, str] = {"discharge": "Getting people home from hospital",
                                    "home_care": "Enough time in home-care visits",
                                    "voice": "Being heard, especially those on the outside",
                                    "waits": "Shorter waits for operations"}

# A choice in a few words for the debrief's timeline; "" for today's choice (the timeline then
# says "as today": the seat kept today's setting).
SHORT: dict[str, dict[str, str]] = {
    "failure_response": {"blame_person": "blames a person", "blame_partner": "blames the partner",
                         "joint_review": "joint review"},
    "boundary_time": {"little": "own targets only", "some": "", "much": "shared ambition"},
    "citizens": {"late": "citizens late", "some": "", "early": "citizens early"},
    "who_decides": {"hold": "top decides", "some": "", "cede": "cedes decisions"},
    "learning": {"top": "learns from the top", "mixed": "", "frontline": "learns from the frontline"},
    "pilot": {"drop": "drops pilots", "hold": "", "start": "starts pilots", "scale": "scales pilots"},
    "pool_offer": {"none": "", "5": "offers 5% pool", "10": "offers 10% pool"},
    "pool_answer": {"no": "", "yes": "joins the pool"},
    "priority": {k: k.replace("_", " ") for k in PANEL_PRIORITIES},
}


def short_text(decisions: dict[str, str]) -> str:
    """A seat's round in a few words: the choices that differ from today's, or "as today"."""
    words = [SHORT[name][choice] for name, choice in decisions.items() if SHORT.get(name, {}).get(choice)]
    return "; ".join(words) or "as today"


DECISION_TITLES: dict[str, str] = {
    "failure_response": "When a failure happens in your organisation, how do you answer it?",
    "boundary_time": "How much time may staff spend across boundaries and with citizens?",
    "citizens": "When are citizens involved?",
    "who_decides": "Who decides?",
    "learning": "Who does the official way of working learn from?",
    "pilot": "Pilots",
    "pool_offer": "Pooled budget with adult social care",
    "pool_answer": "Pooled budget offered by the hospital",
    "priority": "The panel's priority this round",
}


# Event kinds the model logs when a failure is answered (``slsim.model.processes.failures``).
FAILURE_KINDS = frozenset({"blame", "joint review"})


def decision_title(name: str, seat: str, last: dict[str, Any] | None) -> str:
    """The question shown for a decision. The failure question is a standing policy, except after
    a round in which the seat's own organisation had a failure (its event log says so)."""
    if name == "failure_response" and last is not None and any(
            kind in FAILURE_KINDS and org == seat for _, kind, org, _ in last.get("events", [])):
        return ("Your organisation had a failure last round (see What happened). "
                "How do you answer failures from now on?")
    return DECISION_TITLES[name]


class DecisionError(ValueError):
    """A decision that is not one of the allowed choices; the message says what is allowed."""


def decisions_for(seat: str) -> tuple[str, ...]:
    """The decisions one seat takes, in the order shown on its screen."""
    if seat == CITIZENS:
        return ("priority",)
    extra = {"acute": ("pool_offer",), "social_care": ("pool_answer",)}.get(seat, ())
    return (*CHOICES, *extra)


def options(decision: str) -> dict[str, str]:
    """A decision's choices: value -> words."""
    if decision in CHOICES:
        return {k: words for k, (words, _) in CHOICES[decision].items()}
    if decision == "pool_offer":
        return {k: words for k, (words, _) in POOL_OFFERS.items()}
    if decision == "pool_answer":
        return {k: words for k, (words, _) in POOL_ANSWERS.items()}
    if decision == "priority":
        return dict(PANEL_PRIORITIES)
    raise DecisionError(f"unknown decision {decision!r}")


def validate(seat: str, decisions: Any) -> dict[str, str]:
    """The seat's complete decisions, checked: every decision of the seat, one allowed choice each.

    Raises DecisionError naming the first thing wrong and what is allowed; nothing is changed.
    """
    if seat not in SEATS:
        raise DecisionError(f"seat {seat!r} is not a seat; allowed: {', '.join(SEATS)}")
    if not isinstance(decisions, dict):
        raise DecisionError("decisions must be a mapping of decision to choice")
    wanted = decisions_for(seat)
    unknown = sorted(set(map(str, decisions)) - set(wanted))
    if unknown:
        raise DecisionError(f"{unknown[0]!r} is not a decision of this seat; allowed: {', '.join(wanted)}")
    out = {}
    for name in wanted:
        value = decisions.get(name)
        allowed = options(name)
        if not isinstance(value, str) or value not in allowed:
            raise DecisionError(f"{name} = {value!r}: allowed: {', '.join(allowed)}")
        out[name] = value
    return out


def leadership(seat: str, decisions: dict[str, str]) -> dict[str, float]:
    """The leadership behaviours a seat's (validated) decisions set for its organisation."""
    style: dict[str, float] = {}
    for name in CHOICES:
        style.update(CHOICES[name][decisions[name]][1])
    assert set(style) == set(LEADERSHIP_FIELDS), "every leadership behaviour is set by some decision"
    return style


def changes_for(table: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The parameter changes one round's decisions of a whole table make (all five organisations'
    leadership, and the pooled budget if the hospital offered and social care agreed)."""
    overrides = {kind: leadership(kind, table[kind]) for kind in ORG_KINDS}
    offer = POOL_OFFERS[table["acute"]["pool_offer"]][1]
    agreed = POOL_ANSWERS[table["social_care"]["pool_answer"]][1]
    pooled = offer > 0 and agreed
    changes: dict[str, Any] = {"leadership_overrides": overrides, "pooled_budget": pooled}
    if pooled:
        changes["pooled_share"] = offer
    return changes


def pool_agreed(table: dict[str, dict[str, str]]) -> bool:
    """Whether a round's decisions put a pooled budget in place."""
    return bool(changes_for(table)["pooled_budget"])


def todays_choices(seat: str) -> dict[str, str | None]:
    """Where a new player's screen starts: for each decision the choice that keeps today's
    setting (its values are the model's defaults, no pooled budget), or ``None`` where no choice
    does (the answer to a failure, the panel's priority): the player must choose those, so the
    debrief's timeline shows only what players chose or kept, never a choice made for them."""
    defaults = Params()
    out: dict[str, str | None] = {}
    for name in decisions_for(seat):
        if name in CHOICES:
            out[name] = next((k for k, (_, v) in CHOICES[name].items()
                              if all(getattr(defaults, f) == x for f, x in v.items())), None)
        elif name == "pool_offer":
            out[name] = "none"
        elif name == "pool_answer":
            out[name] = "no"
        else:
            out[name] = None
    return out


def unanswered(seat: str, values: dict[str, str | None]) -> list[str]:
    """The seat's decisions with no choice yet, in screen order."""
    return [name for name in decisions_for(seat) if values.get(name) is None]


def computer_choices(seat: str, style: str) -> dict[str, str]:
    """The choices a computer-played seat makes in the style of a scenario: for each decision the
    choice whose leadership values are nearest (sum of absolute differences; ties to the first)."""
    params: Params = resolve_scenario(style).params_with()
    values = {name: getattr(params, name) for name in LEADERSHIP_FIELDS}
    out = {}
    for name in decisions_for(seat):
        if name in CHOICES:
            out[name] = min(CHOICES[name], key=lambda k: sum(abs(v - values[f])
                                                             for f, v in CHOICES[name][k][1].items()))
        elif name == "pool_offer":
            share = params.pooled_share if params.pooled_budget else 0.0
            out[name] = min(POOL_OFFERS, key=lambda k: abs(POOL_OFFERS[k][1] - share))
        elif name == "pool_answer":
            out[name] = "yes" if params.pooled_budget else "no"
        else:
            out[name] = next(iter(PANEL_PRIORITIES))
    return out


def pool_sentence(seat: str, pool: dict[str, Any]) -> str:
    """What the hospital or social care sees of the other side of the pooled budget this round
    (``pool`` as :meth:`~slsim.tools.workshop.service.Service.pool_view` gives it); "" for other seats.
    A player's submission may still change until the round locks, and the sentence says so."""
    if seat == "social_care":
        offer, state = pool["offer"], pool["offer_state"]
        if state == "undecided":
            return "The hospital has not yet submitted its pooled-budget offer for this round."
        share = POOL_OFFERS[offer][1]
        what = ("offers no pooled budget" if share == 0 else
                f"offers {present.share(share)} of its budget to a pool with you")
        tail = {"submitted": " (submitted; it can still change until the round locks).",
                "computer": " (the computer plays the hospital)."}[state]
        yes = " If you join, the pool is in place this round." if share > 0 else " Joining changes nothing."
        return f"This round the hospital {what}{tail}{yes}"
    if seat == "acute":
        answer, state = pool["answer"], pool["answer_state"]
        if state == "undecided":
            return "Social care has not yet said whether it joins a pooled budget this round."
        agreed = POOL_ANSWERS[answer][1]
        what = "agrees to join a pooled budget" if agreed else "does not join a pooled budget"
        tail = {"submitted": " (submitted; it can still change until the round locks).",
                "computer": " (the computer plays social care)."}[state]
        return f"This round social care {what}{tail}"
    return ""


# Differences smaller than these are "no difference" on a choice's note (model noise, not news).
NOTE_FLOOR = {"balance_change": 500.0, "delayed_transfers": 0.05, "trust": 0.005, "stress": 0.005}


def _signed(x: float, text: str) -> str:
    return ("+" if x > 0 else "\u2212") + text


def outlook_note(seat: str, decision: str, choice: str, outlook: dict[str, Any] | None) -> str:
    """A choice's note in words, from the model's outlook for the seat
    (:meth:`~slsim.tools.workshop.service.Service.outlook`): this round, the change of the seat's
    own running balance and of the place's delayed transfers; later, the change of the seat's
    trust in its partners and of its staff's stress at the round's end (both carry into the next
    rounds). Every change is against the table's last decisions (round 1: the place as it runs);
    changes under :data:`NOTE_FLOOR` are left out. Every choice is described the same way."""
    if not outlook or decision not in outlook or choice not in outlook[decision]:
        return ""
    base, mine = outlook["base"]["base"], outlook[decision][choice]
    d = {k: mine[k] - base[k] for k in NOTE_FLOOR}
    now, later = [], []
    if abs(d["balance_change"]) >= NOTE_FLOOR["balance_change"]:
        now.append(f"your balance {_signed(d['balance_change'], present.money(abs(d['balance_change'])))}")
    if abs(d["delayed_transfers"]) >= NOTE_FLOOR["delayed_transfers"]:
        now.append(f"patients stuck in hospital "
                   f"{_signed(d['delayed_transfers'], present.number(abs(d['delayed_transfers'])))} a day")
    if abs(d["trust"]) >= NOTE_FLOOR["trust"]:
        later.append(f"your trust in partners {_signed(d['trust'], present.number(abs(d['trust'])))}")
    if abs(d["stress"]) >= NOTE_FLOOR["stress"]:
        later.append(f"staff stress {_signed(d['stress'], present.number(abs(d['stress'])))}")
    if not now and not later:
        return "Model: no clear difference this round"
    words = "; ".join(filter(None, ["This round: " + ", ".join(now) if now else "",
                                    "carried on: " + ", ".join(later) if later else ""]))
    cond = {("pool_offer", True): " (if social care joins)",
            ("pool_answer", True): " (if the hospital offers 5%)"}.get((decision, choice not in ("none", "no")), "")
    return f"Model: {words}{cond}"
