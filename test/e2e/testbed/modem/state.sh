# The simulated SIM7600G-H's state, shared by the qmicli and qmi-network stand-ins: a file of
# shell assignments the tests write (modem-state.ts) and the stand-ins read and update.
#   SIM=present|absent  REG=registered|not-registered  SESSION=connected|disconnected
#   REG_LOST=1: the network keeps refusing registration until the modem is reset
#   RSSI_DBM, RSRP_DBM, CID, PDH
STATE=${UPLINK_MODEM_STATE:-/run/uplink-testbed/modem.state}
TESTBED=$(cd "$(dirname "$0")/.." && pwd)
SIM=present REG=registered SESSION=connected REG_LOST=0 RSSI_DBM=-61 RSRP_DBM=-90 CID=19 PDH=1654799168
# shellcheck disable=SC1090
[ -f "$STATE" ] && . "$STATE"

save_state() {
  tmp="$STATE.$$"
  printf 'SIM=%s\nREG=%s\nSESSION=%s\nREG_LOST=%s\nRSSI_DBM=%s\nRSRP_DBM=%s\nCID=%s\nPDH=%s\n' \
    "$SIM" "$REG" "$SESSION" "$REG_LOST" "$RSSI_DBM" "$RSRP_DBM" "$CID" "$PDH" >"$tmp"
  mv "$tmp" "$STATE"
}

# The session's effect on the network: the carrier forwards and answers DHCP only while it is up.
carrier() { "$TESTBED/netns.sh" carrier "$1" >/dev/null 2>&1 || true; }

# libqmi's message when the control device is missing (test/fixtures/qmicli/uim-get-card-status/no-device-debian12-libqmi-1.32.2.txt).
no_device() {
  printf 'error: couldn'"'"'t create QmiDevice: Couldn'"'"'t query file info: Error when getting information for file \342\200\234%s\342\200\235: No such file or directory\n' "$1" >&2
  exit 1
}
