#!/bin/bash
# Runs the GPU check kit built by scripts/gpu/pack.sh (copied there as .gpu-kit/run.sh). Made for
# a GPU machine with no Node.js: unpacks node and the kit into a temporary folder, installs the
# Vulkan/GL loaders it carries (as root, with dpkg), points Vulkan at the NVIDIA driver, probes
# WebGPU, then runs the check (parity, Studio training and sampling, bench) under a timeout.
#   bash .gpu-kit/run.sh [check arguments: --backend webgpu|wasm|cpu|…, --no-bench]
# Env: OUT (results folder; default /tmp/ars-gpu-out), ONLY (bench figures), BENCH_BUDGET_S
# (default 180), KIT_TIMEOUT (seconds for the whole check; default 420), KIT_NO_DEBS=1 (do not
# install the carried loaders), KIT_KEEP=1 (keep the unpacked folder).
# Writes $OUT/gpu-check.txt, $OUT/gpu-bench.json and $OUT/gpu-run.log (all of this output).
set -u
KIT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-/tmp/ars-gpu-out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export OUT

main() {
  local started=$SECONDS
  echo "=== GPU check kit: $(head -1 "$KIT/BUILD.txt" 2>/dev/null)"
  for f in node.xz kit.tar.xz; do
    [ -f "$KIT/$f" ] || { echo "gpu-check: FAIL the kit is incomplete: $KIT/$f is missing (rebuild it with bash scripts/gpu/pack.sh)"; return 2; }
  done
  W=$(mktemp -d "${TMPDIR:-/tmp}/ars-gpu-kit.XXXXXX")
  if command -v xz >/dev/null && command -v tar >/dev/null; then
    xz -dc "$KIT/node.xz" >"$W/node" && xz -dc "$KIT/kit.tar.xz" | tar -C "$W" -xf - || { echo "gpu-check: FAIL could not unpack the kit"; return 2; }
  elif command -v python3 >/dev/null; then
    python3 - "$KIT" "$W" <<'PY' || { echo "gpu-check: FAIL could not unpack the kit"; return 2; }
import lzma, shutil, sys, tarfile
kit, w = sys.argv[1], sys.argv[2]
with lzma.open(f'{kit}/node.xz') as src, open(f'{w}/node', 'wb') as dst:
    shutil.copyfileobj(src, dst)
with tarfile.open(f'{kit}/kit.tar.xz', 'r:xz') as t:
    t.extractall(w)
PY
  else
    echo "gpu-check: FAIL neither xz+tar nor python3 is here to unpack the kit"
    return 2
  fi
  chmod +x "$W/node"
  echo "unpacked to $W in $((SECONDS - started)) s: node $("$W/node" --version 2>&1)"

  # Vulkan/GL loaders (the machine may have the NVIDIA driver's ICD but no loader).
  if [ "${KIT_NO_DEBS:-}" != 1 ] && ls "$W"/debs/*.deb >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v dpkg >/dev/null; then
      local installed="" present=""
      for f in "$W"/debs/*.deb; do
        local pkg
        pkg=$(basename "$f" | sed 's/_.*//')
        # A package the system already has is left alone (never overwritten).
        if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
          present="$present $pkg"
        elif dpkg -x "$f" /; then
          installed="$installed $pkg"
        else
          echo "warning: dpkg -x $(basename "$f") failed"
        fi
      done
      [ -n "$installed" ] && ldconfig 2>/dev/null
      echo "carried loaders: installed:${installed:- none}; already there:${present:- none}"
    elif command -v dpkg >/dev/null; then
      for f in "$W"/debs/*.deb; do dpkg -x "$f" "$W/sysroot"; done
      export LD_LIBRARY_PATH="$W/sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      echo "not root: the carried loaders are on LD_LIBRARY_PATH ($W/sysroot)"
    else
      echo "warning: no dpkg: the carried loaders are not installed (ldconfig knows: $(ldconfig -p 2>/dev/null | grep -c libvulkan) libvulkan)"
    fi
  fi
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ] && export VK_DRIVER_FILES=$icd
  local egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
  echo "nvidia-smi: $(timeout 15 nvidia-smi -L 2>&1 | head -4 | tr '\n' ' ')"
  echo "Vulkan ICDs: VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}; $(ls /usr/local/nvidia/share/vulkan/icd.d/ /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ 2>/dev/null | tr '\n' ' ')"
  local probe
  probe=$(cd "$W" && timeout 30 ./node webgpuProbe.mjs 2>&1)
  echo "WebGPU probe (rc $?): $(echo "$probe" | tail -1 | cut -c1-800)"
  { echo "$probe" | grep -m2 '^Warning' || echo "$probe" | grep -m2 -i 'error'; } | cut -c1-300 | sed 's/^/  /'

  export ARS_KERNELS_DIR=$W/build/wasm
  export ARS_WASM_DIR=$W/node_modules/@tensorflow/tfjs-backend-wasm/dist/
  local limit=${KIT_TIMEOUT:-420}
  echo "=== check (timeout ${limit} s): node check.mjs --out $OUT $*"
  (cd "$W" && timeout -k 10 "$limit" ./node check.mjs --out "$OUT" "$@")
  local rc=$?
  if [ $rc = 124 ] || [ $rc = 137 ]; then
    echo "gpu-check: TIMED OUT after $limit s (KIT_TIMEOUT); what finished is in $OUT/gpu-check.txt" | tee -a "$OUT/gpu-check.txt"
  fi
  echo "=== summary (rc $rc, $((SECONDS - started)) s in all)"
  grep -E '^(FAIL|gpu-check)' "$OUT/gpu-check.txt" 2>/dev/null || echo "gpu-check: FAIL no report was written"
  [ "${KIT_KEEP:-}" = 1 ] && echo "kept $W" || rm -rf "$W"
  return $rc
}

main "$@" 2>&1 | tee "$OUT/gpu-run.log"
exit "${PIPESTATUS[0]}"
