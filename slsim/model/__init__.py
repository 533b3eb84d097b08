"""The model: one place (:class:`~slsim.model.system.SystemModel`), its agents and column tables,
its parameters and scenarios, and the weekly processes (:mod:`slsim.model.processes`), each with
its own named coefficients. Nothing here knows how runs are executed or shown."""
