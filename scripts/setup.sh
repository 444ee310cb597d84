#!/usr/bin/env bash
# Installs what stream-manager needs on Debian/Ubuntu, skipping whatever is already there.
#   scripts/setup.sh          FFmpeg + npm packages (enough to run the daemon)
#   scripts/setup.sh --test   plus what the tests run: GStreamer's RTSP server, Nginx, Chromium, Mosquitto, Redis
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(ffmpeg)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(
    python3-gi gir1.2-gst-rtsp-server-1.0
    gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
    nginx chromium mosquitto redis-server
  )
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when node_modules is missing or older than the lockfile.
# onnxruntime-node's CPU binaries ship in the package; its postinstall would fetch CUDA ones
# from outside the npm registry (also set in .npmrc, for plain npm installs).
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages"
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi

bash scripts/fetch-models.sh
if [[ "${1:-}" == "--test" ]]; then
  bash scripts/fetch-test-media.sh
fi
