#!/usr/bin/env bash
# Builds the base image every target's Dockerfile starts from, debian:bookworm-slim,
# from Debian's packages (no image registry needed): debootstrap a minimal
# bookworm and import it. A machine that has the image already (pulled from a
# registry, or built here before) keeps it.
#   targets/build-base-image.sh [--force]
set -euo pipefail
image=debian:bookworm-slim
if [ "${1:-}" != "--force" ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image is present ($(docker image inspect -f '{{.Id}}' "$image" | cut -c1-19))"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 2; }
dir=$(mktemp -d /tmp/conformatrix-rootfs.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
echo "debootstrap --variant=minbase bookworm ($mirror)..."
debootstrap --variant=minbase bookworm "$dir" "$mirror" >/tmp/conformatrix-debootstrap.log 2>&1 || { tail -20 /tmp/conformatrix-debootstrap.log >&2; exit 1; }
# What the official slim image also trims, and apt sources that work inside builds.
rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/doc/* "$dir"/usr/share/man/*
cat > "$dir/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
tar -C "$dir" -c . | docker import --change 'CMD ["bash"]' - "$image" >/dev/null
echo "built $image ($(docker image inspect -f '{{.Id}}' "$image" | cut -c1-19))"
