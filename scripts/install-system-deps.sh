#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/system-packages.txt that are not installed yet.
# Safe to run twice; does nothing when everything is present. Needs root (CI and dev boxes are).
set -euo pipefail
cd "$(dirname "$0")"
missing=()
while read -r pkg cmd; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  if [[ -n "${cmd:-}" ]] && command -v "$cmd" >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < system-packages.txt
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-system-deps: missing ${missing[*]}; run as root or install them" >&2
    exit 1
  fi
  echo "install-system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
