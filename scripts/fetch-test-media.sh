#!/usr/bin/env bash
# Test media: a real photograph of a face (astronaut.png, from Debian's
# python3-skimage package; downloaded and unpacked, not installed).
set -euo pipefail
cd "$(dirname "$0")/.."

target="test/fixtures/media/astronaut.png"
[[ -s "$target" ]] && exit 0
mkdir -p "$(dirname "$target")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "setup: fetching astronaut.png from Debian's python3-skimage"
(cd "$work" && { apt-get download python3-skimage >/dev/null 2>&1 || { apt-get update -qq && apt-get download python3-skimage >/dev/null; }; })
dpkg -x "$work"/python3-skimage_*.deb "$work/x"
cp "$(find "$work/x" -name astronaut.png | head -n 1)" "$target"
