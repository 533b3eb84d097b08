"""``python -m slsim.tools.calibration``: the default place against single published figures."""
from slsim.tools.calibration.plausibility import main

raise SystemExit(main())
