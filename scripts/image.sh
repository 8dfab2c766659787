#!/usr/bin/env bash
# Builds the alertmock container image from the Containerfile (docs/container.md):
#
#   scripts/image.sh [VERSION [RELEASE_DIR]]
#
# VERSION (default devel) is stamped into the binaries and labels the image,
# tagged alertmock:VERSION and alertmock:latest (IMAGE=name for another
# name). The linux binaries are taken from RELEASE_DIR, made by
# scripts/release.sh VERSION RELEASE_DIR, or built with that script for this
# machine's architecture (ARCH=arm64 or ARCH=amd64 for another). No base image
# is pulled: the image starts FROM scratch, so no registry is needed.
# ENGINE picks the tool: podman (the default when installed) or docker; it may
# carry global options, e.g. ENGINE="podman --root /tmp/storage".
# Prints the image's size.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version=${1:-devel}
release=${2:-}
image=${IMAGE:-alertmock}
fail() { echo "image.sh: $*" >&2; exit 1; }

if [ -z "${ENGINE:-}" ]; then
  if command -v podman >/dev/null; then ENGINE=podman
  elif command -v docker >/dev/null; then ENGINE=docker
  else fail "neither podman nor docker is installed (ENGINE=… names another)"; fi
fi
read -ra engine <<<"$ENGINE"
case ${ARCH:-$(uname -m)} in
  amd64|x86_64) arch=amd64 ;;
  arm64|aarch64) arch=arm64 ;;
  *) fail "ARCH=${ARCH:-$(uname -m)}: the image is built for amd64 or arm64" ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$release" ]; then
  release="$work/release"
  PLATFORMS=linux/$arch "$root/scripts/release.sh" "$version" "$release"
fi
bin="$release/alertmock_${version}_linux_$arch"
[ -x "$bin/alertmock" ] && [ -x "$bin/conformance" ] ||
  fail "$bin has no alertmock and conformance: make it with scripts/release.sh $version $release"

# The CA bundle, so that conformance reaches https targets (Microsoft Graph).
ca=""
for f in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
  if [ -s "$f" ]; then ca=$f; break; fi
done
[ -n "$ca" ] || fail "no CA certificate bundle found (install ca-certificates)"

ctx="$work/context"
mkdir -p "$ctx/rootfs/usr/local/bin" "$ctx/rootfs/usr/share/doc/alertmock" "$ctx/rootfs/etc/ssl/certs" \
  "$ctx/writable/data" "$ctx/writable/tmp"
cp "$bin/alertmock" "$bin/conformance" "$ctx/rootfs/usr/local/bin/"
cp "$bin/README.md" "$ctx/rootfs/usr/share/doc/alertmock/"
if [ -f "$bin/LICENSE" ]; then cp "$bin/LICENSE" "$ctx/rootfs/usr/share/doc/alertmock/"; fi
cp "$ca" "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/data:/sbin/nologin\n' >"$ctx/rootfs/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$ctx/rootfs/etc/group"
chmod -R u=rwX,go=rX "$ctx"
chmod 1777 "$ctx/writable/tmp"

revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
"${engine[@]}" build --platform "linux/$arch" \
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
  -t "$image:$version" -t "$image:latest" -f "$root/Containerfile" "$ctx"
size=$("${engine[@]}" image inspect --format '{{.Size}}' "$image:$version")
echo "image.sh: $image:$version (also $image:latest), linux/$arch, $((size / 1000000)) MB ($size bytes)"
