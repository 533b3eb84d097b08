"""The agents users meet: Organisation, Staff and Citizen (all ``mesa.Agent``).

Organisations are few and hold their state as plain attributes. Staff and citizens are many: each
holds only its row number and reads and writes the model's column tables through properties, so
``model.agents_by_type[Citizen]`` and the browser's inspection see live values while the weekly
processes run as whole-array passes over the columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from slsim.model.place import ORG_LABELS
from slsim.model.population import PLACE_NAMES, ROLE_NAMES, TIME_USES

if TYPE_CHECKING:
    from slsim.model.system import SystemModel

class Organisation(mesa.Agent):
    """One organisation of the place: its kind, leadership style, budget and official way of working.

    Attributes:
        kind: one of :data:`slsim.model.params.ORG_KINDS`.
        index: position in the model's per-organisation arrays.
        style: leadership behaviours (see ``Params.leadership_for``).
    """

    def __init__(self, model: SystemModel, kind: str, index: int, style: dict[str, float]) -> None:
        super().__init__(model)
        self.kind = kind
        self.index = index
        self.label = ORG_LABELS[kind]
        self.style = dict(style)

    # Per-organisation state lives in the model's small arrays so that processes can vectorise
    # over organisations too; these properties make it readable per agent.
    @property
    def budget(self) -> float:
        """Weekly budget in GBP."""
        return float(self.model.orgs.budget[self.index])

    @property
    def balance(self) -> float:
        """Running surplus (+) or deficit (-) since the start, GBP."""
        return float(self.model.orgs.balance[self.index])

    @property
    def psychological_safety(self) -> float:
        """Shared belief that it is safe to speak up and report errors here (0-1)."""
        return float(self.model.orgs.psych_safety[self.index])

    @property
    def practice(self) -> float:
        """Share of 'what works' that the official way of working gets right (March 1991), 0-1."""
        return float(self.model.orgs.practice[self.index])

    @property
    def staff_rows(self) -> np.ndarray:
        """Row numbers of this organisation's posts in the staff table."""
        return np.flatnonzero(self.model.staff.org == self.index)

    def __repr__(self) -> str:
        return f"Organisation({self.kind!r}, budget={self.budget:,.0f} GBP/week)"


class _RowAgent(mesa.Agent):
    """An agent whose state is one row of a column table of its model."""

    table_name = ""

    def __init__(self, model: SystemModel, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def _table(self):
        return getattr(self.model, self.table_name)


def _column(name: str, doc: str, cast=float) -> property:
    def get(self):
        return cast(getattr(self._table, name)[self.row])

    def set_(self, value):
        getattr(self._table, name)[self.row] = value

    return property(get, set_, doc=doc)


class Staff(_RowAgent):
    """A post in an organisation and the person in it (if filled)."""

    table_name = "staff"
    stress = _column("stress", "Stress, 0-1; burnt-out staff leave.")
    defensiveness = _column("defensiveness", "Retreat behind the organisation's boundary, 0-1.")
    mindset = _column("mindset", "Systems mindset: sees the whole system, 0-1.")
    agency = _column("agency", "Acts (1) rather than waits for instruction (0).")
    filled = _column("filled", "Whether the post is filled (False while vacant).", bool)
    tenure = _column("tenure", "Weeks in post.", int)

    @property
    def organisation(self) -> Organisation:
        return self.model.organisations[int(self.model.staff.org[self.row])]

    @property
    def role(self) -> str:
        return ROLE_NAMES[int(self.model.staff.role[self.row])]

    @property
    def time_use(self) -> dict[str, float]:
        """Share of this week's hours in each use (direct, cross-boundary, involving, improving, defensive)."""
        return dict(zip(TIME_USES, self.model.staff.time[self.row].tolist()))


class Citizen(_RowAgent):
    """A person with health and care needs, somewhere on the care pathway."""

    table_name = "citizens"
    health_need = _column("health_need", "Health need, 0-1.")
    care_need = _column("care_need", "Social care need, 0-1.")
    wellbeing = _column("wellbeing", "Wellbeing, 0-1.")
    outsider = _column("outsider", "Already feels 'on the outside' (least access to voice).", bool)
    involved = _column("involved", "Involved early in designing their support (co-production).", bool)
    voice_heard = _column("voice_heard", "Raised their voice this week and was heard.", bool)
    satisfaction = _column("satisfaction", "Satisfaction with services, 0-1.")

    @property
    def where(self) -> str:
        """Where the citizen is on the care pathway, in words."""
        return PLACE_NAMES[int(self.model.citizens.place[self.row])]
