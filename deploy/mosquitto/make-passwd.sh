#!/usr/bin/env bash
# Makes (or adds to) Mosquitto's password file for uplink.
#   deploy/mosquitto/make-passwd.sh FILE USERNAME PASSWORD
# The server:   make-passwd.sh passwd _uplink-server "$(openssl rand -base64 24)"
#               and start uplink-server with UPLINK_BROKER_USERNAME=_uplink-server UPLINK_BROKER_PASSWORD=...
# A device:     uplink device add pi-17 --json --data DIR   (prints its password once), then
#               make-passwd.sh passwd pi-17 <that password>
# An operator:  make-passwd.sh passwd _operator <an operator token>   (read-only MQTT access)
# Mosquitto hashes the password itself (PBKDF2-SHA512); reload it with `kill -HUP $(pidof mosquitto)`.
set -euo pipefail
if [[ $# -ne 3 ]]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi
file=$1 user=$2 password=$3
[[ -f $file ]] || install -m 0600 /dev/null "$file"
mosquitto_passwd -b "$file" "$user" "$password"
