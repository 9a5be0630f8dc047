#!/usr/bin/env bash
# A simulated Pi on real Linux networking, in network namespaces:
#
#   upl-pi   wlan0 ==veth== ap0    upl-ap    10.41.108.1/24, dnsmasq DHCP (lease 600 s)  --+
#            wwan0 ==veth== cell0  upl-cell  100.67.169.177/30, dnsmasq DHCP (the field    |
#                                            guide's /30)                                  |
#   upl-inet  "the internet": 192.0.2.1 (ping target), 192.0.2.53 and 192.0.2.54 (DNS for    <-+
#             *.uplink.test), 192.0.2.10 (where the e2e tests run uplink-server and its broker)
#   root ns   upl-inet0 10.99.9.1/30 ==veth== host0 10.99.9.2/30 in upl-inet: the tests reach the
#             server's API from here, without a route to anything else
#
# Addresses are the field guide's for the links and TEST-NET-1 (RFC 5737) for the internet: no
# packet can leave these namespaces, and none is aimed at a real host.
#
# The carrier (upl-cell) forwards the Pi's traffic and answers its DHCP only while the modem's packet
# data session is up and passes data: `carrier on|off`, driven by the simulated modem
# (modem-sim.ts) as its session starts, stops, drops or turns into a phantom bearer.
#
# Usage: netns.sh up | down | exec CMD... (runs CMD in upl-pi)
#        netns.sh carrier on|off | cell-dhcp on|off | dns on|off
#
# UPLINK_TESTBED=NAME (default upl) names the namespaces NAME-pi, NAME-ap, ... and the root
# namespace's veth NAME-inet0; UPLINK_TESTBED_HOSTNET=A.B.C (default 10.99.9) is its /30. Two
# testbeds with different names and host nets can run side by side (pi-testbed.ts passes both).
set -euo pipefail
T=${UPLINK_TESTBED:-upl}
HOSTNET=${UPLINK_TESTBED_HOSTNET:-10.99.9}
PI=$T-pi AP=$T-ap CELL=$T-cell INET=$T-inet HOSTVETH=$T-inet0
if [ "$T" = upl ]; then DEFAULT_RUN=/run/uplink-testbed; else DEFAULT_RUN=/run/uplink-testbed-$T; fi
RUN=${UPLINK_TESTBED_RUN:-$DEFAULT_RUN}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

down() {
  for f in "$RUN"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  # The simulated modem's control device (modem-sim.ts): its pty's bind, then the tmpfs under it.
  umount -l "$RUN/dev/cdc-wdm0" 2>/dev/null || true
  umount -l "$RUN/dev" 2>/dev/null || true
  for ns in $PI $AP $CELL $INET; do ip netns del "$ns" 2>/dev/null || true; done
  ip link del "$HOSTVETH" 2>/dev/null || true
  chattr -i "/etc/netns/$PI/resolv.conf" 2>/dev/null || true
  rm -rf "/etc/netns/$PI" "$RUN"
}

up() {
  down
  mkdir -p "$RUN" "/etc/netns/$PI"
  for ns in $PI $AP $CELL $INET; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
  # The Pi's resolv.conf, as ip netns exec bind-mounts it over /etc/resolv.conf.
  printf 'nameserver 192.0.2.53\n' >"/etc/netns/$PI/resolv.conf"

  ip link add wlan0 netns $PI type veth peer name ap0 netns $AP
  ip link add wwan0 netns $PI type veth peer name cell0 netns $CELL
  ip link add up0 netns $AP type veth peer name inet-ap netns $INET
  ip link add up0 netns $CELL type veth peer name inet-cell netns $INET

  ip -n $AP addr add 10.41.108.1/24 dev ap0
  ip -n $AP addr add 10.99.1.1/30 dev up0
  ip -n $CELL addr add 100.67.169.177/30 dev cell0
  ip -n $CELL addr add 10.99.2.1/30 dev up0
  ip -n $INET addr add 10.99.1.2/30 dev inet-ap
  ip -n $INET addr add 10.99.2.2/30 dev inet-cell
  ip -n $INET addr add 192.0.2.1/32 dev lo
  ip -n $INET addr add 192.0.2.53/32 dev lo
  ip -n $INET addr add 192.0.2.54/32 dev lo
  ip -n $INET addr add 192.0.2.10/32 dev lo
  ip link add "$HOSTVETH" type veth peer name host0 netns $INET
  ip addr add "$HOSTNET.1/30" dev "$HOSTVETH"
  ip link set "$HOSTVETH" up
  ip -n $INET addr add "$HOSTNET.2/30" dev host0
  ip -n $INET link set host0 up
  for pair in "$AP ap0" "$AP up0" "$CELL cell0" "$CELL up0" "$INET inet-ap" "$INET inet-cell"; do
    set -- $pair; ip -n "$1" link set "$2" up
  done
  ip -n $AP route add default via 10.99.1.2
  ip -n $CELL route add default via 10.99.2.2
  ip -n $INET route add 10.41.108.0/24 via 10.99.1.1
  ip -n $INET route add 100.67.169.176/30 via 10.99.2.1
  nsx $AP sysctl -qw net.ipv4.ip_forward=1
  nsx $CELL sysctl -qw net.ipv4.ip_forward=1

  dhcp $AP ap0 10.41.108.30 255.255.255.0 10.41.108.1 600
  # The carrier's own address is looked up after the blackhole rule of `carrier off` (pref 10), so a
  # dropped session silences the gateway too, as on a real bearer.
  ip -n $CELL rule add pref 100 lookup local
  ip -n $CELL rule del pref 0 lookup local
  cell_dhcp on
  dns on 53
  dns on 54

  ip -n $PI link set wlan0 up
  ip -n $PI link set wwan0 up
}

dhcp() { # ns iface address mask router lease
  nsx "$1" dnsmasq --port=0 --interface="$2" --bind-interfaces --no-resolv \
    --dhcp-range="$3,$3,$4,$6" --dhcp-option=option:router,"$5" \
    --dhcp-option=option:dns-server,192.0.2.53 \
    --dhcp-leasefile="$RUN/$1.leases" --pid-file="$RUN/$1.pid" --log-facility=/dev/null
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# The carrier's DHCP server runs while the session is up (carrier on) and it is not silenced (the
# fault `cell-dhcp off`, which a session restart does not undo).
cell_dhcp_apply() {
  if [ ! -e "$RUN/carrier.off" ] && [ ! -e "$RUN/cell-dhcp.silenced" ]; then
    running "$RUN/$CELL.pid" && return 0
    dhcp $CELL cell0 100.67.169.178 255.255.255.252 100.67.169.177 7200
  else
    stop_pid "$RUN/$CELL.pid"
  fi
}

cell_dhcp() { # on|off: the carrier's DHCP server answers, or is silent whatever the session does
  if [ "$1" = on ]; then rm -f "$RUN/cell-dhcp.silenced"; else : >"$RUN/cell-dhcp.silenced"; fi
  cell_dhcp_apply
}

carrier() { # on|off: the packet data session's effect on the network
  ip -n $CELL rule del pref 10 2>/dev/null || true
  if [ "$1" = on ]; then
    rm -f "$RUN/carrier.off"
  else
    ip -n $CELL rule add pref 10 iif cell0 blackhole
    : >"$RUN/carrier.off"
  fi
  cell_dhcp_apply
}

dns() { # on|off 53|54: the internet's DNS servers answer for *.uplink.test and refuse the rest
  local pid="$RUN/dns${2/53/}.pid"
  if [ "$1" = on ]; then running "$pid" && return 0; else stop_pid "$pid"; return 0; fi
  nsx $INET dnsmasq --listen-address="192.0.2.$2" --bind-interfaces --no-resolv --no-hosts \
    --address=/uplink.test/192.0.2.1 --pid-file="$pid" --log-facility=/dev/null
}

stop_pid() {
  [ -f "$1" ] || return 0
  local p; p=$(cat "$1")
  kill "$p" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
  rm -f "$1"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  carrier) carrier "$2" ;;
  cell-dhcp) cell_dhcp "$2" ;;
  dns) dns "$2" "${3:-53}" ;;
  exec) shift; nsx $PI "$@" ;;
  *) echo "usage: $0 up|down|exec CMD..." >&2; exit 2 ;;
esac
