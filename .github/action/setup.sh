#!/usr/bin/env bash
# The action's first step (action.yml): installs conformatrix in the action's
# own checkout (npm ci, whose `prepare` builds dist/), then the Debian packages
# of the targets the run will use: the named bundled targets, or all of them,
# and the targets in the user's target folders (their target.json's
# packages.debian), through targets/install-packages.sh.
# Inputs (environment): ACTION_PATH, INPUT_TARGETS, INPUT_TARGET_DIRS,
# INPUT_INSTALL_PACKAGES; target folders are relative to the working directory.
set -euo pipefail
workspace="$PWD"
cd "$ACTION_PATH"

if [ -f node_modules/.package-lock.json ] && [ -f dist/runner/cli.js ]; then
  echo "conformatrix is already installed in $ACTION_PATH"
else
  npm ci --no-audit --no-fund
fi

if [ "${INPUT_INSTALL_PACKAGES:-true}" != true ]; then
  echo "install-packages is ${INPUT_INSTALL_PACKAGES}: the targets' packages are not installed"
  exit 0
fi

# The targets to install for: a named target is a bundled one (targets/NAME) or
# one of the user's folders; with no name, every bundled target and every one of the user's.
# The lists are split on white space (spaces or new lines), never globbed.
read -r -d '' -a named <<<"${INPUT_TARGETS:-}" || true
read -r -d '' -a dirs <<<"${INPUT_TARGET_DIRS:-}" || true
folders=()
for dir in "${dirs[@]}"; do
  case "$dir" in /*) ;; *) dir="$workspace/$dir" ;; esac
  [ -d "$dir" ] || { echo "target folder $dir does not exist" >&2; exit 2; }
  for manifest in "$dir"/*/target.json; do
    [ -f "$manifest" ] || continue
    t="$(dirname "$manifest")"
    if [ ${#named[@]} -eq 0 ] || [[ " ${named[*]} " == *" $(basename "$t") "* ]]; then folders+=("$t"); fi
  done
done
bundled=()
if [ ${#named[@]} -eq 0 ]; then
  for manifest in targets/*/target.json; do bundled+=("$(basename "$(dirname "$manifest")")"); done
else
  for t in "${named[@]}"; do
    if [ -f "targets/$t/target.json" ]; then bundled+=("$t"); fi
  done
fi
if [ ${#bundled[@]} -eq 0 ] && [ ${#folders[@]} -eq 0 ]; then
  echo "no target to install packages for"
  exit 0
fi

# GitHub's hosted runners are not root but have sudo without a password; a container job is root.
as_root=()
if [ "$(id -u)" != 0 ]; then as_root=(sudo -n env "PATH=$PATH"); fi
"${as_root[@]}" targets/install-packages.sh "${bundled[@]}" "${folders[@]}"
