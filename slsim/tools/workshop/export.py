"""``slsim workshop export DB --out DIR``: a workshop's decisions and outcomes for research.

Writes, each as CSV and Parquet (atomically, see :mod:`slsim.results.output`), with ``workshop.meta.json``
last (scenario, seed, place size, burn-in, rounds, versions and every file's checksum):

* ``decisions``: one row per table, round and seat: each choice, where it came from (player,
  computer, carried over) and the leadership values it set;
* ``outcomes``: one row per table and week: every outcome column, with its round;
* ``predictions``: the players' predictions by table and seat;
* ``requests``: the requests players sent each other, by table, round, sending and receiving seat;
* ``shocks``: the shocks the facilitator threw, by round (every table alike);
* ``references``: the two reference cultures' weekly outcomes on the same place and seed.

Names never leave the database: players appear only as their seat. The predictions' ``cause`` and
the requests' ``text`` are the players' own words and may name colleagues; the record says so
(``free_text``), and ``free_text=False`` (``--no-free-text``) writes those columns empty.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from slsim import __version__
from slsim.results.output import begin_set, finish_set, write_atomic
from slsim.tools.workshop import decisions as dec
from slsim.tools.workshop.engine import REFERENCE_STYLES, reference_run
from slsim.tools.workshop.replay import resolve_workshop, setup_of
from slsim.tools.workshop.store import Store

STEM = "workshop"


FREE_TEXT_NOTE = ("the predictions' cause and the requests' text columns are the players' own words and may "
                  "name colleagues or partners: check them before sharing")
NO_FREE_TEXT_NOTE = "the predictions' cause and the requests' text columns were left empty on export (--no-free-text)"


def frames(store: Store, workshop: str | None = None,
           free_text: bool = True) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The workshop's record and its tables (see the module docstring); ``free_text=False``
    leaves the predictions' ``cause`` and the requests' ``text`` empty."""
    w = resolve_workshop(store, workshop)
    record = {"workshop": w["id"], "scenario": w["scenario"], "seed": w["seed"], "slsim_version": w["version"]}
    decisions, outcomes = [], []
    for t in range(1, w["tables"] + 1):
        results = store.round_results(w["id"], t)
        for r, seats in store.decisions(w["id"], t).items():
            if r not in results:
                continue  # an open round: not yet decided
            for seat, d in seats.items():
                row = {**record, "table": t, "round": r, "seat": seat, "source": d["source"], **d["decisions"]}
                if seat != dec.CITIZENS:
                    row |= results[r]["leadership"][seat]
                decisions.append(row)
        for r, res in results.items():
            outcomes += [{**record, "table": t, "round": r, **row} for row in res["weeks"]]
    predictions = [{**record, "table": p["table_no"], "seat": p["seat"], "delayed_transfers": p["delayed_transfers"],
                    "cause": p["cause"] if free_text else ""}
                   for p in store.all("SELECT * FROM predictions WHERE workshop = ? ORDER BY table_no, seat",
                                      (w["id"],))]
    requests = [{**record, "table": r["table_no"], "round": r["round"], "from_seat": r["from_seat"],
                 "to_seat": r["to_seat"], "text": r["text"] if free_text else "", "sent_at": r["sent_at"]}
                for r in store.all("SELECT * FROM requests WHERE workshop = ? ORDER BY id", (w["id"],))]
    shocks = store.shocks(w["id"])
    shock_rows = [{**record, "round": r, "shock": kind} for r in sorted(shocks) for kind in shocks[r]]
    refs = []
    for style in REFERENCE_STYLES:
        row = store.one("SELECT result FROM reference_runs WHERE workshop = ? AND style = ?", (w["id"], style))
        rows = json.loads(row["result"]) if row else reference_run(setup_of(w), style, shocks=shocks)
        refs += [{**record, "style": style, **r} for r in rows]
    meta = {**{k: w[k] for k in ("id", "scenario", "seed", "tables", "rounds", "weeks_per_round",
                                 "minutes_per_round", "seats_played", "computer_style", "n_citizens",
                                 "burn_in_weeks", "created")},
            "slsim_version_of_workshop": w["version"], "slsim_version_of_export": __version__,
            "free_text": FREE_TEXT_NOTE if free_text else NO_FREE_TEXT_NOTE}
    return meta, {"decisions": pd.DataFrame(decisions), "outcomes": pd.DataFrame(outcomes),
                  "predictions": pd.DataFrame(predictions, columns=[*record, "table", "seat", "delayed_transfers",
                                                                    "cause"]),
                  "requests": pd.DataFrame(requests, columns=[*record, "table", "round", "from_seat", "to_seat",
                                                              "text", "sent_at"]),
                  "shocks": pd.DataFrame(shock_rows, columns=[*record, "round", "shock"]),
                  "references": pd.DataFrame(refs)}


def export(store: Store, out: Path, workshop: str | None = None, free_text: bool = True) -> list[Path]:
    """Write the workshop's files into ``out`` (see the module docstring); returns their paths."""
    meta, tables = frames(store, workshop, free_text)
    out = Path(out)
    begin_set(out, STEM)
    files = []
    for name, frame in tables.items():
        framed = frame.copy()
        framed.attrs["slsim"] = json.dumps(meta, default=str)
        files.append(write_atomic(out / f"{STEM}_{name}.csv", lambda p, f=frame: f.to_csv(p, index=False)))
        files.append(write_atomic(out / f"{STEM}_{name}.parquet", lambda p, f=framed: f.to_parquet(p, index=False)))
    return [*files, finish_set(out, STEM, meta, files)]
