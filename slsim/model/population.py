"""Column tables behind the many agents ("thin agents, fat columns"), and the people a place opens with.

Staff and citizens keep their hot state in numpy arrays owned by the model, one table per kind.
A :class:`~slsim.model.agents.Staff` or :class:`~slsim.model.agents.Citizen` agent holds only its row number
and reads and writes through these columns, so every weekly process can be one whole-array pass.

**Citizens** (block ``population``) open with health need from a Beta distribution with shape
parameter {need_shape_a:g} and mean ``initial_need``; care need is {care_from_health} times health need plus
{care_own} times a draw of its own from the same distribution (complexity when both are high), at most 1;
wellbeing is ``1 - {wellbeing_need_loss} * mean need``; satisfaction starts at {satisfaction_start}.
Their lived knowledge of what works is partial (March 1991 beliefs): each dimension right with
probability {lived_right}, wrong with probability {lived_wrong}, no view otherwise.

**Staff** (block ``workforce``): in each organisation {senior_share:.0%} of posts (at least one) are
senior leaders and {manager_share:.0%} managers, the rest frontline. Staff work in teams of {team_size}
posts; each team works with one counterpart team in each partner organisation (see joint work), so
whom a person meets across a boundary does not depend on the size of the place. Tenure at the
start is uniform over the first {tenure_start_weeks} weeks (whole weeks); each person's initiative is a
fixed trait drawn from Normal(0, {initiative_sd}). Every organisation's psychological safety starts at
{psych_safety_start}.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slsim.model.coefficients import ASSUMPTION, Block, Coefficient, document

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

POPULATION = Block(
    "population",
    Coefficient("need_shape_a", 2.0, "Beta shape parameter", (0.5, 20.0),
                f"{ASSUMPTION} a wide spread of need around the mean, most citizens well and a few very ill",
                "First shape parameter of the Beta distribution opening health and care needs are drawn from "
                "(the second follows from initial_need).", setup=True),
    Coefficient("care_from_health", 0.7, "care need per unit of health need", (0.0, 1.0),
                f"{ASSUMPTION} care need mostly follows health need (frailty drives both)",
                "Weight of a citizen's health need in their opening care need.", setup=True),
    Coefficient("care_own", 0.3, "care need per unit of own draw", (0.0, 1.0),
                f"{ASSUMPTION} some care need is independent of health (living alone, dementia); with "
                "care_from_health it sums to 1",
                "Weight of a citizen's own draw in their opening care need.", setup=True),
    Coefficient("wellbeing_need_loss", 0.8, "wellbeing 0-1 per unit of mean need", (0.0, 1.0),
                f"{ASSUMPTION} the neediest citizens start with little wellbeing, the healthiest with nearly full",
                "Fall of opening wellbeing per unit of a citizen's mean of health and care need.", setup=True),
    Coefficient("satisfaction_start", 0.5, "satisfaction 0-1", (0.0, 1.0),
                f"{ASSUMPTION} neither satisfied nor dissatisfied before any contact with services",
                "Satisfaction with services that every citizen opens with.", setup=True),
    Coefficient("lived_right", 0.4, "probability", (0.0, 1.0),
                f"{ASSUMPTION} citizens know from experience much of what works for them (March 1991 beliefs)",
                "Chance that a citizen's lived knowledge is right on a dimension.", setup=True),
    Coefficient("lived_wrong", 0.15, "probability", (0.0, 1.0),
                f"{ASSUMPTION} lived knowledge is sometimes wrong, less often than right",
                "Chance that a citizen's lived knowledge is wrong on a dimension (no view otherwise).", setup=True),
)

WORKFORCE = Block(
    "workforce",
    Coefficient("senior_share", 0.05, "share of posts", (0.0, 0.3),
                f"{ASSUMPTION} a thin top layer, about one senior leader per twenty posts",
                "Share of each organisation's posts held by senior leaders (at least one).", setup=True),
    Coefficient("manager_share", 0.15, "share of posts", (0.0, 0.5),
                f"{ASSUMPTION} a middle layer of about one manager per six or seven posts",
                "Share of each organisation's posts held by managers.", setup=True),
    Coefficient("team_size", 12, "posts", (2, 100),
                f"{ASSUMPTION} about the size of a ward or locality team",
                "Posts per team; each team works with one counterpart team in each partner organisation.",
                integer=True, setup=True),
    Coefficient("tenure_start_weeks", 520, "weeks", (1, 2080),
                f"{ASSUMPTION} staff the place opens with have been in post up to about ten years",
                "Opening tenure is drawn uniformly from 0 up to (not including) this many weeks.",
                integer=True, setup=True),
    Coefficient("initiative_sd", 0.15, "agency 0-1", (0.0, 0.5),
                f"{ASSUMPTION} people differ in how readily they act, a little beside what their setting allows",
                "Standard deviation of the fixed personal initiative trait of the staff the place opens with.",
                setup=True),
    Coefficient("psych_safety_start", 0.5, "psychological safety 0-1", (0.0, 1.0),
                f"{ASSUMPTION} midway: neither safe nor unsafe to speak up before any failure is met",
                "Psychological safety every organisation opens with.", setup=True),
)

COEFFICIENTS = (POPULATION, WORKFORCE)
__doc__ = document(__doc__, POPULATION, WORKFORCE)


# The columns that belong to the place: the population's opening state, drawn when the place is
# built (people's needs, wellbeing and lived knowledge; staff's posts, teams, roles and traits), and
# each organisation's posts and pressure (combined each week from the processes' parts, see
# SystemModel.combine_pressure). Every other column belongs to the process that declares it in its
# COLUMNS (slsim.model.processes); a process changes another's column only as its WRITES says.
PLACE_COLUMNS = {
    "citizens": ("health_need", "care_need", "frailty_h", "frailty_c", "outsider", "beliefs", "wellbeing"),
    "staff": ("org", "team", "role", "tenure", "listened_u", "initiative", "beliefs"),
    "orgs": ("posts", "pressure"),
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
                  rng: np.random.Generator, k) -> Table:
    """Draw the citizens of a place (``k``: the run's ``population`` coefficients): needs from Beta
    distributions with the given mean, outsiders at random, everyone at home, and partial lived
    knowledge of what works (see the module docstring)."""
    a = k.need_shape_a
    b = a * (1 - initial_need) / initial_need
    health = rng.beta(a, b, n)
    # Care need follows health need, with its own spread (complexity when both are high).
    care = np.clip(k.care_from_health * health + k.care_own * rng.beta(a, b, n), 0, 1)
    beliefs = _lived_knowledge(n, m, rng, k.lived_right, k.lived_wrong)
    return Table(
        n,
        health_need=health,
        care_need=care,
        frailty_h=health.copy(),
        frailty_c=care.copy(),
        outsider=rng.random(n) < outsider_share,
        wellbeing=np.clip(1 - k.wellbeing_need_loss * (health + care) / 2, 0, 1),
        beliefs=beliefs,
    )


def _lived_knowledge(n: int, m: int, rng: np.random.Generator, right: float, wrong: float) -> np.ndarray:
    u = rng.random((n, m))
    return np.where(u < right, 1, np.where(u < right + wrong, -1, 0)).astype(np.int8)


def random_beliefs(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """March (1991): each belief is -1, 0 or +1 with equal probability (reality is all +1)."""
    return rng.integers(-1, 2, size=(n, m), dtype=np.int8)


def make_staff(org: np.ndarray, role: np.ndarray, m: int, rng: np.random.Generator, k) -> Table:
    """Staff of a place (rows grouped by organisation, in teams of ``k.team_size`` consecutive
    rows; ``k``: the run's ``workforce`` coefficients), all posts filled at the start, attitudes
    set by the model afterwards (see culture)."""
    n = len(org)
    first = np.searchsorted(org, org)  # the first row of each row's organisation (rows are grouped)
    # Whole numbers: a run's coefficients may arrive as floats (Params.coefficients holds floats).
    team_size, tenure_weeks = int(k.team_size), int(k.tenure_start_weeks)
    return Table(
        n,
        org=org.astype(np.int16),
        team=((np.arange(n) - first) // team_size).astype(np.int32),
        role=role.astype(np.int8),
        tenure=rng.integers(0, tenure_weeks, n).astype(np.int32),
        # Fixed per person: whether the official way of working would listen to them at a given
        # learning breadth (u < breadth), so membership of the listened-to group is stable.
        listened_u=rng.random(n),
        initiative=rng.normal(0, k.initiative_sd, n),
        beliefs=random_beliefs(n, m, rng),
    )
