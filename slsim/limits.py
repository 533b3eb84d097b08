"""Every bound on what a user may ask for, in one place.

The command line, scenario files, experiment files and the run layer all check against these
names, so a limit is changed here once and is the same everywhere it is checked.
"""

from __future__ import annotations

# Runs: at most 100 years of weeks; a timeline event may be dated up to 10,000 (an event after the
# last simulated week never happens, which is allowed and said as a note).
MAX_WEEKS = 5200
MAX_TIMELINE_WEEK = 10_000
MAX_REPLICATES = 10_000
MAX_SEED = 2**63 - 1  # numpy's SeedSequence takes any whole number >= 0; JSON and Parquet keep int64

# Experiment designs
MAX_GRID_STEPS = 1000
MAX_SAMPLES = 1_000_000
MIN_MORRIS_LEVELS, MAX_MORRIS_LEVELS = 2, 20
MAX_BATCH_RUNS = 100_000
# a sweep's default bound on its runs (--max-runs changes it): above this a design is refused,
# with its size, before any of it is built
DEFAULT_MAX_RUNS = 1_000_000
# seconds a Dask sweep waits with no worker at all before it stops (--worker-timeout)
DEFAULT_WORKER_TIMEOUT = 180.0

# YAML files (scenarios and experiments; see slsim.yamlfile). The shipped files are a few kB and a
# few levels deep: these bounds are far above any real file and far below what hangs the parser
# or exhausts memory.
MAX_YAML_BYTES = 2_000_000
MAX_YAML_DEPTH = 50
MAX_YAML_NODES = 1_000_000  # scalars, lists and mappings once every alias is expanded
