#!/usr/bin/env bash
# Installs uplink's agent on a Raspberry Pi: Raspberry Pi OS Bookworm (Debian 12), arm64 or armhf.
#
#   sudo deploy/install-agent.sh --device-id pi-0042 --broker-url mqtts://broker.example.com:8883 \
#        --password-file /root/pi-0042.secret [--username pi-0042] [--apn internet] [--deb FILE]
#
# A thin wrapper around the uplink-agent Debian package (`npm run package` makes it): it installs
# the package with apt, so that its Depends come from Debian (nodejs >= 18.19: Bookworm's own, no
# outside repository; libqmi-utils, udhcpc or busybox, iproute2, e2fsprogs, usbutils), writes this
# device's credentials into /etc/uplink/agent.yaml (mode 0600), then enables and starts
# uplink-agent.service. The package brings the bundle, the unit, the udev rule and the default
# config; its postinst starts nothing until the config has credentials.
# Safe to run twice: the same package version is not reinstalled, a config with credentials is
# kept unless --reconfigure (but made 0600, as is /etc/uplink/agent.env, if others could read it).
# See deploy/README.md.
#
# options:
#   --device-id ID          this device's id (a-z, 0-9, '-'; as `uplink device add ID` made it)
#   --broker-url URL        mqtts://host:8883 (or mqtt://, ws://, wss://)
#   --username NAME         MQTT username (default: the device id)
#   --password PW           MQTT password (visible in `ps` and shell history: prefer --password-file)
#   --password-file FILE    read the password from the first line of FILE
#   --apn APN               the SIM's APN (modem.apn; qmi-network's profile)
#   --ca FILE               CA certificate (PEM) for a broker whose certificate no public CA signs
#   --deb FILE              the uplink-agent .deb (default: the newest dist/uplink-agent_*_all.deb
#                           of this checkout, else one beside this script)
#   --reconfigure           rewrite /etc/uplink/agent.yaml from the flags given
#   --no-start              install and enable, but do not start (e.g. when preparing an image)
#   --force                 go on despite a wrong OS or architecture (for testing)
#   --dry-run               print what would change, change nothing
#
# exit codes: 0 installed (or nothing to change), 2 usage, 3 unsupported system,
#             4 a required package cannot be installed, 1 anything else
# UPLINK_INSTALL_ROOT=DIR puts every file under DIR instead of / (the tests' fake root).
set -euo pipefail

readonly PROG=install-agent
readonly ROOT="${UPLINK_INSTALL_ROOT:-}"
SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SELF_DIR
# shellcheck source=deploy/install-common.sh
. "$SELF_DIR/install-common.sh"
readonly CHECKOUT=${SELF_DIR%/deploy}
readonly CONFIG=/etc/uplink/agent.yaml
readonly ENV_FILE=/etc/uplink/agent.env
readonly DATA_DIR=/var/lib/uplink
readonly UDEV_RULE=/lib/udev/rules.d/99-uplink-modem.rules
# Bookworm's nodejs is 18.19.0+dfsg: the agent's bundle targets it.
readonly AGENT_NODE_MIN=18.19.0
# The package's Depends (one of each alternative), and a program of each that proves it is there.
readonly TOOLS=(libqmi-utils:qmicli libqmi-utils:qmi-network udhcpc:udhcpc iproute2:ip e2fsprogs:chattr usbutils:lsusb)

device_id="" broker_url="" username="" password="" password_file="" apn="" ca="" deb=""
reconfigure=0 no_start=0 force=0 restart_needed=0

# A double-quoted YAML (and JSON) string.
yaml_string() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

parse_args() {
  while (($#)); do
    case $1 in
      --device-id | --broker-url | --username | --password | --password-file | --apn | --ca | --deb)
        (($# >= 2)) || die 2 "$1 needs a value"
        case $1 in
          --device-id) device_id=$2 ;;
          --broker-url) broker_url=$2 ;;
          --username) username=$2 ;;
          --password) password=$2 ;;
          --password-file) password_file=$2 ;;
          --apn) apn=$2 ;;
          --ca) ca=$2 ;;
          --deb) deb=$2 ;;
        esac
        shift 2
        ;;
      --reconfigure) reconfigure=1 && shift ;;
      --no-start) no_start=1 && shift ;;
      --force) force=1 && shift ;;
      --dry-run) dry_run=1 && shift ;;
      -h | --help) usage && exit 0 ;;
      *) die 2 "unknown option: $1 (--help lists them)" ;;
    esac
  done
}

check_system() {
  if [[ -z $ROOT && $dry_run -eq 0 && $(id -u) -ne 0 ]]; then
    die 1 "run me as root: sudo $0 ..."
  fi
  local os_release="$ROOT/etc/os-release" id codename pretty id_like
  id=$(os_field ID "$os_release")
  id_like=$(os_field ID_LIKE "$os_release")
  codename=$(os_field VERSION_CODENAME "$os_release")
  pretty=$(os_field PRETTY_NAME "$os_release")
  local problems=()
  if [[ $id != debian && $id != raspbian && " $id_like " != *" debian "* ]]; then
    problems+=("this is not a Debian-based system (${pretty:-no /etc/os-release}); uplink's agent installs on Raspberry Pi OS Bookworm")
  elif [[ $codename != bookworm ]]; then
    problems+=("this is ${pretty:-$id} (${codename:-no VERSION_CODENAME}), not Bookworm: uplink's agent installs on Raspberry Pi OS Bookworm (Debian 12), where its tools' output was captured")
  fi
  local arch
  arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
  if [[ $arch != arm64 && $arch != armhf ]]; then
    problems+=("this machine is $arch, not a Raspberry Pi's arm64 or armhf")
  fi
  if ((${#problems[@]})); then
    if ((force)); then
      for p in "${problems[@]}"; do say "warning (--force): $p"; done
    else
      die 3 "${problems[@]/#/refusing: }" "(--force installs anyway, for testing)"
    fi
  fi
}

# The .deb to install: --deb, else the newest one this checkout built, else one beside this script.
find_deb() {
  if [[ -z $deb ]]; then
    local f
    for f in "$CHECKOUT"/dist/uplink-agent_*_all.deb "$SELF_DIR"/uplink-agent_*_all.deb; do
      if [[ -f $f ]] && [[ -z $deb || $f -nt $deb ]]; then deb=$f; fi
    done
  fi
  if [[ -z $deb ]]; then
    pkg_installed uplink-agent && return 0
    die 2 "no uplink-agent .deb: run 'npm run package' in the checkout (it writes dist/uplink-agent_<version>_all.deb), or give --deb FILE"
  fi
  [[ -r $deb ]] || die 2 "--deb $deb: cannot read it"
  # apt-get installs a file only when its path has a slash.
  deb="$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")"
}

# Node.js >= 18.19: this machine's, or Debian's that apt installs for the package's Depends.
check_node() {
  local have cand
  have=$(node --version 2>/dev/null || true)
  if [[ -n $have ]] && version_ge "${have#v}" "$AGENT_NODE_MIN"; then return 0; fi
  apt_update_once
  cand=$(apt_candidate nodejs)
  if [[ -n $cand && $cand != "(none)" ]] && version_ge "$(upstream_version "$cand")" "$AGENT_NODE_MIN"; then return 0; fi
  die 4 "refusing: the agent needs Node.js >= $AGENT_NODE_MIN; ${have:+this machine has $have, }apt offers ${cand:-no nodejs}." \
    "Raspberry Pi OS Bookworm's own nodejs (18.19) is enough: check /etc/apt/sources.list(.d) has bookworm 'main'."
}

# The package, with the tools it depends on, through apt (so that its Depends resolve), unless
# this very version is installed already.
install_package() {
  local missing=() pkg entry
  for entry in "${TOOLS[@]}"; do
    pkg=${entry%%:*}
    if ! pkg_installed "$pkg" && [[ " ${missing[*]} " != *" $pkg "* ]]; then missing+=("$pkg"); fi
  done
  if ((${#missing[@]})); then
    apt_update_once
    local unavailable=()
    for pkg in "${missing[@]}"; do
      local cand
      cand=$(apt_candidate "$pkg")
      if [[ -z $cand || $cand == "(none)" ]]; then unavailable+=("$pkg"); fi
    done
    if ((${#unavailable[@]})); then
      die 4 "refusing: cannot install ${unavailable[*]}: apt has no candidate for it." \
        "The agent needs the modem tools (qmicli, qmi-network from libqmi-utils; udhcpc) to work at all." \
        "Check /etc/apt/sources.list(.d) has Debian bookworm 'main' and run 'apt-get update'."
    fi
  fi
  check_node
  local want="" have=""
  if [[ -n $deb ]]; then want=$(dpkg-deb -f "$deb" Version); fi
  have=$(dpkg-query -W -f='${Version}' uplink-agent 2>/dev/null || true)
  local install=()
  [[ -n $want && $want != "$have" ]] && install+=("$deb")
  # The tools by name too: udhcpc, though busybox would satisfy the package, is what the agent runs.
  install+=("${missing[@]}")
  if ((${#install[@]})); then
    [[ -n $want && $want != "$have" ]] && restart_needed=1
    apt_update_once
    act env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${install[@]}" ||
      die 4 "refusing: apt-get could not install ${install[*]} (see above); the agent cannot work without them"
  fi
  ((dry_run)) && return 0
  local absent=()
  for entry in "${TOOLS[@]}"; do
    command -v "${entry#*:}" >/dev/null 2>&1 || absent+=("${entry#*:} (${entry%%:*})")
  done
  ((${#absent[@]} == 0)) || die 4 "refusing: still missing after install: ${absent[*]}"
}

# A broker password in the config, or in the UPLINK_* overrides (as the package's postinst asks).
has_credentials() {
  { [[ -r $ROOT$CONFIG ]] && grep -Eq '^[[:space:]]+password:[[:space:]]*[^[:space:]#]' "$ROOT$CONFIG"; } ||
    { [[ -r $ROOT$ENV_FILE ]] && grep -Eq '^UPLINK_BROKER_{1,2}PASSWORD=.' "$ROOT$ENV_FILE"; }
}

read_password() {
  if [[ -n $password_file ]]; then
    [[ -r $password_file ]] || die 2 "--password-file $password_file: cannot read it"
    IFS= read -r password <"$password_file" || true
    password=${password%$'\r'}
  fi
}

render_config() {
  printf '%s\n' "# uplink agent config, written by deploy/install-agent.sh (mode 0600: it holds the password)."
  printf '%s\n' "# Every setting and its default:"
  printf '%s\n' "# README.md, \"Configuration\". UPLINK_* variables in /etc/uplink/agent.env override it."
  printf 'deviceId: %s\n' "$device_id"
  printf 'broker:\n'
  printf '  url: %s\n' "$(yaml_string "$broker_url")"
  printf '  username: %s\n' "$(yaml_string "$username")"
  printf '  password: %s\n' "$(yaml_string "$password")"
  if [[ -n $ca ]]; then printf '  ca: %s\n' "$(yaml_string "$ca")"; fi
  printf 'dataDir: %s\n' "$DATA_DIR"
  if [[ -n $apn ]]; then printf 'modem:\n  apn: %s\n' "$apn"; fi
}

# The flags a config needs are checked before anything is installed.
config_wanted() {
  ((reconfigure)) || ! has_credentials
}

check_config_flags() {
  config_wanted || return 0
  read_password
  local missing=()
  [[ -n $device_id ]] || missing+=(--device-id)
  [[ -n $broker_url ]] || missing+=(--broker-url)
  [[ -n $password ]] || missing+=("--password or --password-file")
  ((${#missing[@]} == 0)) || die 2 "${CONFIG} needs: ${missing[*]}"
  username=${username:-$device_id}
  [[ $device_id =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]] ||
    die 2 "--device-id $device_id: a device id is 1-63 of a-z, 0-9 and '-', not starting with '-'"
  [[ $broker_url =~ ^(mqtts?|wss?|tcp|ssl)://[^[:space:]]+$ ]] ||
    die 2 "--broker-url $broker_url: an MQTT URL such as mqtts://broker.example.com:8883"
  [[ -z $apn || $apn =~ ^[A-Za-z0-9.-]{1,62}$ ]] || die 2 "--apn $apn: letters, digits, '.' and '-'"
  local s
  for s in "$username" "$password" "$ca"; do
    [[ $s != *[[:cntrl:]]* ]] || die 2 "the username, password and --ca path cannot hold control characters"
  done
}

write_config() {
  if ! config_wanted; then
    if [[ -n $device_id$broker_url$username$password$password_file$apn$ca ]]; then
      say "keeping the existing $CONFIG (--reconfigure rewrites it from the flags)"
    fi
    return 0
  fi
  if [[ -n $ca && ! -r $ROOT$ca ]]; then say "warning: --ca $ca does not exist (yet)"; fi
  if render_config | put_file "$CONFIG" 0600; then restart_needed=1; fi
}

# The config and its UPLINK_* overrides hold the broker password: owner-only, whoever wrote them
# (an operator's editor or `cp` may leave them 0644). 0640 with group uplink is left as is: the
# drop-in that runs the agent as User=uplink needs it (deploy/README.md).
protect_secrets() {
  local path target mode
  for path in "$CONFIG" "$ENV_FILE"; do
    target="$ROOT$path"
    [[ -f $target ]] || continue
    mode=$(stat -c %a "$target")
    if (((8#$mode & 8#077) == 0)) || [[ $mode == 640 && $(stat -c %G "$target") == uplink ]]; then continue; fi
    changed=1
    if ((dry_run)); then
      say "would make $path mode 0600 (it is $mode)"
    else
      chmod 0600 "$target"
      say "made $path mode 0600 (it was $mode: others could read the broker password)"
    fi
  done
}

enable_and_start() {
  systemctl is-enabled --quiet uplink-agent.service 2>/dev/null || act systemctl enable uplink-agent.service
  ((no_start)) && return 0
  if ! systemctl is-active --quiet uplink-agent.service 2>/dev/null; then
    act systemctl start uplink-agent.service
  elif ((restart_needed)); then
    act systemctl restart uplink-agent.service
  fi
  if systemctl is-active --quiet ModemManager.service 2>/dev/null; then
    say "note: ModemManager is running; $UDEV_RULE tells it to leave the SIM7600 (1e0e:9001) alone." \
      "Another modem: 'systemctl disable --now ModemManager' (uplink drives the modem with qmi-network)."
  fi
}

main() {
  parse_args "$@"
  check_system
  check_config_flags
  find_deb
  install_package
  make_dir /etc/uplink 0750
  make_dir "$DATA_DIR" 0700
  write_config
  protect_secrets
  enable_and_start
  if ((changed == 0)); then
    say "nothing to change: uplink-agent is installed and up to date"
  elif ((dry_run)); then
    say "dry run: nothing was changed"
  else
    say "done. Follow it with: journalctl -u uplink-agent -f"
  fi
}

main "$@"
