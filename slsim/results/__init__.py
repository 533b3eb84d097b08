"""What people get from runs: the one-line API (:func:`~slsim.results.runner.run`,
:func:`~slsim.results.runner.compare`), tidy results, figures, files with their provenance, words
and numbers as people read them, and fitted posteriors to draw parameters from. Built on the run
layer (:mod:`slsim.execution`)."""
