#!/usr/bin/env bash
# Re-creates the "captured here" fixtures of the ip/udhcpc/ping/lsattr/resolv.conf/dmesg parsers
# by running the real tools in a small Pi-like setup built from network namespaces:
#
#   uplfx-pi (the Pi)  wlan0 ==veth== ap0   uplfx-ap   (10.41.108.1/24, dnsmasq DHCP, lease 600 s)
#                      wwan0 ==veth== cell0 uplfx-cell (100.67.169.177/30, dnsmasq DHCP, lease 7200 s)
#   uplfx-raw          wwan0 = a tun device: raw-IP like (link/none, POINTOPOINT,NOARP), no carrier
#
# The addresses are the reference document's; every packet stays inside these namespaces.
# Needs root and: iproute2 busybox dnsmasq iputils-ping e2fsprogs.
# Usage: sudo bash scripts/capture-fixtures.sh [fixtures-dir]   (default test/fixtures)
set -euo pipefail

out="${1:-$(dirname "$0")/../test/fixtures}"
work="$(mktemp -d)"
# Names of our own, so as not to meet the end-to-end tests' namespaces (upl-*).
ns_pi=uplfx-pi ns_ap=uplfx-ap ns_cell=uplfx-cell ns_raw=uplfx-raw
created=()

cleanup() {
  for f in "$work"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  # Only what this run made: a namespace that already existed belongs to someone else.
  for ns in "${created[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [ "${made_netns_etc:-}" = 1 ]; then rm -rf "/etc/netns/$ns_pi"; fi
  rm -rf "$work"
}
trap cleanup EXIT

pi() { ip netns exec "$ns_pi" "$@"; }
# cap DIR NAME CMD...: run CMD in the Pi namespace, keep stdout+stderr as the fixture.
cap() {
  local dir="$1" name="$2"; shift 2
  mkdir -p "$out/$dir"
  pi "$@" >"$out/$dir/$name.txt" 2>&1 || true
}

for ns in $ns_pi $ns_ap $ns_cell $ns_raw; do ip netns add "$ns" && created+=("$ns"); done
# ip netns exec bind-mounts this over /etc/resolv.conf: a nameserver on the namespace's own
# loopback, where nothing listens, so a name lookup fails at once and never leaves.
[ -e "/etc/netns/$ns_pi" ] && { echo "/etc/netns/$ns_pi exists: not ours" >&2; exit 1; }
made_netns_etc=1
mkdir -p "/etc/netns/$ns_pi" && echo "nameserver 127.0.0.1" >"/etc/netns/$ns_pi/resolv.conf"

ip link add wlan0 netns $ns_pi type veth peer name ap0 netns $ns_ap
ip link add wwan0 netns $ns_pi type veth peer name cell0 netns $ns_cell
for ns in $ns_pi $ns_ap $ns_cell; do ip -n $ns link set lo up; done
ip -n $ns_ap addr add 10.41.108.1/24 dev ap0 && ip -n $ns_ap link set ap0 up
ip -n $ns_cell addr add 100.67.169.177/30 dev cell0 && ip -n $ns_cell link set cell0 up
pi ip link set wlan0 up && pi ip link set wwan0 up

dhcp_server() { # ns iface range lease-s
  ip netns exec "$1" dnsmasq --port=0 --interface="$2" --bind-interfaces --no-resolv \
    --dhcp-range="$3,$4" --dhcp-option=option:dns-server,8.8.8.8,1.1.1.1 \
    --dhcp-leasefile="$work/$1.leases" --pid-file="$work/$1.pid" --log-facility=/dev/null
}
dhcp_server $ns_ap ap0 10.41.108.30,10.41.108.30,255.255.255.0 600
dhcp_server $ns_cell cell0 100.67.169.178,100.67.169.178,255.255.255.252 7200

# An udhcpc script that echoes what it is told and applies it the way the reference's Pi does
# (Wi-Fi metric 100, 4G metric 700).
cat >"$work/udhcpc.script" <<'EOF'
#!/bin/sh
echo "udhcpc script: $1 interface=$interface ip=$ip subnet=$subnet router=$router dns=$dns lease=$lease serverid=$serverid"
[ "$1" = bound ] || exit 0
case "$interface" in wlan0) metric=100 ;; *) metric=700 ;; esac
ip addr add "$ip/$mask" dev "$interface"
ip route add default via "$router" dev "$interface" metric "$metric"
EOF
chmod +x "$work/udhcpc.script"

cap udhcpc busybox-1.35-lease-wlan0 busybox udhcpc -i wlan0 -n -q
pi ip addr flush dev wlan0 && pi ip route flush dev wlan0
cap udhcpc busybox-1.35-script-lease-wlan0 busybox udhcpc -i wlan0 -n -q -s "$work/udhcpc.script"
cap udhcpc busybox-1.35-script-lease-wwan0 busybox udhcpc -i wwan0 -n -q -s "$work/udhcpc.script"

cap ip-link debian12-iproute2-6.1-wlan0-wwan0-json ip -j link
cap ip-link debian12-iproute2-6.1-wlan0-wwan0 ip link show
cap ip-addr debian12-iproute2-6.1-wlan0-wwan0-json ip -j addr
cap ip-addr debian12-iproute2-6.1-wlan0-wwan0 ip addr show
cap ip-addr debian12-iproute2-6.1-wwan0-ipv4 ip -4 addr show wwan0
cap ip-route debian12-wifi-and-4g ip route show
cap ip-route debian12-wifi-and-4g-json ip -j route show
cap ip-route-get debian12-via-wlan0 ip route get 8.8.8.8
cap ip-route-get debian12-via-wlan0-json ip -j route get 8.8.8.8
cap ip-route-get debian12-bad-prefix ip route get not-an-address
cap ping iputils-20221126-wlan0-gateway ping -c 3 -I wlan0 10.41.108.1
cap ping busybox-1.35-wwan0-gateway busybox ping -c 3 -I wwan0 100.67.169.177
cap ping iputils-20221126-total-loss ping -c 3 -W 1 -I wlan0 10.41.108.99
cap ping iputils-20221126-unknown-host ping -c 1 no-such-host.invalid
cap ping busybox-1.35-bad-address busybox ping -c 1 no-such-host.invalid
cap ping iputils-20221126-no-such-interface ping -c 1 -I wwan1 100.67.169.177

pi ip route del default dev wlan0
cap ip-route debian12-4g-only ip route show
cap ip-route-get debian12-via-wwan0 ip route get 8.8.8.8
pi ip route del default dev wwan0
cap ip-route-get debian12-no-default-route ip route get 8.8.8.8
cap ping iputils-20221126-network-unreachable ping -c 1 8.8.8.8
cap ping busybox-1.35-network-unreachable busybox ping -c 1 8.8.8.8

kill "$(cat "$work/$ns_ap.pid")" && rm "$work/$ns_ap.pid"
pi ip addr flush dev wlan0
cap udhcpc busybox-1.35-no-server busybox udhcpc -i wlan0 -n -q -t 3 -T 1

# wwan0 as the qmi_wwan raw-IP device looks before its data session: tun is also link/none,
# POINTOPOINT,NOARP, and has no carrier until something opens it.
ip -n $ns_raw tuntap add dev wwan0 mode tun
ip -n $ns_raw link set wwan0 up
ip -n $ns_raw addr add 100.67.169.178/30 dev wwan0
ip -n $ns_raw -j link show wwan0 >"$out/ip-link/debian12-tun-wwan0-no-carrier-json.txt" 2>&1
ip -n $ns_raw link show wwan0 >"$out/ip-link/debian12-tun-wwan0-no-carrier.txt" 2>&1
ip -n $ns_raw addr show wwan0 >"$out/ip-addr/debian12-tun-wwan0-no-carrier.txt" 2>&1
ip -n $ns_raw -j addr show wwan0 >"$out/ip-addr/debian12-tun-wwan0-no-carrier-json.txt" 2>&1
ip -n $ns_raw -j route get 8.8.8.8 >"$out/ip-route-get/debian12-json-unreachable.txt" 2>&1 || true

# The access point's namespace has no wwan0: what `ip` says about a missing interface.
ip -n $ns_ap link show dev wwan0 >"$out/ip-link/debian12-no-such-device.txt" 2>&1 || true
ip -n $ns_ap addr show dev wwan0 >"$out/ip-addr/debian12-no-such-device.txt" 2>&1 || true

# lsattr: an immutable file on ext4, and a file system without the flags ioctl (procfs).
mkdir -p "$out/lsattr"
f="$work/resolv.conf"; printf 'nameserver 8.8.8.8\nnameserver 1.1.1.1\n' >"$f"
chattr +i "$f"
(cd "$work" && lsattr resolv.conf) >"$out/lsattr/debian12-ext4-immutable.txt" 2>&1
chattr -i "$f"
(cd "$work" && lsattr resolv.conf) >"$out/lsattr/debian12-ext4-mutable.txt" 2>&1
lsattr /proc/version >"$out/lsattr/debian12-procfs-not-supported.txt" 2>&1 || true
# lsattr on a symlink (as /etc/resolv.conf is under systemd-resolved or resolvconf): flags are
# not read through a link.
ln -s resolv.conf "$work/resolv.conf.link"
(cd "$work" && lsattr resolv.conf.link) >"$out/lsattr/debian12-symlink-not-supported.txt" 2>&1 || true

# resolv.conf: the static file Debian's systemd ships for systemd-resolved, and an empty file.
mkdir -p "$out/resolv-conf"
cat /usr/lib/systemd/resolv.conf >"$out/resolv-conf/debian12-systemd-252-static.txt"
: >"$work/empty.conf" && cat "$work/empty.conf" >"$out/resolv-conf/empty-file.txt"
