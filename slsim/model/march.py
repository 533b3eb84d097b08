"""March (1991), "Exploration and exploitation in organizational learning" (Organization Science
2(1): 71-87), on its own: n people, one organisational code, m dimensions of reality.

Reality has ``dims`` dimensions, each +1 or -1 with probability 0.5. People start with beliefs
+1, 0 or -1 on each dimension with equal probability; the code starts neutral (0) everywhere
(March 1991: 74-75). Two versions of the rules are here:

* ``variant="paper"``: the rules as the paper's text states them (March 1991: 74 and footnote 1).
  A person whose belief differs from the code's view adopts it outright with probability p1; the
  code learns from the people who *know* more than it does (more dimensions right).
* ``variant="original"``: March's own algorithm, as recovered from his program by Christensen
  (2015) and recreated by Workiewicz (2019, github.com/Mac13kW/March_1991_Original), which
  reproduces the paper's Figure 1. Each period people first *act* (a 0 belief acts as a coin
  flip), then are socialised *gradually* (a belief opposite to the code first becomes 0, only
  later the code's value), and the code learns from the people whose *actions* scored better than
  the code. A run ends at equilibrium: nobody differs from the code where it has a view, and no
  one could outscore the code even with lucky coin flips.

Two measures of how right a set of beliefs is:

* :func:`knowledge`, the share of dimensions right (a 0 belief is not right), as the paper's text
  defines knowledge; the place uses this one.
* :func:`score`, (dimensions right - dimensions wrong) / dims. March's program compares and
  reports this one (Christensen 2015, via Workiewicz 2019; Watts & Gilbert 2014 found the same in
  a BASIC version of March's code), so March's Figure 1 ("average equilibrium knowledge") is in
  this unit.
"""

from __future__ import annotations

import numpy as np

VARIANTS = ("paper", "original")
OPEN_SYSTEM_PERIODS = 200  # with turnover or turbulence there is no equilibrium to wait for
MAX_PERIODS = 10_000  # a guard only: closed runs settle in well under 1,000 periods

# The six cells of March's (1991) Figure 1 that the issue quotes, as (p1, p2).
FIGURE_1_CELLS = ((0.1, 0.9), (0.9, 0.9), (0.1, 0.5), (0.9, 0.5), (0.1, 0.1), (0.9, 0.1))


def check_variant(variant: str) -> None:
    """Refuse a variant other than "paper" or "original", naming the allowed values."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(repr(v) for v in VARIANTS)}; got {variant!r}")


# ---------------------------------------------------------------- measures
def knowledge(beliefs: np.ndarray, reality: np.ndarray) -> np.ndarray:
    """Share of dimensions right, for each row of beliefs (a 0 belief counts as not right)."""
    return (beliefs == reality).mean(axis=-1)


def score(beliefs: np.ndarray, reality: np.ndarray) -> np.ndarray:
    """(Dimensions right - dimensions wrong) / dims for each row: a wrong belief costs a point, no view costs none."""
    return _points(beliefs, reality) / reality.shape[-1]


def _points(beliefs: np.ndarray, reality: np.ndarray) -> np.ndarray:
    # Whole numbers, so that "scores better than" is an exact comparison.
    return (beliefs * reality).sum(axis=-1, dtype=np.int64)


# ---------------------------------------------------------------- the paper's rules
def socialise(beliefs: np.ndarray, code: np.ndarray, p1: np.ndarray, rng) -> None:
    """Each person adopts the code's view (where it has one and theirs differs) with probability p1.

    ``beliefs`` is (people x dims), ``code`` (people x dims) or (dims,), ``p1`` (people,) or scalar.
    Updated in place.
    """
    differs = (code != 0) & (beliefs != code)
    p1 = np.broadcast_to(np.asarray(p1, float).reshape(-1, 1) if np.ndim(p1) else p1, beliefs.shape)
    adopt = differs & (rng.random(beliefs.shape) < p1)
    np.copyto(beliefs, np.broadcast_to(code, beliefs.shape), where=adopt)


def _pull(code: np.ndarray, superior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The superior group's majority view on each dimension, and k = its votes minus the code's view's votes."""
    plus = (superior == 1).sum(axis=0)
    minus = (superior == -1).sum(axis=0)
    majority = np.sign(plus - minus).astype(np.int8)
    n_major = np.where(majority == 1, plus, minus)
    n_code = np.where(code == 1, plus, np.where(code == -1, minus, 0))
    return majority, n_major - n_code


def learn_code(code: np.ndarray, group: np.ndarray, reality: np.ndarray, p2: float, rng) -> None:
    """The code learns from the members of ``group`` (rows of beliefs) who know more than it does.

    In place; ``code`` is (dims,) and ``group`` (people x dims).
    """
    if len(group) == 0:
        return
    superior = group[knowledge(group, reality) > knowledge(code, reality)]
    if len(superior) == 0:
        return
    majority, k = _pull(code, superior)
    change = (majority != 0) & (majority != code) & (k > 0)
    prob = 1 - (1 - p2) ** np.maximum(k, 0)
    flip = change & (rng.random(code.shape) < prob)
    code[flip] = majority[flip]


def _paper_settled(beliefs: np.ndarray, code: np.ndarray, reality: np.ndarray) -> bool:
    """True when neither paper rule can change anything again.

    Nobody differs from the code where it has a view, and the code has nothing left to learn:
    nobody knows more than it does, or their majority agrees with it (or ties) on every dimension.
    """
    if ((code != 0) & (beliefs != code)).any():
        return False
    superior = beliefs[knowledge(beliefs, reality) > knowledge(code, reality)]
    if len(superior) == 0:
        return True
    majority, k = _pull(code, superior)
    return not ((majority != 0) & (majority != code) & (k > 0)).any()


# ---------------------------------------------------------------- March's original rules
def act(beliefs: np.ndarray, rng) -> np.ndarray:
    """What each person does on each dimension: their belief, or a fair coin flip (+1 or -1) where they have no view."""
    coin = np.where(rng.random(beliefs.shape) < 0.5, 1, -1).astype(beliefs.dtype)
    return np.where(beliefs == 0, coin, beliefs)


def socialise_gradually(beliefs: np.ndarray, code: np.ndarray, p1, rng) -> None:
    """Gradual socialisation: with probability p1, a belief that differs from the code's view moves one step towards it.

    The step goes through the neutral belief: a belief opposite to the code becomes 0 (no view),
    and a 0 becomes the code's view. Where the code has no view, nothing changes. Each person rolls
    once per dimension per period. ``code`` and ``p1`` broadcast against ``beliefs``; in place.
    """
    die = rng.random(beliefs.shape)
    move = (code != 0) & (beliefs != code) & (die < p1)
    # Beliefs and code are +-1 or 0 and differ where they move, so adding the code's view is one
    # step towards it: -1 + 1 = 0, 0 + c = c, 1 - 1 = 0.
    np.add(beliefs, np.broadcast_to(code, beliefs.shape), out=beliefs, where=move)


def learn_code_from_actions(code: np.ndarray, actions: np.ndarray, reality: np.ndarray, p2: float, rng) -> None:
    """The code learns from the people whose actions this period scored better than the code's own beliefs.

    A person is superior if the score of their actions (each +1 or -1) beats the code's score. On each
    dimension the superior people's actions are summed: if they have a majority and it differs from
    the code, the code takes the majority view with probability ``1 - (1 - p2) ** k``, where k is the
    majority's votes minus the minority's. ``code`` is (..., dims), ``actions`` (..., people, dims);
    in place.
    """
    superior = _points(actions, reality[..., None, :]) > _points(code, reality)[..., None]
    votes = np.where(superior[..., None], actions, 0).sum(axis=-2)
    majority = np.sign(votes).astype(code.dtype)
    die = rng.random(code.shape)
    change = (majority != 0) & (majority != code) & (die < 1 - (1 - p2) ** np.abs(votes))
    np.copyto(code, majority, where=change)


def _original_settled(beliefs: np.ndarray, code: np.ndarray, reality: np.ndarray) -> np.ndarray:
    """For each run, True when neither original rule can change anything again (March's equilibrium).

    Nobody differs from the code on a dimension where the code has a view, and nobody could beat
    the code's score even if every coin flip for their 0 beliefs came out right.
    """
    code_b = code[..., None, :]
    differs = ((beliefs != code_b) & (code_b != 0)).any(axis=(-2, -1))
    best = _points(beliefs, reality[..., None, :]) + (beliefs == 0).sum(axis=-1)
    could_beat = (best > _points(code, reality)[..., None]).any(axis=-1)
    return ~(differs | could_beat)


def _run_original(rng, runs: int, n_people: int, dims: int, p1, p2: float, turnover: float, turbulence: float,
                  periods: int | None) -> dict:
    """``runs`` independent organisations under March's original rules, side by side in arrays.

    Each period, in this order (both recreations' order): people leave with probability
    ``turnover`` and are replaced by newcomers with naive random beliefs; each dimension of reality
    flips with probability ``turbulence``; people act; people are socialised gradually; the code
    learns from the actions that beat it. In a closed system a run that has reached equilibrium is
    left alone (nothing could change it); ``periods=None`` runs until every run has.
    """
    reality = np.where(rng.random((runs, dims)) < 0.5, 1, -1).astype(np.int8)
    beliefs = rng.integers(-1, 2, size=(runs, n_people, dims), dtype=np.int8)
    code = np.zeros((runs, dims), np.int8)
    rate = np.broadcast_to(np.asarray(p1, float), (n_people,))[:, None]
    closed = not turnover and not turbulence
    limit = periods if periods is not None else (MAX_PERIODS if closed else OPEN_SYSTEM_PERIODS)
    settled = np.zeros(runs, bool)
    ran = np.zeros(runs, int)
    history = []
    for _ in range(limit):
        live = np.flatnonzero(~settled)
        if len(live) == 0:
            if periods is None:
                break
            history.append(history[-1])
            continue
        r, b, c = reality[live], beliefs[live], code[live]
        if turnover:
            leave = rng.random(b.shape[:2]) < turnover
            b[leave] = rng.integers(-1, 2, size=(int(leave.sum()), dims), dtype=np.int8)
        if turbulence:
            flip = rng.random(r.shape) < turbulence
            r[flip] = -r[flip]
        actions = act(b, rng)
        socialise_gradually(b, c[:, None, :], rate, rng)
        learn_code_from_actions(c, actions, r, p2, rng)
        reality[live], beliefs[live], code[live] = r, b, c
        ran[live] += 1
        if closed:
            settled[live] = _original_settled(b, c, r)
        history.append(knowledge(code, reality))
    return {"reality": reality, "beliefs": beliefs, "code": code, "periods": ran, "settled": settled,
            "history": np.array(history).T}


def _run_paper(rng, n_people: int, dims: int, p1, p2: float, turnover: float, turbulence: float,
               periods: int | None) -> dict:
    """One organisation under the paper's rules: socialise, the code learns, then turnover and turbulence.

    ``periods=None`` runs until neither rule can change anything (closed system only).
    """
    reality = np.where(rng.random(dims) < 0.5, 1, -1).astype(np.int8)
    beliefs = rng.integers(-1, 2, size=(n_people, dims), dtype=np.int8)
    code = np.zeros(dims, np.int8)
    p1_arr = np.broadcast_to(np.asarray(p1, float), (n_people,))
    closed = not turnover and not turbulence
    until_settled = periods is None and closed
    limit = periods if periods is not None else (MAX_PERIODS if closed else OPEN_SYSTEM_PERIODS)
    history = []
    settled = False
    for _ in range(limit):
        socialise(beliefs, code, p1_arr, rng)
        learn_code(code, beliefs, reality, p2, rng)
        if turnover:
            leave = rng.random(n_people) < turnover
            beliefs[leave] = rng.integers(-1, 2, size=(int(leave.sum()), dims), dtype=np.int8)
        if turbulence:
            flip = rng.random(dims) < turbulence
            reality[flip] = -reality[flip]
        history.append(knowledge(code, reality))
        if until_settled and _paper_settled(beliefs, code, reality):
            settled = True
            break
    if closed and not settled:
        settled = _paper_settled(beliefs, code, reality)
    return {"reality": reality, "beliefs": beliefs, "code": code, "periods": len(history), "settled": settled,
            "history": np.array(history)}


def _summary(reality, beliefs, code, periods, settled, history) -> dict:
    return {"code_knowledge": float(knowledge(code, reality)), "code_score": float(score(code, reality)),
            "people_knowledge": float(knowledge(beliefs, reality).mean()),
            "people_score": float(score(beliefs, reality).mean()),
            "periods": int(periods), "equilibrium": bool(settled), "history": history}


def run_march(n_people: int = 50, dims: int = 30, p1: float | np.ndarray = 0.1, p2: float = 0.5,
              periods: int | None = None, turnover: float = 0.0, turbulence: float = 0.0, seed: int = 0,
              variant: str = "paper") -> dict:
    """March's (1991) closed-system model on its own: people and one code.

    ``variant`` is "paper" (the rules as the paper's text states them) or "original" (March's own
    algorithm: people act, gradual socialisation through the neutral belief, the code learns from
    superior actions); see the module docstring. ``p1`` may be one rate or one per person (a mix of
    fast and slow learners). ``turnover`` replaces people with naive newcomers; ``turbulence``
    flips reality. ``periods=None`` runs a closed system until equilibrium (no rule can change
    anything) and an open one for 200 periods; a number runs exactly that many.

    Returns, at the end: the code's knowledge (share of dimensions right) and score ((right -
    wrong) / dims, the unit of March's Figure 1), the same means over people, the periods run
    (to equilibrium, if reached), whether the run is at equilibrium, and the code's knowledge per
    period (``history``).
    """
    check_variant(variant)
    rng = np.random.default_rng(seed)
    if variant == "paper":
        out = _run_paper(rng, n_people, dims, p1, p2, turnover, turbulence, periods)
        return _summary(**out)
    out = _run_original(rng, 1, n_people, dims, p1, p2, turnover, turbulence, periods)
    return _summary(out["reality"][0], out["beliefs"][0], out["code"][0], out["periods"][0], out["settled"][0],
                    out["history"][0])


def _se(x: np.ndarray) -> float:
    return float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else float("nan")


def equilibrium_table(cells=FIGURE_1_CELLS, runs: int = 80, seed: int = 0, variant: str = "original",
                      n_people: int = 50, dims: int = 30) -> list[dict]:
    """Mean equilibrium code score and knowledge over ``runs`` runs for each (p1, p2) cell, with standard errors.

    Each run goes to equilibrium (closed system). The original variant runs a cell's runs side by
    side in arrays from one generator per cell; the paper variant runs them one at a time. March
    (1991: 75) averaged 80 runs per cell.
    """
    check_variant(variant)
    rows = []
    for i, (p1, p2) in enumerate(cells):
        if variant == "original":
            out = _run_original(np.random.default_rng([seed, i]), runs, n_people, dims, p1, p2, 0.0, 0.0, None)
            sc, kn, per, ok = score(out["code"], out["reality"]), knowledge(out["code"], out["reality"]), \
                out["periods"], out["settled"]
        else:
            outs = [_run_paper(np.random.default_rng([seed, i, r]), n_people, dims, p1, p2, 0.0, 0.0, None)
                    for r in range(runs)]
            sc = np.array([score(o["code"], o["reality"]) for o in outs])
            kn = np.array([knowledge(o["code"], o["reality"]) for o in outs])
            per = np.array([o["periods"] for o in outs])
            ok = np.array([o["settled"] for o in outs])
        rows.append({"p1": p1, "p2": p2, "code_score": float(sc.mean()), "code_score_se": _se(sc),
                     "code_knowledge": float(kn.mean()), "code_knowledge_se": _se(kn),
                     "mean_periods": float(per.mean()), "max_periods": int(per.max()),
                     "all_at_equilibrium": bool(ok.all())})
    return rows
