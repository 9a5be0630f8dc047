#!/usr/bin/env bash
# Installs uplink's server on a Debian-based machine (Debian 12 or newer, Ubuntu 22.04 or newer):
#
#   sudo deploy/install-server.sh [--http-port 8080] [--mqtt-port 1883]
#   sudo deploy/install-server.sh --broker-url mqtt://127.0.0.1:1883 --broker-username _uplink-server \
#        --broker-password-file /root/broker.secret          # with an external broker (Mosquitto)
#
# It installs Node.js (>= 20.5), creates the system user `uplink`, installs uplink in /opt/uplink
# (from this checkout, or --tarball), writes /etc/uplink/server.env (mode 0600), installs and
# starts uplink-server.service, and prints how to make the first operator token and devices.
# Safe to run twice; an existing server.env is kept unless --reconfigure. See deploy/README.md.
#
# options:
#   --http-port N                 HTTP API port (UPLINK_HTTP_PORT, default 8080)
#   --mqtt-port N                 embedded broker's port (UPLINK_MQTT_PORT, default 1883)
#   --broker-url URL              an external broker instead of the embedded one (UPLINK_BROKER_URL)
#   --broker-username NAME        the server's username there (UPLINK_BROKER_USERNAME)
#   --broker-password-file FILE   its password, first line of FILE (UPLINK_BROKER_PASSWORD)
#   --tarball FILE                install uplink from a release tarball instead of this checkout
#   --reconfigure                 rewrite an existing /etc/uplink/server.env from the flags
#   --no-start                    install and enable, but do not start
#   --force                       go on on a system that is not Debian-based (for testing)
#   --dry-run                     print what would change, change nothing
#
# exit codes: 0 installed (or nothing to change), 2 usage, 3 unsupported system,
#             4 a required package cannot be installed, 1 anything else
# UPLINK_INSTALL_ROOT=DIR puts every file under DIR instead of / (the tests' fake root).
set -euo pipefail

readonly PROG=install-server
readonly ROOT="${UPLINK_INSTALL_ROOT:-}"
SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SELF_DIR
# shellcheck source=deploy/install-common.sh
. "$SELF_DIR/install-common.sh"
readonly CHECKOUT=${SELF_DIR%/deploy}
readonly PREFIX=/opt/uplink
readonly ENV_FILE=/etc/uplink/server.env
readonly DATA_DIR=/var/lib/uplink-server
readonly UNIT=/etc/systemd/system/uplink-server.service

http_port="" mqtt_port="" broker_url="" broker_username="" broker_password_file="" tarball=""
reconfigure=0 no_start=0 force=0 restart_needed=0

parse_args() {
  while (($#)); do
    case $1 in
      --http-port | --mqtt-port | --broker-url | --broker-username | --broker-password-file | --tarball)
        (($# >= 2)) || die 2 "$1 needs a value"
        case $1 in
          --http-port) http_port=$2 ;;
          --mqtt-port) mqtt_port=$2 ;;
          --broker-url) broker_url=$2 ;;
          --broker-username) broker_username=$2 ;;
          --broker-password-file) broker_password_file=$2 ;;
          --tarball) tarball=$2 ;;
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
  if [[ -z $ROOT && $dry_run -eq 0 && $(id -u) -ne 0 ]]; then die 1 "run me as root: sudo $0 ..."; fi
  local id id_like
  id=$(os_field ID "$ROOT/etc/os-release")
  id_like=$(os_field ID_LIKE "$ROOT/etc/os-release")
  if [[ $id != debian && " $id_like " != *" debian "* ]]; then
    ((force)) && say "warning (--force): not a Debian-based system (${id:-unknown})" && return 0
    die 3 "refusing: this is not a Debian-based system (${id:-no /etc/os-release}); the installer uses apt and systemd" \
      "(--force goes on anyway, for testing)"
  fi
}

create_user() {
  getent passwd uplink >/dev/null 2>&1 && return 0
  act useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin uplink
}


render_env() {
  printf '%s\n' "# uplink server settings, written by deploy/install-server.sh; every one: README.md \"Configuration\"."
  [[ -n $http_port ]] && printf 'UPLINK_HTTP_PORT=%s\n' "$http_port"
  [[ -n $mqtt_port ]] && printf 'UPLINK_MQTT_PORT=%s\n' "$mqtt_port"
  if [[ -n $broker_url ]]; then
    printf 'UPLINK_BROKER_URL=%s\n' "$broker_url"
    [[ -n $broker_username ]] && printf 'UPLINK_BROKER_USERNAME=%s\n' "$broker_username"
    if [[ -n $broker_password_file ]]; then
      local pw
      IFS= read -r pw <"$broker_password_file" || true
      # systemd's EnvironmentFile: a double-quoted value keeps spaces; \ and " escaped.
      pw=${pw%$'\r'}
      pw=${pw//\\/\\\\}
      printf 'UPLINK_BROKER_PASSWORD="%s"\n' "${pw//\"/\\\"}"
    fi
  fi
  printf '%s\n' "#UPLINK_LOG_LEVEL=info"
}

write_env() {
  if [[ -f $ROOT$ENV_FILE && $reconfigure -eq 0 ]]; then
    [[ -n $http_port$mqtt_port$broker_url ]] && say "keeping the existing $ENV_FILE (--reconfigure rewrites it)"
    return 0
  fi
  local p
  for p in "$http_port" "$mqtt_port"; do
    [[ -z $p || ($p =~ ^[0-9]{1,5}$ && $p -le 65535) ]] || die 2 "not a port: $p"
  done
  [[ -z $broker_url || $broker_url =~ ^(mqtts?|wss?|tcp|ssl)://[^[:space:]]+$ ]] || die 2 "--broker-url $broker_url: an MQTT URL"
  [[ -z $broker_password_file || -r $broker_password_file ]] || die 2 "--broker-password-file: cannot read $broker_password_file"
  if render_env | put_file "$ENV_FILE" 0600; then restart_needed=1; fi
}

install_unit() {
  if put_file "$UNIT" 0644 <"$SELF_DIR/systemd/uplink-server.service"; then
    restart_needed=1
    act systemctl daemon-reload
  fi
  systemctl is-enabled --quiet uplink-server.service 2>/dev/null || act systemctl enable uplink-server.service
  ((no_start)) && return 0
  if ! systemctl is-active --quiet uplink-server.service 2>/dev/null; then
    act systemctl start uplink-server.service
  elif ((restart_needed)); then
    act systemctl restart uplink-server.service
  fi
}

main() {
  parse_args "$@"
  check_system
  install_node
  create_user
  make_dir /etc/uplink 0755
  install_source @uplink/server
  write_env
  install_unit
  if ((changed == 0)); then
    say "nothing to change: uplink-server is installed and up to date"
  elif ((dry_run)); then
    say "dry run: nothing was changed"
  else
    say "done. The first operator token and a device's credentials (each printed once):"
    say "  sudo -u uplink node $PREFIX/server/bin/uplink.js token add admin --data $DATA_DIR"
    say "  sudo -u uplink node $PREFIX/server/bin/uplink.js device add pi-0042 --data $DATA_DIR"
  fi
}

main "$@"
