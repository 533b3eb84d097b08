#!/usr/bin/env bash
# slsim set-up and the two quick-start jobs.
#   ./dev.sh demo   install what is needed, then run the trainer's comparison
#                   (blame_culture vs systems_leadership): table in the terminal, figures and data in slsim-output/
#   ./dev.sh test   install what is needed (incl. Chromium for the browser tests), then run the whole test suite
#   ./dev.sh setup  only install (a .venv in this folder)
#   ./dev.sh constraints  refresh constraints.txt: install .[all] unpinned into a fresh temporary venv
#                   and freeze it (run after changing dependencies in pyproject.toml; commit the result)
# Every install is pinned by constraints.txt (pip -c), so a clone a year from now gets the same versions.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

find_python() {
  # The first interpreter that really runs and is >= 3.12. pyenv shims may exist but refuse to
  # run a version that is not selected, so each candidate is tried, not just looked up.
  local candidates=(python3.13 python3.12 python3)
  local root
  if command -v pyenv >/dev/null 2>&1; then
    root="$(pyenv root)"
    for v in "$root"/versions/3.1[2-9]*/bin/python3; do [ -x "$v" ] && candidates+=("$v"); done
  fi
  for c in "${candidates[@]}"; do
    if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
      echo "$c"; return 0
    fi
  done
  echo "slsim needs Python 3.12 or newer (Mesa 3.5 does). Install it (e.g. 'pyenv install 3.12') and run again." >&2
  return 1
}

setup() {
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
    local py; py="$(find_python)"
    echo "Creating .venv with $("$py" --version)"
    rm -rf .venv
    "$py" -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt --upgrade pip
  local spec="."
  [ -n "${1:-}" ] && spec=".[$1]"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e "$spec"
}

constraints() {
  local py tmp; py="$(find_python)"; tmp="$(mktemp -d)"
  "$py" -m venv "$tmp/venv"
  "$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check ".[all]"
  {
    echo "# Versions slsim is installed and tested with: ./dev.sh installs with 'pip -c constraints.txt'."
    echo "# Made by './dev.sh constraints' on $(date -u +%Y-%m-%d) with $("$tmp/venv/bin/python" --version) on $(uname -sm)."
    "$tmp/venv/bin/python" -m pip freeze --all --exclude-editable | grep -v -i '^slsim\b'
  } > constraints.txt
  rm -rf "$tmp"
  echo "wrote constraints.txt"
}

case "${1:-}" in
  demo)
    setup ""
    shift
    exec .venv/bin/slsim compare blame_culture systems_leadership --out slsim-output "$@"
    ;;
  test)
    setup all
    [ -f scripts/setup_browser.sh ] && bash scripts/setup_browser.sh
    shift
    # Two test processes by default (these machines have two cores); pass -n 0 to run in one.
    exec .venv/bin/python -m pytest -n "${SLSIM_TEST_WORKERS:-2}" "$@"
    ;;
  setup)
    setup "${2:-all}"
    ;;
  constraints)
    constraints
    ;;
  *)
    echo "usage: ./dev.sh demo | test [pytest options] | setup [extras] | constraints" >&2
    exit 2
    ;;
esac
