#!/usr/bin/env bash
# Builds the Minimesh images from this checkout: minimesh/pilot, minimesh/proxy, minimesh/testapp.
#   install/build-images.sh                 tag = the project version (what meshctl install deploys)
#   HUB=localhost:5001 TAG=dev install/build-images.sh [--push]
# Then, on kind: meshctl install --load-images (pilot, proxy) and kind load docker-image minimesh/testapp:TAG.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
HUB="${HUB:-minimesh}"
TAG="${TAG:-$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' pom.xml | head -1)}"
DOCKER="${DOCKER:-docker}"
command -v "$DOCKER" >/dev/null || { echo "build-images: $DOCKER not found (set DOCKER=podman to use podman)" >&2; exit 1; }

./mvnw -B -pl pilot,pilot-agent,dataplane,testapp -am package -DskipTests

for image in pilot proxy testapp; do
  echo "build-images: $HUB/$image:$TAG"
  "$DOCKER" build -f "install/docker/$image.Dockerfile" -t "$HUB/$image:$TAG" .
  if [ "${1:-}" = "--push" ]; then "$DOCKER" push "$HUB/$image:$TAG"; fi
done
