"""``python -m slsim.calibration``: the default place against single published figures."""
from .plausibility import main

raise SystemExit(main())
