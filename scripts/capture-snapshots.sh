#!/usr/bin/env bash
# Captures the diagnosis scenarios in test/fixtures/snapshots/: the real agent's `snapshot` run on
# the simulated Pi of test/e2e/testbed (real kernel, ip, ping, BusyBox udhcpc, dnsmasq, chattr),
# with one fault applied per scenario. This machine has no modem, so each scenario's modem
# captures are links to real published captures under test/fixtures/ (see SOURCES.md).
# Needs root. Usage: sudo bash scripts/capture-snapshots.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tb="$root/test/e2e/testbed/netns.sh"
out="$root/test/fixtures/snapshots"
script="$root/test/e2e/testbed/udhcpc.script"
pi() { "$tb" exec "$@"; }
resolv=/etc/netns/upl-pi/resolv.conf

trap '"$tb" down' EXIT
"$tb" up

lease() { pi busybox udhcpc -i "$1" -n -q -s "$script" >/dev/null 2>&1; }
healthy() {
  pi ip link set wlan0 up; pi ip link set wwan0 up
  ip -n upl-ap link set ap0 up; ip -n upl-ap link set up0 up
  # Setting a link down takes its routes with it.
  ip -n upl-ap route replace default via 10.99.1.2
  lease wlan0; lease wwan0
  chattr -i "$resolv" 2>/dev/null || true
  printf 'nameserver 192.0.2.53\n' >"$resolv"
  [ -f /run/uplink-testbed/dns.pid ] && kill -0 "$(cat /run/uplink-testbed/dns.pid)" 2>/dev/null || \
    ip netns exec upl-inet dnsmasq --listen-address=192.0.2.53 --bind-interfaces --no-resolv --no-hosts \
      --address=/uplink.test/192.0.2.1 --pid-file=/run/uplink-testbed/dns.pid --log-facility=/dev/null
}

# link KEY FIXTURE: the scenario's KEY capture is this real published capture.
link() { ln -sfn "../../$2" "$dir/$1.txt"; }

modem_connected() {
  link lsusb lsusb/clockworkpi-uconsole-sim7600g.txt
  link dmesg dmesg/sixfab-rpishields-7-rpi3-qmi-wwan-registered.txt
  link vcgencmd.get_throttled vcgencmd/rpi3bplus-healthy-with-clock-and-temp.txt
  link qmicli.dms-get-ids qmicli/dms-get-ids/quectel-rm510q-imei-sv.txt
  link qmicli.dms-get-operating-mode qmicli/dms-get-operating-mode/online-quectel-rm510q.txt
  link qmicli.uim-get-card-status qmicli/uim-get-card-status/present-pin-disabled-quectel-rm510q.txt
  link qmicli.nas-get-serving-system qmicli/nas-get-serving-system/registered-lte-quectel-rm530n-gl-flipper-one.txt
  link qmicli.nas-get-signal-strength qmicli/nas-get-signal-strength/lte-sim7600-hat-raspbian-libqmi-1.24.2.txt
  link qmicli.wda-get-data-format qmicli/wda-get-data-format/raw-ip-qmap-simcom-sim7600e-netdev.txt
  link qmi-network qmi-network/start-success-dw5821e-armbian-journal.txt
}

# capture NAME [modem-variant]: snapshot the Pi as it is now.
capture() {
  dir="$out/$1"
  rm -rf "$dir" && mkdir -p "$dir"
  pi node "$root/agent/bin/uplink-agent.js" snapshot "$dir" --probe-ip 192.0.2.1 --probe-name probe.uplink.test >/dev/null
  # What this machine says about modems and power is not the Pi's: keep only the network captures.
  rm -f "$dir"/qmicli.* "$dir"/lsusb.txt "$dir"/dmesg.txt "$dir"/vcgencmd.* "$dir"/nmcli.* "$dir"/mmcli.*
  modem_connected
  echo "captured $1"
}

healthy; capture healthy

pi ip link set wwan0 down; capture interface-down; healthy

pi ip addr flush dev wwan0; capture no-lease
link() { ln -sfn "../../$2" "$dir/$1.txt"; }
capture no-packet-session; link qmi-network qmi-network/stop-already-stopped-debian12.txt
capture unregistered; link qmi-network qmi-network/stop-already-stopped-debian12.txt
link qmicli.nas-get-serving-system qmicli/nas-get-serving-system/not-registered-detached-embeddedpi-script-comment.txt
capture no-sim
rm -f "$dir/qmicli.uim-get-card-status.txt" "$dir/qmi-network.txt" "$dir/qmicli.nas-get-serving-system.txt"
link mmcli.modem mmcli/uconsole-sim7600g-h-failed-sim-missing.txt
link at at/a7670e-sim-not-inserted-no-network-service.txt
healthy

pi ip route del default dev wlan0; pi ip route del default dev wwan0; capture no-default-route; healthy

kill "$(cat /run/uplink-testbed/dns.pid)"; capture dns-failing; healthy

: >"$resolv"; chattr +i "$resolv"; capture resolv-conf-immutable-empty; healthy

ip -n upl-ap link set up0 down; capture wifi-no-upstream; healthy

# The access point is gone: no carrier on wlan0, and the DHCP client drops the lease and route.
ip -n upl-ap link set ap0 down; pi ip addr flush dev wlan0; capture wifi-gone; healthy

# Last, since it cannot be undone: the modem's interface is gone (unplugged, or re-enumerated in
# another USB composition).
pi ip link del wwan0
capture modem-unplugged; link lsusb lsusb/rpi-stackexchange-140269-pi4-huawei.txt
rm -f "$dir"/qmicli.* "$dir/qmi-network.txt" "$dir/dmesg.txt"
capture modem-ecm-mode; link lsusb lsusb/industrialshields-sim7600g-h-ecm-9018.txt
rm -f "$dir"/qmicli.* "$dir/qmi-network.txt" "$dir/dmesg.txt"
