#!/bin/sh
# Runs a command as on a Pi with a SIM7600G-H on USB: in a private mount namespace (start it with
# `unshare -m --propagation unchanged`, inside `ip netns exec upl-pi`) where /sys/class is a small
# tmpfs that says what libqmi looks for:
#   usbmisc/cdc-wdm0/device/driver -> .../qmi_wwan   the control port's USB driver
#   usbmisc/cdc-wdm0/device/net/wwan0                its network interface
#   net/wwan0/qmi/raw_ip, pass_through               qmi_wwan's attributes (raw_ip starts N, as
#                                                    after boot; qmi-network writes Y)
# Every other class keeps its entries (symlinks into /sys/devices, which is untouched), and
# net/wwan0 keeps the veth's own attributes beside qmi/. The control port itself
# (/run/uplink-testbed/dev/cdc-wdm0) is the simulator's pty, bind-mounted by the testbed.
#
# Usage: pi-sysfs.sh CMD [ARGS...]
set -eu
WWAN=${UPLINK_WWAN:-wwan0}
WDM=${UPLINK_WDM:-cdc-wdm0}
orig=$(mktemp -d /tmp/uplink-sysclass.XXXXXX)
mount --bind /sys/class "$orig"
mount -t tmpfs -o mode=755 uplink-sysclass /sys/class
# One cp for every class: their entries are symlinks (-a copies them as symlinks).
cp -a "$orig"/. /sys/class/ 2>/dev/null || true
rm -f "/sys/class/net/$WWAN"
mkdir -p /sys/class/.uplink-testbed/drivers/qmi_wwan "/sys/class/usbmisc/$WDM/device/net/$WWAN" "/sys/class/net/$WWAN/qmi"
ln -s /sys/class/.uplink-testbed/drivers/qmi_wwan "/sys/class/usbmisc/$WDM/device/driver"
if [ -L "$orig/net/$WWAN" ]; then
  real="/sys/class/net/$(readlink "$orig/net/$WWAN")"
  ln -s "$real"/* "/sys/class/net/$WWAN/"
fi
echo N >"/sys/class/net/$WWAN/qmi/raw_ip"
echo N >"/sys/class/net/$WWAN/qmi/pass_through"
umount "$orig"
rmdir "$orig"
exec "$@"
