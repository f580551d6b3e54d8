// Test images, made at test time (no dataset image is ever committed), and the
// bundled model's own answers for them from an independent CLI run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

// Extract train/<class>/000[0-N].jpg for every class from the CIFAR-10 JPEG archive.
// Returns [{ file, truth }] or null when the archive is not there.
export function extractCifar(archive, dest, perClass = 6) {
  if (!fs.existsSync(archive)) return null;
  fs.mkdirSync(dest, { recursive: true });
  const pattern = `train/*/000[0-${perClass - 1}].jpg`;
  const r = spawnSync('tar', ['-xzf', archive, '-C', dest, '--wildcards', pattern], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar -xzf ${archive} ${pattern} failed: ${r.stderr}`);
  const out = [];
  for (const cls of CLASSES) {
    const dir = path.join(dest, 'train', cls);
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).sort()) out.push({ file: path.join(dir, f), truth: cls, name: `${cls}_${f}` });
  }
  if (!out.length) throw new Error(`${archive} holds no ${pattern}`);
  return out;
}

// Without the dataset: synthetic 32x32 pictures made with sharp (no ground truth).
export async function syntheticImages(root, dest, count = 20) {
  const require = createRequire(path.join(root, 'package.json'));
  const sharp = require('sharp');
  fs.mkdirSync(dest, { recursive: true });
  const out = [];
  for (let i = 0; i < count; i++) {
    const px = Buffer.alloc(32 * 32 * 3);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const o = (y * 32 + x) * 3;
        px[o] = (x * 8 + i * 37) & 255;
        px[o + 1] = (y * 8 + i * 91) & 255;
        px[o + 2] = ((x ^ y) * 8 + i * 53) & 255;
      }
    }
    const file = path.join(dest, `synthetic_${String(i).padStart(2, '0')}.jpg`);
    await sharp(px, { raw: { width: 32, height: 32, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
    out.push({ file, truth: null, name: path.basename(file) });
  }
  return out;
}

// Bad files: a truncated JPEG (header intact, scan cut), a 0-byte PNG and a text
// file with an image extension.
export function writeBadFiles(dir, goodJpeg) {
  const bytes = fs.readFileSync(goodJpeg);
  const files = {
    truncated: path.join(dir, 'corrupt.jpg'),
    empty: path.join(dir, 'empty.png'),
    notImage: path.join(dir, 'notes.jpg'),
  };
  fs.writeFileSync(files.truncated, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
  fs.writeFileSync(files.empty, Buffer.alloc(0));
  fs.writeFileSync(files.notImage, 'this is a text file, not a JPEG\n');
  return files;
}

// What `rcnn-lens classify --json` prints for `files` (extra environment in `env`).
export function cliClassifyJson(root, files, extraArgs = [], env = {}) {
  const cli = path.join(root, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} missing: run \`npm run build\` first`);
  const r = spawnSync(process.execPath, [cli, 'classify', ...files, '--json', ...extraArgs], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 180_000,
    env: { ...process.env, ...env },
  });
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`node dist/cli.js classify --json printed no JSON (exit ${r.status}):\n${r.stdout.slice(0, 1000)}\n${r.stderr.slice(-2000)}`);
  }
}

// The bundled model's predictions from the command-line tool (same model, run
// outside VS Code): { [absPath]: { top: [{label, score}], error } }.
export function cliPredictions(root, files, extraArgs = []) {
  const parsed = cliClassifyJson(root, files, extraArgs);
  const results = Array.isArray(parsed) ? parsed : parsed.results;
  if (!Array.isArray(results)) throw new Error(`CLI JSON has no results array: ${r.stdout.slice(0, 500)}`);
  const byPath = {};
  for (const rec of results) {
    const p = path.resolve(root, rec.path);
    byPath[p] = rec;
  }
  const missing = files.filter((f) => !byPath[path.resolve(f)]);
  if (missing.length) throw new Error(`CLI gave no result for ${missing.length} file(s), e.g. ${missing[0]}`);
  return byPath;
}

export const margin = (rec) => (rec?.top?.length >= 2 ? rec.top[0].score - rec.top[1].score : rec?.top?.[0]?.score ?? 0);
