#!/usr/bin/env bash
# Sets everything up on a fresh clone: Debian tools the tests use (socat for pseudo-terminal pairs,
# python3-onnx for the ONNX checker, python3-pyarmnn for an independent TFLite reader, mosquitto for the
# fleet tests — they start their own broker on a free loopback port, never the system service — and
# systemd for `systemd-analyze verify` of the agent's unit), the npm dependencies exactly as locked, the
# compiled JavaScript the bins run (dist/), the pieces that run the device agent as arm64 code under qemu
# (scripts/setup-arm64.sh), then the native TensorFlow engine when a TensorFlow CPU wheel can be had
# (otherwise the WebAssembly engine stays active). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v socat >/dev/null 2>&1 || need_apt+=(socat)
/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1 || need_apt+=(python3-onnx)
/usr/bin/python3 -c 'import pyarmnn' >/dev/null 2>&1 || need_apt+=(python3-pyarmnn)
# pyarmnn only recommends its reference CPU backend, which --no-install-recommends leaves out; without it Arm NN
# refuses every network ("None of the preferred backends [CpuRef] are supported").
dpkg -s libarmnn-cpuref-backend22 >/dev/null 2>&1 || need_apt+=(libarmnn-cpuref-backend22)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null ||
      echo "setup: apt-get could not install ${need_apt[*]}; the tests that need them are skipped"
  else
    echo "setup: optional Debian packages missing (${need_apt[*]}); the tests that need them are skipped"
  fi
fi

# onnxruntime-node's install script would fetch CUDA files from a host we may not reach; its CPU
# binaries ship in the package.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The bins run compiled JavaScript when dist/ is newer than the sources (bin/compiled.mjs), tsx otherwise.
node scripts/build-dist.mjs

# qemu-user, arm64 libraries, the aarch64 cross compiler and Node 20 arm64 (never fails: the arm64 test
# says why it is skipped when a piece is missing).
bash scripts/setup-arm64.sh

# The native engine (issue: tfjs-node's own installer downloads from a host we may not reach): built from
# a TensorFlow CPU wheel; on failure the WebAssembly engine stays active and this says why.
if [ "${RANAS_SKIP_NATIVE:-0}" != 1 ]; then
  ./bin/ranas.mjs setup native || echo "setup: native engine not built; the WebAssembly engine stays active"
fi
