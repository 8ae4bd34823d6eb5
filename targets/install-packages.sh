#!/usr/bin/env bash
# Installs the system packages every target (or the targets named) needs, from
# Debian's archive: the "packages.debian" lists of targets/*/target.json.
#   targets/install-packages.sh            all targets
#   targets/install-packages.sh curl wget  some of them
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if [ $# -eq 0 ]; then set -- $(ls -d */ | tr -d /); fi
packages=$(node -e '
  const fs = require("fs");
  const out = new Set();
  for (const t of process.argv.slice(1)) {
    const f = `${t}/target.json`;
    if (!fs.existsSync(f)) { console.error(`no target ${t}`); process.exit(2); }
    for (const p of (JSON.parse(fs.readFileSync(f, "utf8")).packages?.debian ?? [])) out.add(p);
  }
  console.log([...out].sort().join(" "));
' "$@")
if [ -z "$packages" ]; then echo "no packages to install"; exit 0; fi
missing=()
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "all target packages are installed: $packages"; exit 0; fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
