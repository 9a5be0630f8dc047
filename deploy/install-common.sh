# shellcheck shell=bash disable=SC2034  # (changed, dry_run: set here, read by the installers)
# Helpers shared by install-agent.sh and install-server.sh; sourced, not run by itself.
# The sourcing script sets PROG, ROOT (UPLINK_INSTALL_ROOT: a fake root for tests, "" for /),
# and its own settings before calling these.

readonly NODE_MIN=20.5.0
# dry_run: --dry-run given; changed: something was (or would be) changed. Read by the installers.
dry_run=0 changed=0

say() { printf '%s: %s\n' "$PROG" "$*"; }

die() {
  local code=$1 line
  shift
  for line in "$@"; do printf '%s: %s\n' "$PROG" "$line" >&2; done
  exit "$code"
}

# Runs a command that changes the system, or says it would.
act() {
  changed=1
  if ((dry_run)); then
    say "would run: $*"
  else
    say "run: $*"
    "$@"
  fi
}

# Puts CONTENT (stdin) at ROOT/PATH with MODE, unless it is already there as is.
put_file() {
  local path=$1 mode=$2 target="$ROOT$1" tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [[ -f $target ]] && cmp -s "$tmp" "$target" && [[ $(stat -c %a "$target") == "${mode#0}" ]]; then
    rm -f "$tmp"
    return 1
  fi
  changed=1
  if ((dry_run)); then
    say "would write $path (mode $mode)"
    rm -f "$tmp"
    return 0
  fi
  mkdir -p "$(dirname "$target")"
  # Same directory, then rename: a reader sees the old file or the new one, never half of it.
  local staged
  staged=$(mktemp "$(dirname "$target")/.$(basename "$target").XXXXXX")
  cat "$tmp" >"$staged"
  rm -f "$tmp"
  chmod "$mode" "$staged"
  mv -f "$staged" "$target"
  say "wrote $path (mode $mode)"
  return 0
}

make_dir() {
  local path=$1 mode=$2 target="$ROOT$1"
  if [[ -d $target && $(stat -c %a "$target") == "${mode#0}" ]]; then return 0; fi
  changed=1
  if ((dry_run)); then
    say "would create $path (mode $mode)"
  else
    mkdir -p "$target"
    chmod "$mode" "$target"
  fi
}

# "1.2.3" >= "1.2.0"?
version_ge() {
  [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]
}

# The upstream part of a Debian version: 1:20.19.0+dfsg-1~deb12u1 -> 20.19.0
upstream_version() {
  local v=${1#*:}
  v=${v%%-*}
  v=${v%%+*}
  printf '%s' "${v%%~*}"
}

apt_candidate() {
  apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }'
}

pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

apt_updated=0
apt_update_once() {
  ((apt_updated)) && return 0
  apt_updated=1
  act apt-get update -qq
}

# One field of an os-release file, unquoted; read, not sourced (it is not ours to execute).
os_field() {
  [[ -r $2 ]] || return 0
  sed -n "s/^$1=//p" "$2" | head -n1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\\(.*\\)'$/\\1/"
}

install_node() {
  local have=""
  have=$(node --version 2>/dev/null || true)
  if [[ -n $have ]] && version_ge "${have#v}" "$NODE_MIN"; then
    :
  else
    apt_update_once
    local cand
    cand=$(apt_candidate nodejs)
    if [[ -n $cand && $cand != "(none)" ]] && version_ge "$(upstream_version "$cand")" "$NODE_MIN"; then
      act env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs ||
        die 4 "refusing: apt-get could not install nodejs $cand"
    else
      die 4 "refusing: uplink needs Node.js >= $NODE_MIN; ${have:+this machine has $have, }apt offers ${cand:-no nodejs}" \
        "(Debian bookworm ships Node 18). Install Node 20 or newer first, then run me again:" \
        "  - NodeSource's Debian repository (its 'nodejs' package, for arm64 and armhf), or" \
        "  - Node's official linux-arm64 / linux-armv7l tarball unpacked into /usr/local."
    fi
  fi
  if ! command -v npm >/dev/null 2>&1; then
    apt_update_once
    act env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm ||
      die 4 "refusing: npm is missing and apt-get could not install it"
  fi
}

# A fingerprint of what would be installed: same source, same fingerprint.
source_fingerprint() {
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --exclude=node_modules \
    -C "$1" -cf - package.json package-lock.json shared agent server deploy | sha256sum | cut -d' ' -f1
}

# The usage text: the script's header comment, down to `set -euo pipefail`.
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

# Installs uplink's source in PREFIX (from CHECKOUT, or the --tarball) and the dependencies of the
# given workspace with `npm ci`, unless that very source and workspace are there already. The
# agent and the server may share a machine (a lab): the workspaces installed before are kept,
# since `npm ci` starts node_modules afresh.
install_source() {
  local workspace=$1 src=$CHECKOUT staging="" from=$CHECKOUT
  if [[ -n ${tarball:-} ]]; then
    [[ -r $tarball ]] || die 2 "--tarball $tarball: cannot read it"
    staging=$(mktemp -d)
    tar -xzf "$tarball" -C "$staging" --strip-components=1
    src=$staging from=$tarball
  fi
  [[ -f $src/${workspace#@uplink/}/package.json && -f $src/package-lock.json ]] ||
    die 1 "no uplink source in $src (run me from a checkout, or give --tarball)"
  local want stamp="$ROOT$PREFIX/.installed" have_sum="" have_ws=""
  want=$(source_fingerprint "$src")
  if [[ -f $stamp ]]; then { read -r have_sum && read -r have_ws; } <"$stamp" || true; fi
  if [[ $want == "$have_sum" && " $have_ws " == *" $workspace "* && -d $ROOT$PREFIX/node_modules ]]; then
    [[ -n $staging ]] && rm -rf "$staging"
    return 0
  fi
  local workspaces ws args=()
  workspaces=$(printf '%s\n' ${have_ws:+"$have_ws"} "$workspace" | tr ' ' '\n' | sort -u | tr '\n' ' ')
  workspaces=${workspaces% }
  for ws in $workspaces; do args+=("--workspace=$ws"); done
  changed=1 restart_needed=1
  if ((dry_run)); then
    say "would install uplink from $from into $PREFIX and run: npm ci --omit=dev ${args[*]}"
  else
    say "installing uplink from $from into $PREFIX"
    mkdir -p "$ROOT$PREFIX"
    rm -rf "$ROOT$PREFIX"/{shared,agent,server,deploy,package.json,package-lock.json,.installed}
    tar --exclude=node_modules -C "$src" -cf - package.json package-lock.json shared agent server deploy |
      tar -C "$ROOT$PREFIX" -xf - --no-same-owner
    # Only these workspaces' dependencies: a Pi does not need the server's native SQLite build.
    # (The server's better-sqlite3 downloads a prebuilt binary for common platforms, else builds
    # from source: apt-get install python3 make g++.)
    (cd "$ROOT$PREFIX" && npm ci --omit=dev "${args[@]}" --no-audit --no-fund) ||
      die 1 "npm ci failed in $PREFIX (see above)"
    printf '%s\n%s\n' "$want" "$workspaces" >"$stamp"
  fi
  [[ -n $staging ]] && rm -rf "$staging"
  return 0
}
