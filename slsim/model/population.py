"""Column tables behind the many agents ("thin agents, fat columns").

Staff and citizens keep their hot state in numpy arrays owned by the model, one table per kind.
A :class:`~slsim.model.agents.Staff` or :class:`~slsim.model.agents.Citizen` agent holds only its row number
and reads and writes through these columns, so every weekly process can be one whole-array pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Where a citizen is on the care pathway (Citizen.place).
HOME, ACUTE, DELAYED, STEP_DOWN, CARE_HOME, ELECTIVE = range(6)
PLACE_NAMES = ("at home", "in an acute bed", "medically fit but delayed", "in step-down care",
               "in a care home", "in for an elective procedure")
IN_BED = (ACUTE, DELAYED, ELECTIVE)

# Staff roles (Staff.role).
FRONTLINE, MANAGER, SENIOR = range(3)
ROLE_NAMES = ("frontline", "manager", "senior leader")

# How a staff member's week is split (columns of Staff.time, shares summing to 1).
TIME_USES = ("direct", "cross_boundary", "involving", "improving", "defensive")
DIRECT, CROSS, INVOLVE, IMPROVE, DEFENSIVE = range(5)


# The population's opening state, drawn when the place is built: these columns belong to the place
# (every other column belongs to the process that creates it in its init, see slsim.model.contracts).
PLACE_COLUMNS = {
    "citizens": ("health_need", "care_need", "frailty_h", "frailty_c", "outsider", "beliefs", "wellbeing"),
    "staff": ("org", "team", "role", "tenure", "listened_u", "initiative", "beliefs"),
    "orgs": ("posts",),
}


class Table:
    """A fixed-size table of named numpy columns (one row per agent).

    Columns are preallocated once; nothing is appended inside the weekly loop.
    """

    def __init__(self, n: int, **columns: np.ndarray) -> None:
        self.n = n
        for name, values in columns.items():
            if len(values) != n:
                raise ValueError(f"column {name} has {len(values)} rows, expected {n}")
            setattr(self, name, values)
        self.columns = tuple(columns)

    def __len__(self) -> int:
        return self.n

    def add_column(self, name: str, values: np.ndarray) -> None:
        """Add a column once, before the first week (a process creating the columns it owns)."""
        if name in self.columns:
            raise ValueError(f"column {name} exists already: a column has one owner")
        if len(values) != self.n:
            raise ValueError(f"column {name} has {len(values)} rows, expected {self.n}")
        setattr(self, name, values)
        self.columns = (*self.columns, name)


@dataclass(frozen=True)
class Column:
    """A column a process owns: created (filled with ``fill``) before any process's init runs, so
    every init finds every column; ``width`` makes a 2-D column (a number, or the name of a
    parameter such as ``knowledge_dims``)."""

    table: str
    name: str
    dtype: type = float
    fill: float = 0
    width: int | str | None = None

    def make(self, n: int, params) -> np.ndarray:
        width = getattr(params, self.width) if isinstance(self.width, str) else self.width
        shape = (n,) if width is None else (n, width)
        return np.full(shape, self.fill, dtype=self.dtype)


def make_citizens(n: int, m: int, initial_need: float, outsider_share: float,
                  rng: np.random.Generator) -> Table:
    """Draw the citizens of a place: needs from Beta distributions with the given mean, outsiders
    at random, everyone at home, and partial lived knowledge of what works (March 1991 beliefs:
    each dimension right with probability 0.4, wrong 0.15, no view otherwise)."""
    a = 2.0
    b = a * (1 - initial_need) / initial_need
    health = rng.beta(a, b, n)
    # Care need follows health need, with its own spread (complexity when both are high).
    care = np.clip(0.7 * health + 0.3 * rng.beta(a, b, n), 0, 1)
    beliefs = _lived_knowledge(n, m, rng)
    return Table(
        n,
        health_need=health,
        care_need=care,
        frailty_h=health.copy(),
        frailty_c=care.copy(),
        outsider=rng.random(n) < outsider_share,
        place=np.zeros(n, np.int8),
        fit_week=np.zeros(n, np.int32),
        leave_week=np.zeros(n, np.int32),
        assessed=np.zeros(n, bool),
        home_care=np.zeros(n, bool),
        waiting=np.zeros(n, bool),
        wait_start=np.zeros(n, np.int32),
        involved=np.zeros(n, bool),
        unmet=np.zeros(n, bool),
        voice_raised=np.zeros(n, bool),
        voice_heard=np.zeros(n, bool),
        visit_plan=np.zeros(n),  # planned minutes per home-care visit of the client's package (0: none yet)
        visit_minutes=np.zeros(n),  # minutes per visit delivered this week (0: no package)
        wellbeing=np.clip(1 - 0.8 * (health + care) / 2, 0, 1),
        satisfaction=np.full(n, 0.5),
        beliefs=beliefs,
    )


def _lived_knowledge(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    u = rng.random((n, m))
    return np.where(u < 0.4, 1, np.where(u < 0.55, -1, 0)).astype(np.int8)


def random_beliefs(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """March (1991): each belief is -1, 0 or +1 with equal probability (reality is all +1)."""
    return rng.integers(-1, 2, size=(n, m), dtype=np.int8)


# Staff of an organisation work in teams of this many posts; each team works with one counterpart
# team in each partner organisation, so that whom a person meets across a boundary (and so how
# often they meet the same person again) does not depend on the size of the place.
TEAM_SIZE = 12


def make_staff(org: np.ndarray, role: np.ndarray, m: int, rng: np.random.Generator) -> Table:
    """Staff of a place (rows grouped by organisation), all posts filled at the start, attitudes
    set by the model afterwards."""
    n = len(org)
    first = np.searchsorted(org, org)  # the first row of each row's organisation (rows are grouped)
    return Table(
        n,
        org=org.astype(np.int16),
        team=((np.arange(n) - first) // TEAM_SIZE).astype(np.int32),
        role=role.astype(np.int8),
        filled=np.ones(n, bool),
        vacant_until=np.zeros(n, np.int32),
        stress=np.full(n, 0.3),
        defensiveness=np.zeros(n),
        mindset=np.zeros(n),
        agency=np.zeros(n),
        openness=np.zeros(n),
        tenure=rng.integers(0, 520, n).astype(np.int32),
        # Fixed per person: whether the official way of working would listen to them at a given
        # learning breadth (u < breadth), so membership of the listened-to group is stable.
        listened_u=rng.random(n),
        initiative=rng.normal(0, 0.15, n),
        time=np.zeros((n, len(TIME_USES))),
        hours=np.zeros(n),
        beliefs=random_beliefs(n, m, rng),
    )
