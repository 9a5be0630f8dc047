#!/usr/bin/env bash
# `npm run package`: the agent as a Debian package, dist/uplink-agent_<version>_all.deb, built with
# dpkg-deb from the bundle (`npm run build`, made here if missing) and checked with lintian
# (errors fail; the warnings we accept are overridden in deploy/debian/lintian-overrides, each
# with its reason). Architecture all: the bundle is JavaScript; Debian's nodejs runs it.
#
#   /usr/lib/uplink-agent/uplink-agent.mjs(.map)   the bundle and its source map
#   /usr/bin/uplink-agent                          the wrapper (node --enable-source-maps ...)
#   /lib/systemd/system/uplink-agent.service       deploy/systemd/uplink-agent.service
#   /lib/udev/rules.d/99-uplink-modem.rules        deploy/udev/99-uplink-modem.rules
#   /etc/uplink/agent.yaml                         the default config, a conffile, no credentials
#   maintainer scripts                             deploy/debian/{postinst,prerm,postrm}
#
# Usage: bash scripts/package-deb.sh [--version V] [--out DIR] [--no-lintian]
#   --version V  the package's version (default agent/package.json's; tests use a unique one)
#   --out DIR    where the .deb goes (default dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

version="" out="$root/dist" lint=1
while (($#)); do
  case $1 in
    --version) version=$2 && shift 2 ;;
    --out) out=$2 && shift 2 ;;
    --no-lintian) lint=0 && shift ;;
    *) echo "package-deb: unknown option $1" >&2 && exit 2 ;;
  esac
done
version=${version:-$(node -p 'require("./agent/package.json").version')}
bundle=agent/dist/uplink-agent.mjs
[[ -f $bundle ]] || node scripts/build.mjs

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg=$stage/uplink-agent
d() { install -d -m 0755 "$pkg/$1"; }

d usr/lib/uplink-agent
install -m 0644 "$bundle" "$bundle.map" "$pkg/usr/lib/uplink-agent/"
d usr/bin
install -m 0755 deploy/debian/uplink-agent "$pkg/usr/bin/uplink-agent"
d lib/systemd/system
install -m 0644 deploy/systemd/uplink-agent.service "$pkg/lib/systemd/system/"
d lib/udev/rules.d
install -m 0644 deploy/udev/99-uplink-modem.rules "$pkg/lib/udev/rules.d/"
d etc/uplink
# 0600: the admin adds the broker password to this very file.
install -m 0600 deploy/debian/agent.yaml "$pkg/etc/uplink/agent.yaml"
d usr/share/lintian/overrides
install -m 0644 deploy/debian/lintian-overrides "$pkg/usr/share/lintian/overrides/uplink-agent"

doc=$pkg/usr/share/doc/uplink-agent
d usr/share/doc/uplink-agent
{
  year=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}" +%Y)
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: uplink"
  echo "Comment: uplink's agent, bundled (usr/lib/uplink-agent/uplink-agent.mjs) with these npm"
  echo " packages, each under the license named beside it:"
  echo " ."
  sed 's/^/ /' agent/dist/bundled-packages.txt
  echo
  echo "Files: *"
  echo "Copyright: $year uplink's authors"
  echo "License: proprietary"
  echo " uplink's own code carries no public license; all rights reserved by its authors."
  echo " The npm packages bundled with it (above) are under MIT, ISC or Apache-2.0 (human-signals);"
  echo " on Debian systems the Apache License 2.0 is in /usr/share/common-licenses/Apache-2.0."
} >"$doc/copyright"
chmod 0644 "$doc/copyright"
date=$(git log -1 --format=%aD 2>/dev/null || date -R)
{
  echo "uplink-agent ($version) unstable; urgency=medium"
  echo
  echo "  * Built from uplink $(git rev-parse --short HEAD 2>/dev/null || echo "(no git)")."
  echo
  echo " -- uplink <dev@uplink.invalid>  $date"
} | gzip -9n >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

d usr/share/man/man1
cat <<EOF | gzip -9n >"$pkg/usr/share/man/man1/uplink-agent.1.gz"
.TH UPLINK-AGENT 1 "" "uplink $version" "uplink"
.SH NAME
uplink-agent \- keep this device online over Wi-Fi and 4G, and report it over MQTT
.SH SYNOPSIS
.B uplink-agent
.RB parse " " \fIkind\fR " [" \fIfile\fR|- ]
.br
.B uplink-agent
.RB snapshot " " \fIdir\fR
.br
.B uplink-agent
.RB diagnose " [" \-\-from " " \fIdir\fR "] [" \-\-json ]
.br
.B uplink-agent
.RB run " " \-\-config " " \fIfile\fR " [" \-\-simulate " " \fIdir\fR ]
.br
.B uplink-agent
.B \-\-version
.SH DESCRIPTION
Diagnoses the seven layers of this device's links (hardware, session, interface, IP, routing,
DNS, application) from the real tools' output, reports over MQTT, runs remote commands and heals
what its policy allows. The service is uplink-agent.service; its config is
/etc/uplink/agent.yaml (and UPLINK_* overrides in /etc/uplink/agent.env), its data /var/lib/uplink.
.SH EXIT STATUS
0 ok, 2 usage, 78 a bad config (every wrong field is named on standard error). diagnose: 0 no
layer failing, 1 a layer failing (on any link or the host), 2 usage or an unreadable \-\-from
folder, 3 a \-\-from folder that holds no capture.
EOF
chmod 0644 "$pkg/usr/share/man/man1/uplink-agent.1.gz"

install -d -m 0755 "$pkg/DEBIAN"
for s in postinst prerm postrm; do install -m 0755 "deploy/debian/$s" "$pkg/DEBIAN/$s"; done
echo /etc/uplink/agent.yaml >"$pkg/DEBIAN/conffiles"
size_kb=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat >"$pkg/DEBIAN/control" <<EOF
Package: uplink-agent
Version: $version
Architecture: all
Maintainer: uplink <dev@uplink.invalid>
Installed-Size: $size_kb
Depends: nodejs (>= 18.19), libqmi-utils, udhcpc | busybox, iproute2, e2fsprogs, usbutils
Section: net
Priority: optional
Homepage: https://uplink.invalid/
Description: keeps a device online over Wi-Fi and 4G, reporting over MQTT
 uplink's agent for a Raspberry Pi with a 4G modem (SIM7600G-H over QMI): it
 diagnoses the seven layers of each link from the real tools' output (ip,
 qmicli, udhcpc, ping), reports them over MQTT to uplink's server, runs the
 remote commands its catalog allows, and heals what its policy permits.
 .
 One JavaScript file run by the system's Node.js (18.19 or newer).
EOF
(cd "$pkg" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/control" "$pkg/DEBIAN/conffiles" "$pkg/DEBIAN/md5sums"

mkdir -p "$out"
deb="$out/uplink-agent_${version}_all.deb"
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s) \
  dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
bytes=$(stat -c %s "$deb")
echo "package: $deb ($((bytes / 1024)) KiB)"
if ((bytes > 2 * 1024 * 1024)); then echo "package-deb: $deb is over 2 MiB" >&2 && exit 1; fi

if ((lint)); then
  if ! command -v lintian >/dev/null 2>&1; then
    echo "package-deb: lintian is not installed (scripts/install-system-deps.sh installs it)" >&2
    exit 1
  fi
  # Errors fail the build; warnings are printed (the accepted ones are overridden, see above).
  report=$(lintian --allow-root --tag-display-limit 0 "$deb" 2>&1 || true)
  [[ -n $report ]] && printf '%s\n' "$report"
  if grep -q '^E: ' <<<"$report"; then echo "package-deb: lintian found errors" >&2 && exit 1; fi
  echo "lintian: no errors ($(grep -c '^W: ' <<<"$report" || true) warnings)"
fi
