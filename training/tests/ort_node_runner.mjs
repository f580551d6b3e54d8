// Run an ONNX model with onnxruntime-node (the runtime the extension uses).
//
//   node training/tests/ort_node_runner.mjs MODEL.onnx INPUT.f32 B,C,H,W OUT_DIR [MASK.f32 B,L]
//
// INPUT.f32 is raw little-endian float32 data; MASK.f32 (same format) feeds the `step_mask` input of a
// contract v2 model. For every output the runner writes
// OUT_DIR/<name>.f32 (raw float32) and OUT_DIR/outputs.json ({name: {dims, type}} plus metadata).
// onnxruntime-node is resolved from the repository root's node_modules (or RCNN_LENS_ORT_NODE).
// Exit code 3 with "ORT_NODE_MISSING" on stderr when onnxruntime-node cannot be loaded.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const require = createRequire(join(repoRoot, 'package.json'));

let ort;
try {
  ort = require(process.env.RCNN_LENS_ORT_NODE || 'onnxruntime-node');
} catch (e) {
  process.stderr.write(`ORT_NODE_MISSING: cannot load onnxruntime-node from ${repoRoot}/node_modules: ${e.message}\n`);
  process.exit(3);
}

const [modelPath, inputPath, dimsArg, outDir, maskPath, maskDimsArg] = process.argv.slice(2);
if (!modelPath || !inputPath || !dimsArg || !outDir) {
  process.stderr.write('usage: ort_node_runner.mjs MODEL.onnx INPUT.f32 B,C,H,W OUT_DIR\n');
  process.exit(2);
}
function readTensor(path, dimsText) {
  const dims = dimsText.split(',').map(Number);
  const buf = readFileSync(path);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    process.stderr.write(`${path} has ${data.length} floats, dims ${dims} need ${expected}\n`);
    process.exit(2);
  }
  return new ort.Tensor('float32', data, dims);
}

const session = await ort.InferenceSession.create(modelPath, {
  executionProviders: ['cpu'],
  intraOpNumThreads: 2,
  interOpNumThreads: 1,
});
const imageName = session.inputNames.find((n) => n !== 'step_mask');
const feeds = { [imageName]: readTensor(inputPath, dimsArg) };
if (maskPath) feeds.step_mask = readTensor(maskPath, maskDimsArg);
const results = await session.run(feeds);
mkdirSync(outDir, { recursive: true });
const summary = { inputNames: session.inputNames, outputNames: session.outputNames, outputs: {} };
for (const name of session.outputNames) {
  const t = results[name];
  const arr = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
  writeFileSync(join(outDir, `${name}.f32`), Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
  summary.outputs[name] = { dims: Array.from(t.dims), type: t.type };
}
writeFileSync(join(outDir, 'outputs.json'), JSON.stringify(summary, null, 1));
process.stdout.write(JSON.stringify({ ok: true, outputs: Object.keys(summary.outputs) }) + '\n');
