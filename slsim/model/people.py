"""Each citizen's weeks, as the model records them (``SystemModel(..., record_people=True)``).

At the end of every week the log keeps, for every citizen, where they are on the care pathway,
whether they have a home-care package, whether they had a crisis this week, and, for a patient who
is medically fit but still in a hospital bed (a delayed transfer), why they are still there:

* **awaiting an assessment** across the boundary (none of this week's assessments reached them);
* **patient or family choice** (assessed, with a place, but their own draw of
  ``pathway.patient_choice_delay`` kept them this week: the same keyed number the discharge used);
* **awaiting a care home place**, **a step-down place** or **a home-care package**: assessed, and
  their care need sends them there (``pathway.*_need``), but none was free or affordable.

One byte a citizen a week for each record: a 5,000-citizen place over two years is about 2 MB.
"""

from __future__ import annotations

import numpy as np

from slsim.model.population import DELAYED

# Why a delayed patient is still in a bed (0: not delayed).
NOT_DELAYED, AWAITING_ASSESSMENT, FAMILY_CHOICE, AWAITING_CARE_HOME, AWAITING_STEP_DOWN, AWAITING_HOME_CARE = range(6)
REASONS = ("", "an assessment across the boundary", "a decision of the patient or family",
           "a care home place", "a step-down (intermediate care) place", "a home-care package")


class PeopleLog:
    """Every citizen's end-of-week state, week by week (rows: weeks 1, 2, ...; columns: citizens)."""

    def __init__(self) -> None:
        self.weeks: list[int] = []
        self._place: list[np.ndarray] = []
        self._reason: list[np.ndarray] = []
        self._package: list[np.ndarray] = []
        self._crisis: list[np.ndarray] = []
        self._arrived: list[np.ndarray] = []

    def record(self, model) -> None:
        c = model.citizens
        pathway = model.coef.pathway
        delayed = np.flatnonzero(c.place == DELAYED)
        reason = np.zeros(c.n, np.int8)
        family = model.draws.uniform("hospital.family_choice", delayed) < pathway.patient_choice_delay
        need = c.care_need[delayed]
        why = np.where(need >= pathway.care_home_need, AWAITING_CARE_HOME,
                       np.where(need >= pathway.step_down_need, AWAITING_STEP_DOWN, AWAITING_HOME_CARE))
        why = np.where(family, FAMILY_CHOICE, why)
        reason[delayed] = np.where(c.assessed[delayed], why, AWAITING_ASSESSMENT)
        crisis = np.zeros(c.n, bool)
        crisis[model.crises] = True
        self.weeks.append(model.week)
        self._place.append(c.place.copy())
        self._reason.append(reason)
        self._package.append(c.home_care.copy())
        self._crisis.append(crisis)
        arrived = np.zeros(c.n, bool)
        arrived[model.newcomers] = True
        self._arrived.append(arrived)

    def _stack(self, parts: list[np.ndarray]) -> np.ndarray:
        return np.stack(parts) if parts else np.zeros((0, 0))

    @property
    def place(self) -> np.ndarray:
        """Place on the pathway at the end of each week (weeks x citizens, ``population.HOME``, ...)."""
        return self._stack(self._place)

    @property
    def reason(self) -> np.ndarray:
        """Why each delayed patient was still in a bed at the end of each week (:data:`REASONS`)."""
        return self._stack(self._reason)

    @property
    def package(self) -> np.ndarray:
        return self._stack(self._package)

    @property
    def crisis(self) -> np.ndarray:
        return self._stack(self._crisis)

    @property
    def arrived(self) -> np.ndarray:
        """Whether a newcomer took the row this week (its citizen died or moved away)."""
        return self._stack(self._arrived)

    def first_life(self) -> np.ndarray:
        """Weeks x citizens: True while the row still holds the citizen who was there in week 1."""
        return np.cumsum(self.arrived, axis=0) == 0

    def weeks_delayed(self) -> np.ndarray:
        """Weeks each citizen of week 1 ended as a delayed transfer (while still in the place)."""
        return ((self.place == DELAYED) & self.first_life()).sum(axis=0)
