"""The place's fixed structure: its kinds of organisation and how they are joined.

Everything below the run layer (the model, its processes, metrics, agents) takes the place's
shape from here, so that a process never imports another process, or the agents, for a label
or a table. Per-organisation arrays are in the order of :data:`ORG_KINDS` (the index :class:`Org`).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

ORG_KINDS: tuple[str, ...] = ("acute", "community", "social_care", "primary_care", "voluntary")
"""The five kinds of organisation in a place, in the order of the organisation index."""


class Org(IntEnum):
    """Index of each organisation kind in the per-organisation arrays (order of ORG_KINDS)."""

    ACUTE = 0
    COMMUNITY = 1
    SOCIAL_CARE = 2
    PRIMARY_CARE = 3
    VOLUNTARY = 4


ORG_LABELS: dict[str, str] = {
    "acute": "Acute hospital",
    "community": "Community health (step-down care)",
    "social_care": "Adult social care",
    "primary_care": "Primary care",
    "voluntary": "Voluntary and community sector",
}
"""Each kind's name in words, for the event log, the command line and the browser."""

# The organisations citizens meet in the community (prevention, outreach).
COMMUNITY_FACING = [Org.COMMUNITY, Org.PRIMARY_CARE, Org.VOLUNTARY]

# Share of the place's staff agents in each organisation kind. A modelling choice that keeps every
# organisation big enough to have a culture of its own.
ORG_STAFF_SHARE = np.array([0.35, 0.15, 0.25, 0.15, 0.10])
# Staff cost per filled post and week, GBP, including on-costs: roughly the median pay of each
# sector plus 30% (NHS Agenda for Change bands 5-6; Skills for Care 2019 for care workers).
STAFF_WEEK_COST = np.array([900.0, 800.0, 550.0, 850.0, 450.0])
# Which budget trajectory each kind follows: NHS (True) or local government (False).
NHS_FUNDED = np.array([True, True, False, True, False])

# Where each organisation's cross-boundary time goes (rows: from; columns: to), in the order
# acute, community, social care, primary care, voluntary (the care pathway). Rows sum to 1.
PARTNERS = np.array([
    [0.00, 0.40, 0.50, 0.10, 0.00],
    [0.30, 0.00, 0.30, 0.25, 0.15],
    [0.40, 0.25, 0.00, 0.10, 0.25],
    [0.10, 0.40, 0.20, 0.00, 0.30],
    [0.05, 0.25, 0.35, 0.35, 0.00],
])
# Pairs of organisations that work together at all (either way round).
LINKED = (PARTNERS + PARTNERS.T) > 0
# Pairs whose joint work is hospital discharge: the hospital with community health and with
# social care.
DISCHARGE_PAIRS = np.zeros((5, 5), bool)
DISCHARGE_PAIRS[Org.ACUTE, Org.COMMUNITY] = DISCHARGE_PAIRS[Org.COMMUNITY, Org.ACUTE] = True
DISCHARGE_PAIRS[Org.ACUTE, Org.SOCIAL_CARE] = DISCHARGE_PAIRS[Org.SOCIAL_CARE, Org.ACUTE] = True
# The hospital's discharge partners, and social care's weight among them on the care pathway.
DISCHARGE_PARTNERS = (Org.COMMUNITY, Org.SOCIAL_CARE)
DISCHARGE_WEIGHT_SOCIAL = PARTNERS[Org.ACUTE, Org.SOCIAL_CARE] / (PARTNERS[Org.ACUTE, Org.COMMUNITY]
                                                                  + PARTNERS[Org.ACUTE, Org.SOCIAL_CARE])
# Delayed transfers as a share of acute beds that the NHS mandate 2017/18 set as the national
# level (uk_calibration.csv: delayed_transfer_target_share_of_beds, King's Fund 2018).
DTOC_TARGET = 0.035
