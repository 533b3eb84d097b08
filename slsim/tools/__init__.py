"""The tools for people, each built on the results and run layers: the ``slsim`` command
(:mod:`~slsim.tools.cli`), the browser view (:mod:`~slsim.tools.app`), the workshop
(:mod:`~slsim.tools.workshop`), research sweeps (:mod:`~slsim.tools.sweep`) and calibration
(:mod:`~slsim.tools.calibration`)."""
