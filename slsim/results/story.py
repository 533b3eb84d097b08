"""One person's story under two cultures: the same woman, the same fall, two different weeks after.

:func:`follow` runs two scenarios of the same place on the same seed, recording every citizen's
weeks (:class:`~slsim.model.people.PeopleLog`). With common random numbers per person
(:mod:`slsim.model.draws`) a citizen's own random events are the same in both runs until what
happened to them differs, so the difference between their two stories is what the culture changed.
It picks the citizen whose weeks waiting in a hospital bed differ most (or the one asked for) and
tells their weeks in words, side by side, from the model's own records: where they were, why they
waited (which assessment or place was missing), the blame events and joint work of those weeks.

Names and ages are invented, deterministic (the same citizen gets the same name and age in every
run of a place and seed) and shown as text only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from slsim.model.draws import PersonDraws
from slsim.model.people import REASONS
from slsim.model.population import ACUTE, CARE_HOME, DELAYED, ELECTIVE, HOME, STEP_DOWN
from slsim.model.scenario import Scenario, resolve_scenario
from slsim.model.system import SystemModel

# Invented names (common English given names and surnames, none a real person's): a citizen's name
# is drawn from these by their row, so it is the same in every run.
GIVEN = ("Margaret", "Patricia", "Jean", "Joan", "Maureen", "Barbara", "Sheila", "Doreen", "Irene", "Pauline",
         "Brenda", "Sylvia", "Ann", "Valerie", "Shirley", "Elsie", "John", "David", "Michael", "Peter",
         "Robert", "Brian", "Alan", "Kenneth", "Derek", "Raymond", "Keith", "Ronald", "Anthony", "Colin",
         "Terence", "Roy", "Amrit", "Gurpreet", "Mohammed", "Yusuf", "Winston", "Delroy", "Bernadette", "Siobhan")
FAMILY = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
          "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
          "Patel", "Khan", "Singh", "Ahmed", "Begum", "Kaur", "Campbell", "Murphy", "O'Brien", "Kowalski")
AGE_RANGE = (66, 94)  # the model's citizens are older and disabled adults

WHERE = {HOME: "at home", ACUTE: "in an acute hospital bed", DELAYED: "medically fit, still in a hospital bed",
         STEP_DOWN: "in step-down (intermediate) care", CARE_HOME: "in a care home",
         ELECTIVE: "in hospital for a planned operation"}


@dataclass
class Episode:
    """A run of weeks in the same state."""

    first: int
    last: int
    place: int
    reason: int
    package: bool
    crisis: bool = False
    events: list[str] = field(default_factory=list)
    gone: bool = False  # the citizen died or moved away this week

    @property
    def weeks(self) -> int:
        return self.last - self.first + 1

    def sentence(self) -> str:
        span = f"Week {self.first}" if self.first == self.last else f"Weeks {self.first}-{self.last}"
        if self.gone:
            return f"Week {self.first}: died or moved away."
        if self.place == DELAYED:
            what = f"{WHERE[DELAYED]}, waiting for {REASONS[self.reason]} ({self.weeks} week{'s' * (self.weeks > 1)})"
        elif self.place == HOME:
            what = "at home" + (" with a home-care package" if self.package else "")
        else:
            what = WHERE[self.place]
        if self.crisis and self.place == ACUTE:
            what = "a crisis; admitted to an acute hospital bed"
        text = f"{span}: {what}."
        if self.events:
            text += " " + " ".join(self.events)
        return text


@dataclass
class Story:
    """One citizen's weeks under two scenarios (``a`` first, the baseline), from the models' records."""

    row: int
    name: str
    age: int
    scenarios: tuple[str, str]
    titles: tuple[str, str]
    weeks: list[int]
    episodes: tuple[list[Episode], list[Episode]]
    weeks_delayed: tuple[int, int]
    weeks_in_hospital: tuple[int, int]

    def text(self) -> str:
        """The story in words, one scenario after the other."""
        lines = [f"{self.name}, {self.age}, citizen {self.row} of the place."]
        for title, eps, delayed in zip(self.titles, self.episodes, self.weeks_delayed):
            lines += ["", f"Under {title}: {delayed} week{'s' * (delayed != 1)} medically fit in a hospital bed."]
            lines += [f"  {e.sentence()}" for e in eps]
        return "\n".join(lines)

    def html(self) -> str:
        """The story as an HTML table, one column a scenario, every text escaped (names are text)."""
        import html
        head = "".join(f"<th>{html.escape(t)}<br><small>{d} week{'s' * (d != 1)} medically fit in a hospital "
                       f"bed</small></th>" for t, d in zip(self.titles, self.weeks_delayed))
        left, right = ([html.escape(e.sentence()) for e in eps] for eps in self.episodes)
        rows = "".join(f"<tr><td>{left[i] if i < len(left) else ''}</td><td>{right[i] if i < len(right) else ''}"
                       f"</td></tr>" for i in range(max(len(left), len(right))))
        intro = (f"<p><b>{html.escape(self.name)}</b>, {self.age} (an invented name; citizen {self.row} of the "
                 "place): the same person with the same random events in both runs.</p>")
        return intro + f"<table class='slsim-story-table'><tr>{head}</tr>{rows}</table>"

    def table(self) -> pd.DataFrame:
        """Week by week, side by side: where the citizen was under each scenario, in words."""
        cols = {}
        for title, eps in zip(self.titles, self.episodes):
            col = {}
            for e in eps:
                for w in range(e.first, e.last + 1):
                    col[w] = e.sentence().split(": ", 1)[1] if w == e.first else "〃"
            cols[title] = [col.get(w, "") for w in self.weeks]
        return pd.DataFrame(cols, index=pd.Index(self.weeks, name="week"))


def name_and_age(seed: int, row: int) -> tuple[str, int]:
    """An invented name and an age for a citizen row, the same in every run of the seed."""
    class _Place:
        week = 0

    _Place.seed = seed
    u = PersonDraws(_Place()).uniform("story.person", [row], width=3)[0]
    given = GIVEN[int(u[0] * len(GIVEN))]
    family = FAMILY[int(u[1] * len(FAMILY))]
    lo, hi = AGE_RANGE
    return f"{given} {family}", lo + int(u[2] * (hi - lo + 1))


def _episodes(model: SystemModel, row: int) -> list[Episode]:
    log = model.people
    place, reason = log.place[:, row], log.reason[:, row]
    package, crisis, arrived = log.package[:, row], log.crisis[:, row], log.arrived[:, row]
    events = model.event_log()
    blame = events[events["kind"] == "blame"]
    eps: list[Episode] = []
    for i, week in enumerate(log.weeks):
        if arrived[i]:  # the row now holds a newcomer: this citizen's story ends
            eps.append(Episode(week, week, HOME, 0, False, gone=True))
            break
        key = (int(place[i]), int(reason[i]), bool(package[i]))
        admitted = bool(crisis[i]) and place[i] in (ACUTE, DELAYED) and (i == 0 or place[i - 1] == HOME)
        if eps and (eps[-1].place, eps[-1].reason, eps[-1].package) == key and not admitted:
            eps[-1].last = week
        else:
            eps.append(Episode(week, week, *key, crisis=admitted))
    for e in eps:
        if e.place == DELAYED:
            those = blame[blame["week"].between(e.first, e.last)]
            texts = [t for t in those["text"] if "discharge" in t.lower() or "delay" in t.lower()]
            if texts:
                e.events.append(f"Meanwhile: {texts[0].rstrip('.')}" + (f" (and {len(texts) - 1} more)" if
                                                                          len(texts) > 1 else "") + ".")
    return eps


def follow(a: str | Path | Scenario, b: str | Path | Scenario, *, seed: int = 1, weeks: int = 104,
           citizen: int | None = None, params: dict[str, Any] | None = None) -> Story:
    """One citizen's weeks under scenario ``a`` and under ``b``, same place, same seed.

    ``citizen``: a row of the citizen table; None picks the citizen whose weeks medically fit in a
    hospital bed differ most between the two (then the most weeks in hospital; then the lowest row).
    ``params`` apply to both (the place's size, say).
    """
    params = dict(params or {})
    models = []
    for scenario in (a, b):
        model = SystemModel(scenario, rng=seed, record_people=True, **params)
        for _ in range(weeks):
            model.step()
        models.append(model)
    titles = tuple(resolve_scenario(s).title for s in (a, b))
    labels = tuple(resolve_scenario(s).name for s in (a, b))
    return story_of(models[0], models[1], titles, labels, citizen=citizen)


def story_of(model_a: SystemModel, model_b: SystemModel, titles: tuple[str, str], labels: tuple[str, str],
             citizen: int | None = None) -> Story:
    """The story of one citizen in two runs of the same place and seed that recorded their people
    (``record_people=True``), e.g. a workshop table's replay against a reference culture."""
    models = (model_a, model_b)
    if any(m.people is None for m in models):
        raise ValueError("both runs must record their people (SystemModel(..., record_people=True))")
    seed = model_a.seed
    logs = [m.people for m in models]
    delayed = [log.weeks_delayed() for log in logs]
    in_bed = [np.isin(log.place, (ACUTE, DELAYED)).sum(axis=0) for log in logs]
    n = len(delayed[0])
    if citizen is None:
        gap = np.abs(delayed[0] - delayed[1]) * 10_000 + np.abs(in_bed[0] - in_bed[1])
        citizen = int(np.argmax(gap))
    elif not 0 <= citizen < n:
        raise ValueError(f"citizen {citizen}: allowed a row from 0 to {n - 1}")
    name, age = name_and_age(seed, citizen)
    return Story(citizen, name, age, labels, titles, list(logs[0].weeks),
                 (_episodes(models[0], citizen), _episodes(models[1], citizen)),
                 (int(delayed[0][citizen]), int(delayed[1][citizen])),
                 (int(in_bed[0][citizen]), int(in_bed[1][citizen])))
