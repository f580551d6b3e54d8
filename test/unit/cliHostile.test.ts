/**
 * The CLI against hostile models and files (issue 15, defects 3, 4, 6, 7, 8, 9), on the
 * bundle built from the current sources.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/core/folder/lock';
import { BUNDLE_ENV, buildBundles, solidImage, tmpDir } from '../fixtures/hostile/helpers';

const HOSTILE = path.join(__dirname, '../fixtures/hostile');
let cli = '';
beforeAll(() => {
  cli = path.join(buildBundles(), 'cli.js');
});

function run(args: string[], extra: { uid?: number; gid?: number } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...BUNDLE_ENV }, timeout: 60_000, ...extra });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function images(n: number): Promise<string> {
  const dir = tmpDir('rl-clih-');
  for (let i = 0; i < n; i++) await solidImage(path.join(dir, `${String(i).padStart(2, '0')}.jpg`), { r: i * 12, g: 100, b: 200 - i * 8 });
  return dir;
}

describe('hostile models', () => {
  it('a model whose logits ignore the batch stops the run before anything is written (defect 4)', async () => {
    const dir = await images(20);
    const r = run(['label', dir, '--model', path.join(HOSTILE, 'logits-batch1.onnx'), '--provider', 'cpu', '--workers', '1', '--batch', '16']);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/output "logits": has 3 values for a batch of 16, expected 16 × K \(3\) = 48/);
    expect(existsSync(path.join(dir, 'labels.jsonl'))).toBe(false);
  });

  it('class names ".rcnn-lens" and ".git": the sort is refused, nothing moves, the labels stay (defect 3)', async () => {
    const dir = await images(3);
    const r = run(['label', dir, '--model', path.join(HOSTILE, 'labels-dotdirs.onnx'), '--provider', 'cpu', '--workers', '1', '--sort', 'move']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/class name "\.(rcnn-lens|git)" cannot be a folder name/);
    expect(existsSync(path.join(dir, '.git'))).toBe(false);
    expect(existsSync(path.join(dir, '00.jpg'))).toBe(true);
    // A rerun still finds every file and keeps every label.
    const again = run(['label', dir, '--model', path.join(HOSTILE, 'labels-dotdirs.onnx'), '--provider', 'cpu', '--workers', '1']);
    expect(JSON.parse(again.out).files).toBe(3);
    expect(readFileSync(path.join(dir, 'labels.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('classify prints labels and file names without terminal escapes; --json keeps the true text (defect 6)', async () => {
    const dir = tmpDir('rl-esc-');
    const img = path.join(dir, 'a\u001b[31mred.jpg');
    await solidImage(img, { r: 1, g: 2, b: 3 });
    const r = run(['classify', img, '--model', path.join(HOSTILE, 'labels-escapes.onnx'), '--provider', 'cpu']);
    expect(r.code, r.err).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(r.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(r.out).toContain('\\x1b[2Jcleared');
    expect(r.out).toContain('\\x1b]0;pwned\\x07title');
    const j = run(['classify', img, '--json', '--model', path.join(HOSTILE, 'labels-escapes.onnx'), '--provider', 'cpu']);
    expect(JSON.parse(j.out).results[0].top.map((t: { label: string }) => t.label)).toContain('\u001b[2Jcleared');
  });

  it('a declared 20000×20000 input is refused at load, quickly, exit 2 (defect 8)', async () => {
    const dir = await images(1);
    const started = Date.now();
    const r = run(['classify', path.join(dir, '00.jpg'), '--model', path.join(HOSTILE, 'input-huge.onnx'), '--provider', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/more than the contract allows/);
    expect(Date.now() - started).toBeLessThan(20_000);
    const std = run(['classify', path.join(dir, '00.jpg'), '--model', path.join(HOSTILE, 'std-tiny.onnx'), '--provider', 'cpu']);
    expect(std.code).toBe(2);
    expect(std.err).toMatch(/std: values must be at least 1e-6/);
  });
});

describe('hostile files for classify (defect 7)', () => {
  it('a FIFO, /dev/zero and a huge sparse file are refused without reading them', async () => {
    const dir = tmpDir('rl-gate-');
    const fifo = path.join(dir, 'x.jpg');
    spawnSync('mkfifo', [fifo]);
    const sparse = path.join(dir, 'sparse.jpg');
    spawnSync('truncate', ['-s', '1900M', sparse]);
    const r = run(['classify', fifo, '/dev/zero', sparse, '--model', path.join(HOSTILE, 'tiny-model.onnx'), '--provider', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/x\.jpg: error: .*not a regular file/);
    expect(r.out).toMatch(/\/dev\/zero: error: .*not a regular file/);
    expect(r.out).toMatch(/sparse\.jpg: error: .*too large/);
  });
});

describe('exit codes as documented (defect 9)', () => {
  it('classify with a model whose external data is missing: exit 2', async () => {
    const dir = await images(1);
    const r = run(['classify', path.join(dir, '00.jpg'), '--model', path.join(HOSTILE, 'external-missing.onnx'), '--provider', 'cpu']);
    expect(r.code, r.err).toBe(2);
  });

  it('label --undo-sort while a run holds the lock: exit 2', async () => {
    const dir = await images(1);
    const lock = await acquireLock(dir, 'labeling');
    try {
      const r = run(['label', '--undo-sort', dir]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/already working on/);
    } finally {
      await lock.release();
    }
  });

  it('label on a read-only folder: exit 2, "cannot write in <folder>: read-only"', async () => {
    const dir = await images(2);
    chmodSync(dir, 0o555);
    // root writes anywhere: run the CLI as nobody then (the bundle and model must be readable by it).
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    if (asNobody.uid) chmodSync(path.dirname(cli), 0o755);
    const model = path.join(tmpDir('rl-ro-model-'), 'tiny.onnx');
    writeFileSync(model, readFileSync(path.join(HOSTILE, 'tiny-model.onnx')));
    chmodSync(path.dirname(model), 0o755);
    const r = run(['label', dir, '--model', model, '--provider', 'cpu', '--workers', '1'], asNobody);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(`cannot write in ${dir}: read-only`);
    chmodSync(dir, 0o755);
  });
});

describe('overlapping runs and stale outputs', () => {
  it('a label run on a subfolder is refused while the parent folder is being labeled, and the other way round', async () => {
    const dir = await images(1);
    const sub = path.join(dir, 'sub');
    mkdirSync(sub);
    await solidImage(path.join(sub, 'a.jpg'), { r: 1, g: 1, b: 1 });
    const tiny = path.join(HOSTILE, 'tiny-model.onnx');
    const lock = await acquireLock(dir, 'labeling');
    try {
      const r = run(['label', sub, '--model', tiny, '--provider', 'cpu', '--workers', '1']);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/already working on/);
    } finally {
      await lock.release();
    }
    const subLock = await acquireLock(sub, 'labeling');
    try {
      const r = run(['label', dir, '--model', tiny, '--provider', 'cpu', '--workers', '1']);
      expect(r.code, r.err).toBe(2);
    } finally {
      await subLock.release();
    }
  });

  it('a --format jsonl rerun says that the earlier labels.csv is now out of date', async () => {
    const dir = await images(2);
    const tiny = path.join(HOSTILE, 'tiny-model.onnx');
    expect(run(['label', dir, '--format', 'both', '--model', tiny, '--provider', 'cpu', '--workers', '1']).code).toBe(0);
    const r = run(['label', dir, '--format', 'jsonl', '--model', tiny, '--provider', 'cpu', '--workers', '1', '--full']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).warnings.join('\n')).toMatch(/labels\.csv .*out of date/);
  });
});
