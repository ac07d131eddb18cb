#!/usr/bin/env bash
# The quick start's base image: a small Debian 12 with cloud-init, OpenSSH and the QEMU guest agent,
# built locally from Debian packages by scripts/guest-image.sh (debootstrap; needs root and the
# Debian mirror, nothing else) and cached by that script's content hash, then linked where
# recipes/lab/demo.yaml expects it. The first run takes a few minutes; later runs are instant.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(bash scripts/guest-image.sh)
mkdir -p .cache/demo
ln -sfn "$dir/disk.raw" .cache/demo/debian-12-lab.raw
echo "demo base image: .cache/demo/debian-12-lab.raw -> $dir/disk.raw" >&2
