#!/usr/bin/env bash
# A simulated Pi on real Linux networking, in network namespaces:
#
#   upl-pi   wlan0 ==veth== ap0    upl-ap    10.41.108.1/24, dnsmasq DHCP (lease 600 s)  --+
#            wwan0 ==veth== cell0  upl-cell  100.67.169.177/30, dnsmasq DHCP (the field    |
#                                            guide's /30)                                  |
#   upl-inet  "the internet": 192.0.2.1 (ping target) and 192.0.2.53 (DNS for *.uplink.test) <-+
#
# Addresses are the field guide's for the links and TEST-NET-1 (RFC 5737) for the internet: no
# packet can leave these namespaces, and none is aimed at a real host.
#
# Usage: netns.sh up | down | exec CMD... (runs CMD in upl-pi)
set -euo pipefail
PI=upl-pi AP=upl-ap CELL=upl-cell INET=upl-inet
RUN=${UPLINK_TESTBED_RUN:-/run/uplink-testbed}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

down() {
  for f in "$RUN"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  for ns in $PI $AP $CELL $INET; do ip netns del "$ns" 2>/dev/null || true; done
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
  dhcp $CELL cell0 100.67.169.178 255.255.255.252 100.67.169.177 7200
  # The internet's DNS: answers for *.uplink.test and refuses everything else.
  nsx $INET dnsmasq --listen-address=192.0.2.53 --bind-interfaces --no-resolv --no-hosts \
    --address=/uplink.test/192.0.2.1 --pid-file="$RUN/dns.pid" --log-facility=/dev/null

  ip -n $PI link set wlan0 up
  ip -n $PI link set wwan0 up
}

dhcp() { # ns iface address mask router lease
  nsx "$1" dnsmasq --port=0 --interface="$2" --bind-interfaces --no-resolv \
    --dhcp-range="$3,$3,$4,$6" --dhcp-option=option:router,"$5" \
    --dhcp-option=option:dns-server,192.0.2.53 \
    --dhcp-leasefile="$RUN/$1.leases" --pid-file="$RUN/$1.pid" --log-facility=/dev/null
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  exec) shift; nsx $PI "$@" ;;
  *) echo "usage: $0 up|down|exec CMD..." >&2; exit 2 ;;
esac
