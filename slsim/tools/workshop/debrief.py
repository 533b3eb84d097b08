"""The debrief's numbers and sentences: a table's rounds, the scorecard, the reference cultures.

Rules:

* The balanced scorecard has four groups, each with one headline outcome (:data:`SCORECARD`):
  patients (delayed transfers, patients per day), staff (mean stress, 0-1), money (cumulative
  deficit, GBP) and voice (outsiders heard, share). Lower is better for the first three, higher
  for voice; no single total is formed, on purpose.
* A round's score is the mean of its weeks, except for stocks (:data:`AT_END`: the cumulative
  deficit), which are read at the round's last week.
* The table against the reference cultures: one sentence per outcome group of the model
  (thinking, behaving, on the ground; ``slsim.results.present.HEADLINE_BY_LEVEL`` names the outcome that
  leads each), comparing the last round's score with the same weeks of ``blame_culture`` and
  ``systems_leadership`` run from the same start on the same random numbers. Words and number
  formats come from :mod:`slsim.results.present`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from slsim.model.metrics import LEVELS
from slsim.results import present

SCORECARD: dict[str, str] = {"patients": "delayed_transfers", "staff": "stress", "money": "cumulative_deficit",
                             "voice": "voice_heard_outsiders"}
SCORECARD_TITLES: dict[str, str] = {"patients": "Patients", "staff": "Staff", "money": "Money", "voice": "Voice"}
LOWER_IS_BETTER: dict[str, bool] = {"patients": True, "staff": True, "money": True, "voice": False}
AT_END = frozenset({"cumulative_deficit", "elective_waiting_list"})
REFERENCE_TITLES: dict[str, str] = {"blame_culture": present.scenario_label("blame_culture"),
                                    "systems_leadership": present.scenario_label("systems_leadership")}


def headings(table: int, facilitator: bool) -> dict[str, str]:
    """The debrief's headings for one table, worded for who reads them: a player reads about "you",
    the facilitator about the table."""
    if facilitator:
        return {"table": f"Table {table}: what the table decided and what followed",
                "predictions": f"Table {table}'s predictions against what happened"}
    return {"table": f"Table {table}: what you decided and what followed",
            "predictions": "Your table's predictions against what happened"}


def score(rows: list[dict[str, Any]], outcome: str) -> float:
    """One outcome over some weeks: the mean, or the last week's value for a stock (NaN if none)."""
    if not rows:
        return float("nan")
    if outcome in AT_END:
        return float(rows[-1][outcome])
    return float(np.mean([r[outcome] for r in rows]))


def scorecard(rows: list[dict[str, Any]]) -> dict[str, float]:
    """group -> the headline outcome's score over these weeks."""
    return {group: score(rows, outcome) for group, outcome in SCORECARD.items()}


def scorecard_text(rows: list[dict[str, Any]]) -> dict[str, str]:
    """group -> the outcome named and its score in words with its unit, e.g. ``delayed transfers
    12.3 patients per day``, ``cumulative deficit £38,072``, ``staff stress 0.346 on a 0-1 scale``."""
    return {group: f"{present.outcome_label(outcome)} {present.amount(outcome, score(rows, outcome))}"
            for group, outcome in SCORECARD.items()}


def weeks_of(rows: list[dict[str, Any]], first: int, last: int) -> list[dict[str, Any]]:
    return [r for r in rows if first <= r["week"] <= last]


def reference_sentences(table_rows: list[dict[str, Any]], references: dict[str, list[dict[str, Any]]],
                        weeks_per_round: int) -> dict[str, str]:
    """level -> one sentence: the table's last round against the reference cultures' same weeks."""
    if not table_rows:
        return {}
    last = table_rows[-1]["week"]
    first = last - weeks_per_round + 1
    mine = weeks_of(table_rows, first, last)
    out = {}
    for level in LEVELS:
        outcome = present.HEADLINE_BY_LEVEL[level]
        theirs = [f"{present.amount(outcome, score(weeks_of(references[s], first, last), outcome))} under {title}"
                  for s, title in REFERENCE_TITLES.items()]
        out[level] = (f"{present.level_title(level)}: {present.outcome_label(outcome)} "
                      f"{present.amount(outcome, score(mine, outcome))} at this table in weeks "
                      f"{first}-{last}, against {' and '.join(theirs)} on the same random events.")
    return out


STORY_KINDS = frozenset({"blame", "joint review", "shock"})  # the events a table's story tells
STORY_EVENTS_PER_ROUND = 6


def verdict(table_rows: list[dict[str, Any]], references: dict[str, list[dict[str, Any]]],
            weeks_per_round: int, facilitator: bool = False) -> str:
    """The table's last round in people-per-day terms against the reference cultures' same weeks on
    the same random events: delayed transfers (patients a day, medically fit to leave, still in a
    hospital bed; the round's mean), the difference from each culture, and the nearer one."""
    if not table_rows:
        return ""
    last = table_rows[-1]["week"]
    first = last - weeks_per_round + 1
    mine = score(weeks_of(table_rows, first, last), "delayed_transfers")
    theirs = {title: score(weeks_of(references[s], first, last), "delayed_transfers")
              for s, title in REFERENCE_TITLES.items()}
    parts = []
    for title, value in theirs.items():
        d = mine - value
        parts.append(f"about the same as under {title}" if abs(d) < 0.05 else
                     f"about {present.number(abs(d))} {'fewer' if d < 0 else 'more'} a day than under {title}")
    nearest = min(theirs, key=lambda title: abs(mine - theirs[title]))
    who = "The table" if facilitator else "Your table"
    return (f"{who} ended with {present.number(mine)} people a day stuck in a hospital bed though fit to leave "
            f"(weeks {first}-{last}): {' and '.join(parts)}, on the same random events. "
            f"It ended closest to {nearest}.")


def story(results: dict[int, dict[str, Any]], requests: list[dict[str, Any]]
          ) -> dict[int, list[tuple[str, str | None]]]:
    """round -> what happened at the table, as (line in words, a player's request text or None),
    in order: the shocks, who blamed whom and which failures were reviewed jointly (trust falling
    or rising, from the model's event log; at most :data:`STORY_EVENTS_PER_ROUND`, then a count of
    the rest), and the requests seats sent each other (seat to seat, with the players' words, which
    the page shows as text)."""
    from slsim.tools.workshop.decisions import SEAT_LABELS
    out: dict[int, list[str]] = {}
    for r in sorted(results):
        events = [e for e in results[r]["events"] if e[1] in STORY_KINDS]
        lines: list[tuple[str, str | None]] = [(f"Week {week}: {text}", None)
                                               for week, _, _, text in events[:STORY_EVENTS_PER_ROUND]]
        if len(events) > STORY_EVENTS_PER_ROUND:
            lines.append((f"... and {len(events) - STORY_EVENTS_PER_ROUND} more such events this round.", None))
        lines += [(f"{SEAT_LABELS[q['from_seat']]} asked {SEAT_LABELS[q['to_seat']].lower()}:", q["text"])
                  for q in requests if q["round"] == r]
        out[r] = lines or [("No blame, joint review or request this round.", None)]
    return out
