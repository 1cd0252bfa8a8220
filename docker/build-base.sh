#!/usr/bin/env bash
# docker/build-base.sh: builds the Debian bookworm base image of qaflow's images with debootstrap and `docker import`s it.
#
# Usage: docker/build-base.sh [IMAGE]     (default $QAFLOW_BASE_IMAGE, qaflow/bookworm:base)
# No registry is needed: the root file system comes from the Debian mirror apt uses on this machine
# (the first bookworm entry of /etc/apt/sources.list*, else deb.debian.org; QAFLOW_DEBIAN_MIRROR
# overrides it). Its tarball is cached in $QAFLOW_CACHE/docker (default ~/.cache/qaflow/docker), so
# debootstrap runs once per machine; an image already present is left alone (--force rebuilds both).
set -euo pipefail

FORCE=0
if [[ "${1:-}" == --force ]]; then FORCE=1; shift; fi
IMAGE="${1:-${QAFLOW_BASE_IMAGE:-qaflow/bookworm:base}}"
SUITE=bookworm
CACHE="${QAFLOW_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/qaflow}/docker"

# rootfs_remove DIR: unmount what debootstrap may have left mounted inside DIR (proc, sys), then remove it
# without crossing into another file system.
rootfs_remove() {
  local m
  [[ -d "$1" ]] || return 0
  awk -v r="$1/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$1"
}

say() { printf '%s [build-base] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# apt_uri KIND: the first http(s) URI of the machine's apt sources for the Debian archive (KIND=debian)
# or its security archive (KIND=debian-security), from one-line or deb822 files.
apt_uri() {
  local kind="$1"
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -v '^[[:space:]]*#' | grep -oE 'https?://[^ ]+' | sed 's:/*$::' \
    | grep -E "/$kind\$" | head -n1 || true
}

MIRROR="${QAFLOW_DEBIAN_MIRROR:-$(apt_uri debian)}"
: "${MIRROR:=http://deb.debian.org/debian}"
SECURITY="${QAFLOW_DEBIAN_SECURITY_MIRROR:-$(apt_uri debian-security)}"
: "${SECURITY:=http://deb.debian.org/debian-security}"

command -v docker >/dev/null || die "docker not found (apt-get install docker.io)"
if ((FORCE == 0)) && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  say "$IMAGE present"
  exit 0
fi

# Bump BASE_LAYOUT when what this script puts into the file system changes (a new tarball is made).
BASE_LAYOUT=2
KEY="$(printf '%s %s %s minbase %s' "$SUITE" "$MIRROR" "$SECURITY" "$BASE_LAYOUT" | sha256sum | cut -c1-12)"
TAR="$CACHE/$SUITE-base-$KEY.tar"
mkdir -p "$CACHE"
if ((FORCE == 1)) || [[ ! -s "$TAR" ]]; then
  command -v debootstrap >/dev/null || die "debootstrap not found (apt-get install debootstrap)"
  [[ "$(id -u)" == 0 ]] || die "debootstrap needs root"
  root="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  trap 'rootfs_remove "$root"' EXIT
  say "debootstrap --variant=minbase $SUITE from $MIRROR (a few minutes, once)"
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$root" "$MIRROR" \
    >"$CACHE/debootstrap.log" 2>&1 || { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
  cat >"$root/etc/apt/sources.list" <<LIST
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
LIST
  # Images stay small: no recommended packages, no documentation, no package lists or caches.
  cat >"$root/etc/apt/apt.conf.d/90qaflow" <<'CONF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
CONF
  cat >"$root/etc/dpkg/dpkg.cfg.d/90qaflow-nodoc" <<'CONF'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CONF
  # No package may start a daemon while an image is built (the postgresql and redis packages would).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  mkdir -p "$root/usr/share/man/man1" # update-alternatives (openjdk) links into it even without man pages
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log "$root"/tmp/* 2>/dev/null || true
  tar --numeric-owner -C "$root" -cf "$TAR.tmp" .
  mv "$TAR.tmp" "$TAR"
  rootfs_remove "$root"
  trap - EXIT
  say "root file system cached: $TAR ($(du -h "$TAR" | cut -f1))"
else
  say "using cached $TAR"
fi
docker import --change 'ENV LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive' --change 'CMD ["/bin/bash"]' \
  --message "debootstrap $SUITE minbase ($MIRROR)" "$TAR" "$IMAGE" >/dev/null
say "imported $IMAGE"
