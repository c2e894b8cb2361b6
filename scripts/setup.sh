#!/usr/bin/env bash
# Set-up for klpkit's build and VM tests on Debian bookworm: QEMU, the kernel
# headers of the current bookworm kernel, and that kernel's image in a cache.
#
# Idempotent: when everything is in place it only checks and exits (well under
# a second). The release is resolved from the linux-headers-amd64 metapackage,
# so a Debian security update moves klpkit to the new kernel without an edit.
#
#   KLPKIT_CACHE   cache directory (default: <repo>/.cache)
#   KLPKIT_KERNEL  a release to use instead of the metapackage's (e.g. 6.1.0-56-amd64)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${KLPKIT_CACHE:-$here/.cache}
kernels=$cache/kernels
pkgs="qemu-system-x86 xz-utils make"

log() { printf 'setup: %s\n' "$*" >&2; }

have_tools() {
	command -v qemu-system-x86_64 >/dev/null && command -v xz >/dev/null && command -v make >/dev/null
}

# complete RELEASE: headers installed and the image extracted.
complete() {
	[ -e "/usr/src/linux-headers-$1/Makefile" ] && [ -e "$kernels/$1/.complete" ]
}

# Fast path: the release we resolved last time is still fully in place.
if [ -z "${KLPKIT_KERNEL:-}" ] && [ -r "$kernels/default" ] && have_tools; then
	rel=$(cat "$kernels/default")
	if complete "$rel"; then
		log "ready: kernel $rel, $(qemu-system-x86_64 --version | head -1)"
		exit 0
	fi
fi

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		log "this step needs root. Run as root:"
		printf '  apt-get update\n  apt-get install -y --no-install-recommends %s\n' "$*" >&2
		printf '  make setup\n' >&2
		exit 1
	fi
}

if [ "$(id -u)" -eq 0 ]; then
	log "apt-get update"
	apt-get update -qq >/dev/null
fi

rel=${KLPKIT_KERNEL:-}
if [ -z "$rel" ]; then
	rel=$(apt-cache depends linux-headers-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-headers-\(.*-amd64\)$/\1/p' | head -1)
	[ -n "$rel" ] || { log "cannot resolve the kernel release from linux-headers-amd64 (is apt's list current? run apt-get update)"; exit 1; }
fi
log "kernel release $rel"

missing=""
have_tools || missing="$pkgs"
[ -e "/usr/src/linux-headers-$rel/Makefile" ] || missing="$missing linux-headers-$rel"
if [ -n "$missing" ]; then
	need_root $missing
	log "installing $missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

dest=$kernels/$rel
if [ ! -e "$dest/.complete" ]; then
	tmp=$(mktemp -d "$cache/.dl.XXXXXX" 2>/dev/null || { mkdir -p "$cache"; mktemp -d "$cache/.dl.XXXXXX"; })
	trap 'rm -rf "$tmp"' EXIT
	chmod 755 "$tmp" # apt-get download drops to the _apt user
	log "downloading linux-image-$rel-unsigned"
	(cd "$tmp" && apt-get download -q "linux-image-$rel-unsigned" >/dev/null)
	log "extracting into $dest"
	rm -rf "$dest"
	mkdir -p "$dest"
	dpkg-deb -x "$tmp"/linux-image-"$rel"-unsigned_*.deb "$dest"
	touch "$dest/.complete"
fi
mkdir -p "$kernels"
[ -n "${KLPKIT_KERNEL:-}" ] || echo "$rel" >"$kernels/default"
log "ready: kernel $rel, $(qemu-system-x86_64 --version | head -1)"
