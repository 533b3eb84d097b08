"""The workshop without a browser: determinism, replay, restarts, direction, who may do what, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from slsim.tools.workshop import decisions as dec
from slsim.tools.workshop import replay
from slsim.tools.workshop.engine import Setup, reference_run, replay_table
from slsim.tools.workshop.service import BadInput, Refused, Service
from slsim.tools.workshop.store import Store

CLI = "import sys; from slsim.tools.cli import main; sys.exit(main())"  # the slsim command in a child

SMALL = dict(tables=2, rounds=3, weeks_per_round=4, n_citizens=1000, burn_in_weeks=0, seed=11,
             seats_played=["acute", "social_care", "primary_care"])
SYSTEMS = {s: dec.computer_choices(s, "systems_leadership") for s in dec.SEATS}
BLAME = {s: dec.computer_choices(s, "blame_culture") for s in dec.SEATS}


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


def _service(path, clock=None) -> Service:
    return Service(Store(path), clock=clock or Clock())


def _run_workshop(path, stop_after: int | None = None, **setup):
    """A workshop where table 1's acute seat plays systems leadership and everything else is the
    computer; returns (service, workshop, players)."""
    sv = _service(path)
    w = sv.create(sv.facilitator_key, **(SMALL | setup))
    players = [sv.join(w["join_code"], f"player {i}") for i in range(3)]
    sv.start(sv.facilitator_key, w["id"])
    for r in range(1, w["rounds"] + 1):
        if stop_after is not None and r > stop_after:
            break
        for p in players:
            if p["table_no"] == 1 and p["seat"] == "acute":
                sv.submit(p["token"], "acute", SYSTEMS["acute"] if r != 2 else BLAME["acute"], round_no=r)
        sv.advance(sv.facilitator_key, w["id"])
    return sv, w, players


def test_same_decisions_give_identical_results_to_the_last_bit(tmp_path):
    a, wa, _ = _run_workshop(tmp_path / "a.db")
    b, wb, _ = _run_workshop(tmp_path / "b.db")
    for t in (1, 2):
        ra, rb = a.store.round_results(wa["id"], t), b.store.round_results(wb["id"], t)
        assert json.dumps(ra, sort_keys=True) == json.dumps(rb, sort_keys=True)
    # The tables differ only by table 1's acute decisions: so they do differ.
    assert a.store.round_results(wa["id"], 1)[3]["weeks"] != a.store.round_results(wa["id"], 2)[3]["weeks"]


def test_replay_equals_the_live_run_also_without_the_burn_in_cache(tmp_path):
    sv, w, _ = _run_workshop(tmp_path / "w.db", burn_in_weeks=6)
    assert sv.burn_in_cache.hits >= 1, "the second table took the workshop's place from its server's cache"
    # the replay (research, a new process) has no cache: it burns in afresh
    for t in (1, 2):
        again = replay(tmp_path / "w.db", t)
        assert again.rounds == sv.store.round_results(w["id"], t)
        assert list(again.frame["week"]) == list(range(1, 13))


def test_a_restart_mid_workshop_continues_with_identical_results(tmp_path):
    whole, ww, _ = _run_workshop(tmp_path / "whole.db")
    first, wf, players = _run_workshop(tmp_path / "cut.db", stop_after=1)
    first.store.close()
    again = _service(tmp_path / "cut.db")  # a new server on the same database: no models, no burn-ins in memory
    assert again.facilitator_key == first.facilitator_key
    assert again.status(wf["id"])["round"] == 2
    for r in (2, 3):
        p = next(p for p in players if p["table_no"] == 1 and p["seat"] == "acute")
        again.submit(p["token"], "acute", SYSTEMS["acute"] if r != 2 else BLAME["acute"], round_no=r)
        again.advance(again.facilitator_key, wf["id"])
    for t in (1, 2):
        assert again.store.round_results(wf["id"], t) == whole.store.round_results(ww["id"], t)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_joint_review_instead_of_blame_means_fewer_blame_events(seed):
    """Over several seeds: the same table answering failures with joint review (everything else
    as today) has fewer blame events and more joint reviews than when it blames. (Trust moves too
    slowly to differ reliably in 26 weeks of a small place.)"""
    setup = Setup("default", seed, rounds=2, weeks_per_round=13, n_citizens=2000, burn_in_weeks=0)
    today = {s: dec.computer_choices(s, "default") for s in dec.SEATS}
    out = {}
    for answer in ("blame_partner", "joint_review"):
        table = {s: dict(c, failure_response=answer) if "failure_response" in c else c for s, c in today.items()}
        _, results = replay_table(setup, {1: table, 2: table})
        rows = [row for r in results.values() for row in r["weeks"]]
        out[answer] = pd.DataFrame(rows).mean()
    assert out["joint_review"]["blame_events"] < out["blame_partner"]["blame_events"]
    assert out["joint_review"]["joint_reviews"] > out["blame_partner"]["joint_reviews"]


def test_a_pooled_budget_needs_both_seats():
    today = {s: dec.computer_choices(s, "default") for s in dec.SEATS}
    offer = dict(today, acute=dict(today["acute"], pool_offer="10"))
    both = dict(offer, social_care=dict(today["social_care"], pool_answer="yes"))
    assert not dec.pool_agreed(today) and not dec.pool_agreed(offer) and dec.pool_agreed(both)
    setup = Setup("default", 5, rounds=1, weeks_per_round=6, n_citizens=1000, burn_in_weeks=0)
    runs = {name: replay_table(setup, {1: t})[1][1]["weeks"] for name, t in
            {"none": today, "offer": offer, "both": both}.items()}
    assert runs["offer"] == runs["none"], "an offer nobody accepted changes nothing"
    assert runs["both"] != runs["none"]


def test_the_computer_plays_a_scenarios_style_within_the_choices():
    assert dec.computer_choices("acute", "systems_leadership")["failure_response"] == "joint_review"
    assert dec.computer_choices("acute", "blame_culture")["failure_response"] != "joint_review"
    assert dec.computer_choices("social_care", "pooled_budget")["pool_answer"] == "yes"
    assert dec.computer_choices("acute", "pooled_budget")["pool_offer"] == "5"


def test_the_timeline_names_only_what_differs_from_today():
    today = dec.computer_choices("acute", "default")
    assert dec.short_text(today) == "blames a person", "today's place blames more often than it reviews"
    changed = dict(today, failure_response="joint_review", pool_offer="5")
    assert dec.short_text(changed) == "joint review; offers 5% pool"
    assert dec.short_text({"priority": "voice"}) == "voice"
    assert set(dec.SHORT) == set(dec.DECISION_TITLES)
    assert all(set(dec.SHORT[d]) == set(dec.options(d)) for d in dec.SHORT)


def test_references_start_where_the_tables_start(tmp_path):
    setup = Setup("default", 3, rounds=1, weeks_per_round=4, n_citizens=1000, burn_in_weeks=0)
    blame, systems = reference_run(setup, "blame_culture"), reference_run(setup, "systems_leadership")
    assert len(blame) == len(systems) == 4
    assert blame != systems


# ------------------------------------------------------------------ who may do what
def test_only_the_facilitator_sets_up_advances_and_sees_names(tmp_path):
    sv = _service(tmp_path / "w.db")
    with pytest.raises(Refused):
        sv.create("not-the-key", **SMALL)
    assert sv.store.workshop_ids() == []
    w = sv.create(sv.facilitator_key, **SMALL)
    p = sv.join(w["join_code"], "Ann")
    for action in (sv.start, sv.advance, sv.pause, sv.extend, sv.names):
        with pytest.raises(Refused):
            action(p["token"], w["id"])  # a player's token is not the facilitator's key
    assert sv.status(w["id"])["phase"] == "lobby"
    assert sv.names(sv.facilitator_key, w["id"]) == [{"table": 1, "seat": "acute", "name": "Ann"}]


def test_a_player_cannot_decide_for_another_seat(tmp_path):
    sv = _service(tmp_path / "w.db")
    w = sv.create(sv.facilitator_key, **SMALL)
    ann, bob = sv.join(w["join_code"], "Ann"), sv.join(w["join_code"], "Bob")
    assert (ann["table_no"], bob["table_no"]) == (1, 2), "players spread over the tables"
    sv.start(sv.facilitator_key, w["id"])
    with pytest.raises(Refused, match="another seat"):
        sv.submit(ann["token"], "social_care", SYSTEMS["social_care"])
    with pytest.raises(Refused):
        sv.submit("x" * 43, "acute", SYSTEMS["acute"])  # a made-up token
    assert sv.store.all("SELECT * FROM decisions") == []


def test_a_submission_for_a_locked_round_is_refused(tmp_path):
    sv = _service(tmp_path / "w.db")
    w = sv.create(sv.facilitator_key, **SMALL)
    ann = sv.join(w["join_code"], "Ann")
    sv.start(sv.facilitator_key, w["id"])
    sv.advance(sv.facilitator_key, w["id"])
    with pytest.raises(Refused, match="round 1 has locked"):
        sv.submit(ann["token"], "acute", SYSTEMS["acute"], round_no=1)
    assert sv.store.all("SELECT * FROM decisions WHERE round = 2") == []


def test_wrong_join_codes_are_throttled(tmp_path):
    sv = _service(tmp_path / "w.db")
    w = sv.create(sv.facilitator_key, **SMALL)
    for _ in range(30):
        with pytest.raises(BadInput):
            sv.join("AAAAAAAA", "guess")
    with pytest.raises(Refused, match="too many wrong codes"):
        sv.join(w["join_code"], "even the right one, for a minute")
    sv.clock.t += 61
    assert sv.join(w["join_code"].lower(), "later")["seat"] == "acute"


# ------------------------------------------------------------------ bad input changes nothing
@pytest.mark.parametrize("field, value", [("tables", 0), ("tables", "2; DROP TABLE"), ("rounds", 99),
                                          ("minutes_per_round", "nan"), ("scenario", "no_such"),
                                          ("seats_played", ["acute", "mayor"]), ("seats_played", []),
                                          ("n_citizens", 10), ("computer_style", "<b>")])
def test_bad_setup_is_refused_and_nothing_is_stored(tmp_path, field, value):
    sv = _service(tmp_path / "w.db")
    with pytest.raises(BadInput) as err:
        sv.create(sv.facilitator_key, **(SMALL | {field: value}))
    assert "allowed" in str(err.value) or "choose" in str(err.value)
    assert "\n" not in str(err.value)
    assert sv.store.workshop_ids() == []


@pytest.mark.parametrize("name", ["", "   ", "x" * 41, "tab\there", "zero\u200bwidth", 42])
def test_bad_names_are_refused_and_nobody_is_seated(tmp_path, name):
    sv = _service(tmp_path / "w.db")
    w = sv.create(sv.facilitator_key, **SMALL)
    with pytest.raises(BadInput, match="name"):
        sv.join(w["join_code"], name)
    assert sv.store.players(w["id"]) == []


def test_bad_decisions_requests_and_predictions_change_nothing(tmp_path):
    sv = _service(tmp_path / "w.db")
    w = sv.create(sv.facilitator_key, **(SMALL | {"rounds": 1}))
    ann = sv.join(w["join_code"], "Ann")
    sv.start(sv.facilitator_key, w["id"])
    for bad in ({}, dict(SYSTEMS["acute"], pilot="maybe"), dict(SYSTEMS["acute"], pool_answer="yes"), "all of it"):
        with pytest.raises(BadInput):
            sv.submit(ann["token"], "acute", bad)
    for to, text in (("acute", "to myself"), ("mayor", "hi"), ("social_care", "y" * 201), ("social_care", "")):
        with pytest.raises(BadInput):
            sv.send_request(ann["token"], to, text)
    with pytest.raises(Refused):
        sv.predict(ann["token"], 3, "too early")
    sv.advance(sv.facilitator_key, w["id"])
    for value in ("-1", "lots", "nan", "1e9"):
        with pytest.raises(BadInput):
            sv.predict(ann["token"], value, "social care")
    assert sv.store.all("SELECT * FROM decisions WHERE source = 'player'") == []
    assert sv.store.all("SELECT * FROM requests") == [] and sv.store.all("SELECT * FROM predictions") == []


def test_markup_in_a_name_or_request_is_kept_as_text(tmp_path):
    sv = _service(tmp_path / "w.db")
    w = sv.create(sv.facilitator_key, **SMALL)
    name = '<img src=x onerror="alert(1)"><b>Ann</b>'
    ann = sv.join(w["join_code"], name)
    bob = sv.join(w["join_code"], "Bob")
    cy = sv.join(w["join_code"], "Cy")  # table 1, social care
    assert cy["seat"] == "social_care" and cy["table_no"] == 1
    sv.send_request(ann["token"], "social_care", "<script>alert('x')</script> & please assess by Friday")
    assert sv.seat_view(ann["token"])["me"]["name"] == name
    assert sv.names(sv.facilitator_key, w["id"])[0]["name"] == name
    assert sv.seat_view(cy["token"])["requests"][0]["text"] == "<script>alert('x')</script> & please assess by Friday"
    assert bob["name"] == "Bob"


# ------------------------------------------------------------------ the clock and the phases
def test_the_clock_locks_a_round_and_pause_and_extend_move_it(tmp_path):
    sv = _service(tmp_path / "w.db")
    w = sv.create(sv.facilitator_key, **(SMALL | {"minutes_per_round": 2}))
    sv.join(w["join_code"], "Ann")
    sv.start(sv.facilitator_key, w["id"])
    assert sv.status(w["id"])["seconds_left"] == 120
    sv.extend(sv.facilitator_key, w["id"])
    sv.clock.t += 150
    sv.pause(sv.facilitator_key, w["id"])
    sv.clock.t += 1000  # paused: the clock does not run
    sv.tick()
    assert sv.status(w["id"]) | {} and sv.status(w["id"])["phase"] == "paused"
    assert sv.status(w["id"])["seconds_left"] == pytest.approx(30)
    sv.pause(sv.facilitator_key, w["id"])
    sv.clock.t += 31
    sv.tick()
    s = sv.status(w["id"])
    assert (s["phase"], s["round"], s["seconds_left"]) == ("between", 2, 120), "round 2 waits with a full clock"
    rows = sv.store.all("SELECT seat, source FROM decisions WHERE round = 1 AND table_no = 1")
    assert {r["seat"]: r["source"] for r in rows}["acute"] == "computer", "nobody submitted: the computer decides"
    sv.clock.t += 1000  # between rounds the clock does not run, and nothing locks
    sv.tick()
    assert sv.status(w["id"])["phase"] == "between"
    sv.pause(sv.facilitator_key, w["id"])  # the facilitator starts round 2
    s = sv.status(w["id"])
    assert (s["phase"], s["round"], s["seconds_left"]) == ("deciding", 2, 120)


def test_all_seats_submitting_locks_the_round_and_an_absent_player_keeps_last_rounds_choices(tmp_path):
    sv = _service(tmp_path / "w.db")
    w = sv.create(sv.facilitator_key, **(SMALL | {"tables": 1, "seats_played": ["acute", "community"]}))
    ann, bob = sv.join(w["join_code"], "Ann"), sv.join(w["join_code"], "Bob")
    sv.start(sv.facilitator_key, w["id"])
    sv.submit(ann["token"], "acute", SYSTEMS["acute"])
    assert sv.status(w["id"])["round"] == 1
    sv.submit(bob["token"], "community", SYSTEMS["community"])
    assert sv.status(w["id"])["round"] == 2, "everyone submitted: the round locked"
    sv.submit(ann["token"], "acute", BLAME["acute"])
    sv.advance(sv.facilitator_key, w["id"])
    round2 = sv.store.decisions(w["id"], 1)[2]
    assert round2["community"] == {"decisions": SYSTEMS["community"], "source": "carried",
                                   "submitted_at": round2["community"]["submitted_at"]}


def test_the_last_round_is_shown_only_after_the_predictions_and_the_reveal(tmp_path):
    sv = _service(tmp_path / "w.db")
    w = sv.create(sv.facilitator_key, **(SMALL | {"rounds": 2}))
    ann = sv.join(w["join_code"], "Ann")
    sv.start(sv.facilitator_key, w["id"])
    sv.advance(sv.facilitator_key, w["id"])
    sv.advance(sv.facilitator_key, w["id"])
    assert sv.status(w["id"])["phase"] == "predicting"
    assert set(sv.store.round_results(w["id"], 1)) == {1, 2}, "computed and stored"
    assert set(sv.visible_results(w["id"], 1)) == {1}, "but not shown"
    sv.predict(ann["token"], "4.5", "social care had no staff to assess people")
    sv.advance(sv.facilitator_key, w["id"])
    assert set(sv.visible_results(w["id"], 1)) == {1, 2}
    assert sv.predictions(w["id"]) == [{"table_no": 1, "seat": "acute", "delayed_transfers": 4.5,
                                        "cause": "social care had no staff to assess people"}]
    with pytest.raises(Refused):
        sv.join(w["join_code"], "late comer")


# ------------------------------------------------------------------ the command line
def _slsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-c", CLI, *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_export_writes_decisions_and_outcomes_without_names(tmp_path):
    sv, w, players = _run_workshop(tmp_path / "w.db")
    done = _slsim("workshop", "export", str(tmp_path / "w.db"), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    decisions = pd.read_parquet(out / "workshop_decisions.parquet")
    assert len(decisions) == 2 * 3 * 5 and set(decisions["source"]) == {"player", "computer", "carried"}
    assert decisions.equals(pd.read_csv(out / "workshop_decisions.csv")[decisions.columns].astype(decisions.dtypes))
    outcomes = pd.read_parquet(out / "workshop_outcomes.parquet")
    table1 = outcomes[outcomes["table"] == 1].drop(columns=["workshop", "scenario", "seed", "slsim_version", "table"])
    again = replay(tmp_path / "w.db", 1).frame
    pd.testing.assert_frame_equal(table1.reset_index(drop=True), again[table1.columns], check_exact=True)
    meta = json.loads((out / "workshop.meta.json").read_text())
    assert (meta["scenario"], meta["seed"]) == ("default", 11) and len(meta["files"]) == 12
    for f in out.iterdir():
        for p in players:
            assert p["name"].encode() not in f.read_bytes(), f"{p['name']} in {f.name}"


def test_export_refuses_bad_input_in_one_line_and_writes_nothing(tmp_path, capsys):
    from slsim.tools.cli import main

    (tmp_path / "junk.db").write_text("not a database")
    sv, w, _ = _run_workshop(tmp_path / "w.db", stop_after=0)
    (tmp_path / "file").write_text("")
    for args in (["export", str(tmp_path / "nothing.db"), "--out", str(tmp_path / "o")],
                 ["export", str(tmp_path / "junk.db"), "--out", str(tmp_path / "o")],
                 ["export", str(tmp_path / "w.db"), "--out", str(tmp_path / "file")],
                 ["export", str(tmp_path / "w.db"), "--out", str(tmp_path / "o"), "--workshop", "nope"],
                 ["--port", "0x50"]):
        code = main(["workshop", *args])
        err = capsys.readouterr().err
        assert code == 2, (args, err)
        assert len(err.strip().splitlines()) == 1 and "error" in err
    assert not (tmp_path / "o").exists()
    assert (tmp_path / "junk.db").read_text() == "not a database"


def test_the_server_command_prints_both_addresses_and_warns_about_the_network(tmp_path, monkeypatch, capsys):
    """``slsim workshop`` checks its options, prints the addresses, then becomes the server
    (os.execv, stopped here before it happens)."""
    import os
    import socket

    from slsim.tools.cli import main
    from slsim.tools.workshop import cli
    calls = []

    class Became(Exception):
        """Raised in place of os.execv, which would replace this process with the server."""

    def execv(exe, cmd):
        calls.append(cmd)
        raise Became

    monkeypatch.setattr(os, "execv", execv)
    monkeypatch.delenv(cli.DB_ENV, raising=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "room.db"
    with pytest.raises(Became):
        main(["workshop", "--port", str(port), "--db", str(db)])
    out = capsys.readouterr()
    key = Service(Store(db)).facilitator_key
    assert f"http://127.0.0.1:{port}/facilitator?key={key}" in out.out
    assert f"players join at: http://127.0.0.1:{port}/" in out.out and "WARNING" not in out.err
    assert calls[-1][-6:] == ["--host", "127.0.0.1", "--port", str(port), "--production", "--no-open"]
    with pytest.raises(Became):
        main(["workshop", "--host", "0.0.0.0", "--port", str(port), "--db", str(db)])
    out = capsys.readouterr()
    assert "WARNING" in out.err and "facilitator" in out.err and f"key={key}" in out.out, "same key after a restart"


def test_decisions_can_be_changed_while_paused_and_the_round_locks_only_after_resume(tmp_path):
    sv = _service(tmp_path / "w.db")
    w = sv.create(sv.facilitator_key, **(SMALL | {"tables": 1, "seats_played": ["acute", "community"]}))
    ann, bob = sv.join(w["join_code"], "Ann"), sv.join(w["join_code"], "Bob")
    sv.start(sv.facilitator_key, w["id"])
    sv.submit(ann["token"], "acute", SYSTEMS["acute"], round_no=1)
    sv.pause(sv.facilitator_key, w["id"])
    sv.submit(ann["token"], "acute", BLAME["acute"], round_no=1)  # changed while paused
    sv.submit(bob["token"], "community", SYSTEMS["community"], round_no=1)
    s = sv.status(w["id"])
    assert (s["phase"], s["round"]) == ("paused", 1), "everyone submitted, but a paused round does not lock"
    assert sv.store.decisions(w["id"], 1)[1]["acute"]["decisions"] == BLAME["acute"]
    sv.pause(sv.facilitator_key, w["id"])  # resume
    assert sv.status(w["id"])["round"] == 2, "everyone had submitted: the round locks on resume"
    assert sv.store.decisions(w["id"], 1)[1]["acute"]["decisions"] == BLAME["acute"]


def test_social_care_sees_the_hospitals_offer_and_the_hospital_sees_the_answer(tmp_path):
    sv = _service(tmp_path / "w.db")
    w = sv.create(sv.facilitator_key, **(SMALL | {"tables": 1, "seats_played": ["acute", "social_care"]}))
    acute, care = sv.join(w["join_code"], "Ann"), sv.join(w["join_code"], "Bob")
    assert (acute["seat"], care["seat"]) == ("acute", "social_care")
    sv.start(sv.facilitator_key, w["id"])
    care_view = sv.seat_view(care["token"])
    assert care_view["pool"]["offer_state"] == "undecided"
    assert "not yet" in dec.pool_sentence("social_care", care_view["pool"])
    sv.submit(acute["token"], "acute", SYSTEMS["acute"] | {"pool_offer": "10"}, round_no=1)
    words = dec.pool_sentence("social_care", sv.seat_view(care["token"])["pool"])
    assert "offers 10% of its budget" in words
    sv.submit(acute["token"], "acute", SYSTEMS["acute"] | {"pool_offer": "5"}, round_no=1)
    assert "offers 5% of its budget" in dec.pool_sentence("social_care", sv.seat_view(care["token"])["pool"])
    assert "not yet" in dec.pool_sentence("acute", sv.seat_view(acute["token"])["pool"])
    sv.pause(sv.facilitator_key, w["id"])  # keep the round open while social care answers
    sv.submit(care["token"], "social_care", SYSTEMS["social_care"] | {"pool_answer": "yes"}, round_no=1)
    assert "agrees to join" in dec.pool_sentence("acute", sv.seat_view(acute["token"])["pool"])
    sv.pause(sv.facilitator_key, w["id"])
    assert sv.store.round_results(w["id"], 1)[1]["pooled_budget"], "both agreed in the round: a pool"


def test_a_seat_nobody_plays_shows_the_computers_pool_choice(tmp_path):
    sv = _service(tmp_path / "w.db")
    w = sv.create(sv.facilitator_key, **(SMALL | {"tables": 1, "seats_played": ["social_care"],
                                                  "computer_style": "default"}))
    care = sv.join(w["join_code"], "Bob")
    sv.start(sv.facilitator_key, w["id"])
    pool = sv.seat_view(care["token"])["pool"]
    assert pool == pool | {"offer": "none", "offer_state": "computer"}
    assert "offers no pooled budget" in dec.pool_sentence("social_care", pool)


def test_the_failure_question_is_a_standing_policy_unless_the_seat_had_a_failure():
    standing = dec.decision_title("failure_response", "acute", None)
    assert standing.startswith("When a failure happens")
    quiet = {"events": [[3, "joint review", "community", "..."], [4, "pilot started", "acute", "..."]]}
    assert dec.decision_title("failure_response", "acute", quiet) == standing
    failed = {"events": [[5, "blame", "acute", "..."]]}
    assert "had a failure last round" in dec.decision_title("failure_response", "acute", failed)


def test_the_guide_names_todays_choice_truthfully():
    from slsim.model.params import Params
    text = (Path(__file__).parents[2] / "docs" / "workshop.md").read_text()
    assert "the middle choice of each is today's value" not in text
    values = {v["blame_response"] for _, v in dec.CHOICES["failure_response"].values()}
    assert Params().blame_response not in values, "the guide says no failure choice is today's"
    assert f"`blame_response` ({Params().blame_response:g})" in text


def test_scorecard_and_sentences_read_as_a_manager_would(tmp_path):
    import re

    from slsim.tools.workshop.debrief import reference_sentences, scorecard_text
    sv, w, _ = _run_workshop(tmp_path / "w.db")
    res = sv.store.round_results(w["id"], 1)
    rows = [row for r in sorted(res) for row in res[r]["weeks"]]
    card = scorecard_text(rows[-4:])
    sentences = reference_sentences(rows, sv.references(w["id"]), 4)
    words = " ".join([*card.values(), *sentences.values()])
    assert not re.search(r"\d 0-1", words), "'0-1' is a scale, not a unit after a number"
    assert "events per week" not in words and "voice heard outsiders" not in words and "GBP" not in words
    assert card["money"].startswith("cumulative deficit £")
    assert card["voice"].startswith("outsiders heard ") and card["voice"].endswith("%")
    assert "on a 0-1 scale" in card["staff"]


def test_the_facilitators_debrief_is_not_worded_for_a_player():
    from slsim.tools.workshop.debrief import headings
    for words in headings(2, facilitator=True).values():
        assert "you" not in words.lower().split() and "your" not in words.lower()
        assert "Table 2" in words
    assert "Your" in headings(2, facilitator=False)["predictions"]


def test_the_workshop_selector_names_code_scenario_and_time_not_the_id(tmp_path):
    from slsim.tools.workshop.service import workshop_label
    sv = _service(tmp_path / "w.db")
    a = sv.create(sv.facilitator_key, **(SMALL | {"scenario": "austerity_cut"}))
    b = sv.create(sv.facilitator_key, **SMALL)
    labels = [workshop_label(w) for w in sv.workshops(sv.facilitator_key)]
    assert len(set(labels)) == 2
    first = labels[[w["id"] for w in sv.workshops(sv.facilitator_key)].index(a["id"])]
    assert first.startswith(f"{a['join_code']} · austerity cut · ") and first.endswith(" UTC")
    assert all(w["id"] not in label for w in (a, b) for label in labels)


def test_the_export_warns_of_free_text_and_can_leave_it_out(tmp_path):
    sv, w, players = _run_workshop(tmp_path / "w.db", stop_after=1)
    to = next(s for s in ("acute", "social_care") if s != players[1]["seat"])
    sv.send_request(players[1]["token"], to, "Ask Dr Jones to call me")
    sv.shock(sv.facilitator_key, w["id"], "budget_cut")
    sv.store.write("UPDATE workshops SET phase = 'predicting' WHERE id = ?", (w["id"],))
    sv.predict(players[0]["token"], 12, "Dr Jones in discharge")
    for flag, out in (([], tmp_path / "with"), (["--no-free-text"], tmp_path / "without")):
        done = _slsim("workshop", "export", str(tmp_path / "w.db"), "--out", str(out), *flag)
        assert done.returncode == 0, done.stderr
    with_ = pd.read_parquet(tmp_path / "with" / "workshop_predictions.parquet")
    assert list(with_["cause"]) == ["Dr Jones in discharge"]
    asked = pd.read_parquet(tmp_path / "with" / "workshop_requests.parquet")
    assert asked[["round", "from_seat", "to_seat", "text"]].values.tolist() == [
        [2, players[1]["seat"], to, "Ask Dr Jones to call me"]]
    thrown = pd.read_parquet(tmp_path / "with" / "workshop_shocks.parquet")
    assert thrown[["round", "shock"]].values.tolist() == [[2, "budget_cut"]]
    assert "may name colleagues" in json.loads((tmp_path / "with" / "workshop.meta.json").read_text())["free_text"]
    for f in (tmp_path / "without").iterdir():
        assert b"Dr Jones" not in f.read_bytes(), f.name
    assert "--no-free-text" in json.loads((tmp_path / "without" / "workshop.meta.json").read_text())["free_text"]


def test_a_new_player_starts_from_todays_settings_and_must_choose_the_rest():
    from slsim.model.params import Params
    start = dec.todays_choices("acute")
    assert start["failure_response"] is None, "no failure choice is today's: the player must choose"
    assert dec.unanswered("acute", start) == ["failure_response"]
    assert dec.unanswered(dec.CITIZENS, dec.todays_choices(dec.CITIZENS)) == ["priority"]
    kept = {k: v for k, v in start.items() if v is not None}
    for name, choice in kept.items():
        if name in dec.CHOICES:
            assert all(getattr(Params(), f) == x for f, x in dec.CHOICES[name][choice][1].items()), name
    # A player who touched only the failure question shows just that on the timeline.
    assert dec.short_text(start | {"failure_response": "joint_review"}) == "joint review"


def test_a_tables_story_is_the_same_person_as_under_the_reference_culture():
    """One citizen's weeks at a table and under blame culture, same place and seed: the table's
    story is the table's replay, and the reference's weeks match a reference run recorded alone."""
    from slsim.tools.workshop.engine import table_story
    setup = Setup("default", 5, rounds=2, weeks_per_round=13, n_citizens=2500, burn_in_weeks=0)
    story = table_story(setup, {1: SYSTEMS, 2: SYSTEMS}, "blame_culture")
    assert story.titles[1] == "Your table" and story.weeks == list(range(1, 27))
    assert story.weeks_delayed[0] != story.weeks_delayed[1], "the chosen citizen's weeks differ"
    again = table_story(setup, {1: SYSTEMS, 2: SYSTEMS}, "blame_culture", citizen=story.row)
    assert again.text() == story.text()
def test_each_choice_shows_what_the_model_gives_it_and_computing_it_changes_nothing(tmp_path):
    """The outlook runs the table's round once per choice from its real start: a pooled budget
    offered costs the hospital's own balance (more for 10% than 5%) and the same pool brings social
    care money; every choice has an outlook; and the workshop's own rounds are as without it."""
    plain, wp, _ = _run_workshop(tmp_path / "plain.db", stop_after=1)
    sv, w, players = _run_workshop(tmp_path / "w.db", stop_after=1)
    acute = next(p for p in players if p["seat"] == "acute" and p["table_no"] == 1)
    care = next(p for p in players if p["seat"] == "social_care" and p["table_no"] == 1)
    mine = sv.outlook(acute["token"], wait=True)
    assert sv.outlook_ready(acute["token"])
    base = mine["base"]["base"]["balance_change"]
    cost = {k: mine["pool_offer"][k]["balance_change"] - base for k in ("5", "10")}
    assert cost["10"] < cost["5"] < 0, cost
    gain = sv.outlook(care["token"], wait=True)["pool_answer"]
    assert gain["yes"]["balance_change"] > gain["no"]["balance_change"]
    assert set(mine) == {"base", *dec.decisions_for("acute")}
    notes = {c: dec.outlook_note("acute", "pool_offer", c, mine) for c in dec.options("pool_offer")}
    assert "your balance \u2212" in notes["10"] and "if social care joins" in notes["10"]
    assert all(set(mine[d]) == set(dec.options(d)) for d in dec.decisions_for("acute")), "every choice has one"
    sv.advance(sv.facilitator_key, w["id"])
    plain.advance(plain.facilitator_key, wp["id"])
    for t in (1, 2):
        assert sv.store.round_results(w["id"], t) == plain.store.round_results(wp["id"], t)


def test_a_seat_sees_its_own_organisation_before_round_1(tmp_path):
    sv = _service(tmp_path / "w.db")
    w = sv.create(sv.facilitator_key, **SMALL)
    p = sv.join(w["join_code"], "Ann")
    opening = sv.opening(w["id"])
    assert set(opening) == set(dec.SEATS) - {dec.CITIZENS}
    assert all(o["budget"] > 0 and o["pressure"] > 0 for o in opening.values())
    assert sv.seat_view(p["token"])["last"] is None  # so the page shows the opening state


def test_a_shock_acts_in_its_round_at_every_table_and_in_the_references_and_replays(tmp_path):
    """A winter surge thrown into round 2 changes round 2 (not round 1) at every table and the
    reference cultures' same weeks; it is logged in words; replay() reproduces the table with it;
    the same kind twice in a round, a made-up kind and a player are refused."""
    plain, wp, _ = _run_workshop(tmp_path / "plain.db", stop_after=1)
    sv, w, players = _run_workshop(tmp_path / "w.db", stop_after=1)
    refs_before = sv.references(w["id"])
    sv.shock(sv.facilitator_key, w["id"], "winter_surge")
    with pytest.raises(Refused):
        sv.shock(sv.facilitator_key, w["id"], "winter_surge")
    with pytest.raises(BadInput):
        sv.shock(sv.facilitator_key, w["id"], "meteor")
    with pytest.raises(Refused):
        sv.shock(players[0]["token"], w["id"], "budget_cut")
    for s in (sv, plain):
        s.advance(s.facilitator_key, s.workshops(s.facilitator_key)[0]["id"])
    for t in (1, 2):
        mine, theirs = sv.store.round_results(w["id"], t), plain.store.round_results(wp["id"], t)
        assert mine[1] == theirs[1], "round 1 ran before the shock"
        assert mine[2]["weeks"] != theirs[2]["weeks"], "the surge changed round 2"
        assert any(kind == "shock" and "winter surge" in text for _, kind, _, text in mine[2]["events"])
    refs = sv.references(w["id"])
    weeks = SMALL["weeks_per_round"]
    for style in refs:
        assert refs[style][:weeks] == refs_before[style][:weeks]
        assert refs[style][weeks:2 * weeks] != refs_before[style][weeks:2 * weeks], style
    assert replay(tmp_path / "w.db", 1).rounds == sv.store.round_results(w["id"], 1)


def test_the_debrief_tells_each_round_and_gives_a_verdict_in_people_a_day(tmp_path):
    from slsim.tools.workshop.debrief import story, verdict
    sv, w, players = _run_workshop(tmp_path / "w.db", stop_after=1)
    sender = next(p for p in players if p["table_no"] == 1)
    to = next(s for s in ("acute", "social_care") if s != sender["seat"])
    sv.send_request(sender["token"], to, "<b>assess</b> Mrs B")  # between rounds 1 and 2: a round-2 request
    sv.advance(sv.facilitator_key, w["id"])
    results = sv.store.round_results(w["id"], 1)
    told = story(results, sv.table_requests(w["id"], 1))
    assert set(told) == {1, 2}
    assert (f"{dec.SEAT_LABELS[sender['seat']]} asked {dec.SEAT_LABELS[to].lower()}:", "<b>assess</b> Mrs B") \
        in told[2]
    for r in (1, 2):
        blamed = [e for e in results[r]["events"] if e[1] == "blame"]
        assert all(any(e[3] in line for line, _ in told[r]) for e in blamed[:3]), "who blamed whom is told"
    rows = [row for r in sorted(results) for row in results[r]["weeks"]]
    words = verdict(rows, sv.references(w["id"]), SMALL["weeks_per_round"])
    assert "people a day" in words and "blame culture" in words and "systems leadership" in words
    assert words.count("closest to") == 1


def test_the_debrief_tells_a_tables_person_story_through_the_service(tmp_path):
    fresh = _service(tmp_path / "fresh.db")
    wf = fresh.create(fresh.facilitator_key, **SMALL)
    with pytest.raises(Refused):
        fresh.table_story(wf["id"], 1)  # no round has run yet
    sv, w, _ = _run_workshop(tmp_path / "w.db", stop_after=1)
    story = sv.table_story(w["id"], 1)
    assert story.titles[1] == "Your table" and story.weeks == list(range(1, SMALL["weeks_per_round"] + 1))
    page = story.html()
    assert "<script" not in page and story.titles[0] in page
    with pytest.raises(BadInput):
        sv.table_story(w["id"], 1, style="meteor")
