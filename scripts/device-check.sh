#!/usr/bin/env bash
# The GPU device check, ready for a Linux machine with an NVIDIA GPU and a Vulkan driver.
# Run from a built checkout (npm ci && npm run build):
#
#   bash scripts/device-check.sh [--images 2000] [--batches 1,64,256] [--runs 5] [--label-batch 256]
#
# 1. parity and placement of the bundled models on the real WebGPU adapter (scripts/webgpu-check.mjs)
# 2. model-only speed, webgpu against cpu (all cores), at each batch (scripts/bench-providers.mjs)
# 3. end-to-end labeling of N photo-sized (1024x768) JPEGs with each provider (dist/cli.js label;
#    a GPU provider labels on the GPU path: one session fed by decode workers, docs/gpu-labeling.md)
# 4. the GPU path's bounds on the same files (scripts/bench-gpu-label.mjs): decode bound on all
#    cores, model bound of the one session, end to end, its share of min(decode, model), overlap
# and prints one markdown table of each. On a machine without a GPU, VK_ICD_FILENAMES pointing at
# SwiftShader (Debian's chromium) runs the same script, correct but slow: use small numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGES=2000 BATCHES=1,64,256 RUNS=5 LABEL_BATCH=256
while [[ $# -gt 0 ]]; do
  case "$1" in
    --images) IMAGES="$2"; shift 2 ;;
    --batches) BATCHES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --label-batch) LABEL_BATCH="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
[[ -f dist/cli.js ]] || { echo "build first: npm ci && npm run build" >&2; exit 2; }

echo "## Device"
echo
echo "- $(uname -srm), $(nproc) cores, node $(node --version)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/- GPU: /'
echo "- Vulkan ICD: ${VK_ICD_FILENAMES:-system default}"
echo

echo "## 1. WebGPU parity and placement (max |Δ| vs cpu, tolerance 1e-4)"
echo
node scripts/webgpu-check.mjs media/models/*.onnx || echo "(webgpu-check exit $?)"
echo

echo "## 2. Model only, warm, median of $RUNS runs"
echo
node scripts/bench-providers.mjs --providers cpu,webgpu --batches "$BATCHES" --runs "$RUNS"
echo

echo "## 3. Labeling $IMAGES photo-sized JPEGs end to end"
echo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node -e '
  const sharp = require("sharp"); const n = Number(process.argv[1]); const dir = process.argv[2];
  (async () => { for (let i = 0; i < n; i++) {
    const raw = Buffer.alloc(64 * 48 * 3); for (let k = 0; k < raw.length; k++) raw[k] = (k * 31 + i * 97) & 255;
    await sharp(raw, { raw: { width: 64, height: 48, channels: 3 } }).resize(1024, 768).jpeg({ quality: 85 }).toFile(`${dir}/img${i}.jpg`);
  } })();' "$IMAGES" "$work"
echo "| provider | img/s | seconds | provider used | files | errors | sessions | decode workers (GPU path) | overlap |"
echo "|---|---|---|---|---|---|---|---|---|"
for p in cpu webgpu auto; do
  out=$(node dist/cli.js label "$work" --provider "$p" --batch "$LABEL_BATCH" --full --json --out "$work/labels-$p.jsonl" 2>"$work/err-$p.txt" || true)
  node -e '
    const p = process.argv[1]; let s; try { s = JSON.parse(process.argv[2]); } catch { console.log(`| ${p} | failed: see stderr | | | | | | | |`); process.exit(0); }
    const g = s.gpuPath;
    console.log(`| ${p} | ${s.imagesPerSecond.toFixed(0)} | ${s.seconds.toFixed(1)} | ${s.model.provider} | ${s.files} | ${s.errors} | ${s.sessions} | ${g ? g.decoders : "-"} | ${g ? g.overlap.ratio.toFixed(2) : "-"} |`);' "$p" "$out"
done
echo

echo "## 4. GPU labeling path: decode bound, model bound, end to end (batch $LABEL_BATCH)"
echo
node scripts/bench-gpu-label.mjs --folder "$work" --providers cpu,webgpu --batch "$LABEL_BATCH" || echo "(bench-gpu-label exit $?)"
