#!/usr/bin/env bash
# Prepare this machine for the browser view and its tests. Idempotent: safe to run every time.
#
#  1. Chromium from Debian's package (/usr/bin/chromium). Playwright's own browser download does
#     not work on these machines, so `playwright install` is never used. Needs root; without root
#     and without Chromium it says so and carries on (the browser tests will then fail loudly).
#  3. axe-core (the accessibility checker the browser tests run in the page), from the npm registry
#     at a pinned version, unpacked into .cache/axe-core (or $SLSIM_AXE_DIR); not committed.
#  2. Solara's front-end files in its offline proxy cache. Solara fetches them from a public CDN
#     through /_solara/cdn/; with no internet the page stays blank ("Could not load URL" in the
#     server log). We fill the cache from the npm registry with `npm pack`, at the exact versions
#     named in the installed solara's template, one folder per package@version.
#
# Usage: bash scripts/setup_browser.sh            (uses ./.venv, or $VIRTUAL_ENV when set)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV="${VIRTUAL_ENV:-$PWD/.venv}"
PY="$VENV/bin/python"

# ---- 1. Chromium -------------------------------------------------------------------------------
if [ -x /usr/bin/chromium ]; then
  echo "setup_browser: chromium present (/usr/bin/chromium)"
elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup_browser: installing chromium from Debian (apt-get, about 40 s)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
  [ -x /usr/bin/chromium ] || { echo "setup_browser: apt-get finished but /usr/bin/chromium is missing" >&2; exit 1; }
else
  echo "setup_browser: /usr/bin/chromium is missing and this is not root (or not Debian):" \
       "install it with 'sudo apt-get install -y chromium'; skipping" >&2
fi

# ---- 3. axe-core for the accessibility tests (before the asset cache, which may exit early) ------
AXE_VERSION=4.14.1
AXE_DIR="${SLSIM_AXE_DIR:-$PWD/.cache/axe-core}"
if [ -f "$AXE_DIR/$AXE_VERSION/axe.min.js" ]; then
  echo "setup_browser: axe-core $AXE_VERSION present ($AXE_DIR/$AXE_VERSION)"
elif command -v npm >/dev/null 2>&1; then
  axe_tmp="$(mktemp -d)"
  if (cd "$axe_tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null) \
     && mkdir -p "$axe_tmp/unpack" && tar -xzf "$axe_tmp/axe-core-$AXE_VERSION.tgz" -C "$axe_tmp/unpack" --strip-components=1 \
     && [ -f "$axe_tmp/unpack/axe.min.js" ]; then
    mkdir -p "$AXE_DIR/$AXE_VERSION"
    cp "$axe_tmp/unpack/axe.min.js" "$axe_tmp/unpack/LICENSE" "$AXE_DIR/$AXE_VERSION/"
    echo "setup_browser: axe-core $AXE_VERSION fetched ($AXE_DIR/$AXE_VERSION)"
  else
    echo "setup_browser: WARNING: could not fetch axe-core $AXE_VERSION; the accessibility tests will fail" >&2
  fi
  rm -rf "$axe_tmp"
else
  echo "setup_browser: WARNING: npm is needed to fetch axe-core (apt-get install -y npm)" >&2
fi

# ---- 2. Solara's offline CDN cache ---------------------------------------------------------------
if [ ! -x "$PY" ] || ! "$PY" -c 'import solara' >/dev/null 2>&1; then
  echo "setup_browser: solara is not installed in $VENV (pip install -e '.[app]'); skipping the asset cache" >&2
  exit 0
fi
CACHE="${SOLARA_ASSETS_PROXY_CACHE_DIR:-$VENV/share/solara/cdn}"
TEMPLATE="$("$PY" -c 'import solara.server, pathlib; print(pathlib.Path(solara.server.__file__).parent / "templates" / "solara.html.j2")')"
SOLARA_DIR="$("$PY" -c 'import solara, pathlib; print(pathlib.Path(solara.__file__).parent)')"

# package@version strings, read from the installed solara so a solara upgrade cannot silently
# leave the cache at the wrong versions.
mapfile -t WANTED < <(
  {
    grep -ohE '@widgetti/[a-z0-9-]+@[0-9][0-9A-Za-z.+-]*' "$TEMPLATE" "$SOLARA_DIR"/widgets/vue/*.vue
    grep -ohE '/(requirejs|font-awesome)@[0-9][0-9.]*' "$TEMPLATE" "$SOLARA_DIR"/server/settings.py | sed 's#^/##'
  } | sed 's/[.]$//' | sort -u
)
if [ "${#WANTED[@]}" -lt 3 ]; then
  echo "setup_browser: could not read the asset versions from $TEMPLATE" >&2
  exit 1
fi

mkdir -p "$CACHE"
missing=()
for spec in "${WANTED[@]}"; do
  # A folder with a package.json was unpacked completely (we unpack into a temp folder first).
  [ -f "$CACHE/$spec/package.json" ] || missing+=("$spec")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup_browser: solara asset cache complete ($CACHE)"
  exit 0
fi
# Without the cache Solara can still fetch from the public CDN when there is internet, so a failure
# here is a warning; offline, the browser tests then fail on "Could not load URL" in the server log.
if ! command -v npm >/dev/null 2>&1; then
  echo "setup_browser: WARNING: npm is needed to fill $CACHE (apt-get install -y npm); without it the page" \
       "needs internet access to the CDN" >&2
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "setup_browser: fetching ${missing[*]}"
if ! (cd "$tmp" && npm pack --silent "${missing[@]}" >/dev/null); then
  echo "setup_browser: WARNING: npm pack failed; Solara's asset cache is incomplete ($CACHE)" >&2
  exit 0
fi
for spec in "${missing[@]}"; do
  name="${spec%@*}"; version="${spec##*@}"
  tarball="$tmp/$(echo "${name#@}" | tr '/' '-')-$version.tgz"
  [ -f "$tarball" ] || { echo "setup_browser: npm pack gave no $tarball" >&2; exit 1; }
  mkdir -p "$tmp/unpack/$spec"
  tar -xzf "$tarball" -C "$tmp/unpack/$spec" --strip-components=1
  mkdir -p "$(dirname "$CACHE/$spec")"
  rm -rf "$CACHE/$spec"
  mv "$tmp/unpack/$spec" "$CACHE/$spec"
done
echo "setup_browser: solara asset cache filled ($CACHE)"
