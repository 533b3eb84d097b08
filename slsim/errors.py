"""The errors a user can fix, and the exit codes of every ``slsim`` command.

Rules:

* Every error caused by the user's input (a parameter, a scenario, an experiment file, a command
  line option) is a :class:`SlsimError`. Its message is meant to be printed as it is, after
  ``slsim: error:``: it names what was wrong (a file, a field, an option) and what is allowed.
  Anything else reaching a command is a bug and keeps its traceback.
* ``SlsimError`` is a ``ValueError`` so that code written against the older classes (all
  ``ValueError`` subclasses) and pydantic validators (which turn a ``ValueError`` into a
  validation message) behave as before.
* The classes of errors that a run can meet (:class:`~slsim.model.params.ParameterError`,
  :class:`~slsim.model.scenario.ScenarioError`) stay defined in their own modules: a failed sweep run
  records its error with the class's module path, and that record must not change.
* Exit codes: 0 done, 1 the work started but could not finish (the Dask cluster was lost),
  2 bad input (nothing was run or written) or a sweep's cluster lost (resumable), 130 interrupted by
  Ctrl-C (as a shell reports SIGINT), 143 stopped by SIGTERM.

This module imports nothing from slsim, so every layer may import it.
"""

from __future__ import annotations

import sys

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # stopped by SIGTERM (a batch scheduler), as a shell reports it

ERROR_PREFIX = "slsim: error: "


class SlsimError(ValueError):
    """Bad input the user can fix; the message says what was wrong and what is allowed."""


class UserError(SlsimError):
    """Bad input from the command line: the message says what was wrong and what is allowed."""


class ExperimentError(SlsimError):
    """An experiment file or sweep request is invalid; the message says what and what is allowed."""


class YamlError(SlsimError):
    """A YAML file that cannot be read: not text, not YAML, a key given twice, or beyond a limit.

    The message is one line starting with the file's path (and the line and column when known).
    Scenario and experiment loaders re-raise it as their own error class with the same message.
    """


# Line breaks a terminal or a log reader would honour, shown escaped instead: a value the user
# wrote (a key such as "a\rb") must not split the one line of an error, nor forge a second one.
_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


def one_line(text: str) -> str:
    """``text`` with every line break written as its escape (``\\n``, ``\\r``, ``\\x85``, ...)."""
    return text.translate(_BREAKS)


def print_error(err: BaseException | str, code: int = EXIT_BAD_INPUT) -> int:
    """Print ``slsim: error: MESSAGE`` on stderr, always one line, and return the exit code to use
    (bad input unless told)."""
    print(f"{ERROR_PREFIX}{one_line(str(err))}", file=sys.stderr)
    return code
