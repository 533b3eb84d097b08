"""One module per weekly process; each exposes ``step(model)``, a whole-array pass over the columns.

Each ``step`` docstring states its rules in words, with units and update semantics.
"""
