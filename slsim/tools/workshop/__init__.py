"""The workshop: a room of managers leads one place together, round by round, then debriefs.

``slsim workshop`` serves it (see :mod:`slsim.tools.workshop.cli` and ``docs/workshop.md``). The parts:

* :mod:`~slsim.tools.workshop.decisions`: the seats and the choices each seat makes, mapped onto the
  model's per-organisation leadership behaviours;
* :mod:`~slsim.tools.workshop.engine`: decisions -> ``SystemModel`` runs, deterministic, no web;
* :mod:`~slsim.tools.workshop.store`: the SQLite database every action is written to at once;
* :mod:`~slsim.tools.workshop.service`: who may do what and when, on the server; every action and
  read of the pages, the server's one Service and its timer;
* :mod:`~slsim.tools.workshop.debrief` and :mod:`~slsim.tools.workshop.export`: the debrief's numbers and
  the research export;
* :mod:`~slsim.tools.workshop.pages`: the Solara pages, views only (needs the ``app`` extra).

:func:`replay` recomputes any table of a stored workshop from its decisions.
"""

from __future__ import annotations

from slsim.tools.workshop.replay import Replay, replay

__all__ = ["Replay", "replay"]
