import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_ENV, buildBundles, tmpDir } from '../fixtures/hostile/helpers';

const FAKE_ROOT = path.join(__dirname, '../fixtures/training/fake');
const REAL_ROOT = path.join(__dirname, '../../training');
const GOOD_MODEL = path.join(__dirname, '../fixtures/models/tiny-grey-lstm-snake-final.onnx');
const BAD_MODEL = path.join(__dirname, '../fixtures/models/bad-no-metadata.onnx');

let cli = '';
beforeAll(() => {
  cli = path.join(buildBundles(), 'cli.js');
});

/** A fake training package beside the real env check: the fake trainer plus env_check.py. */
function trainingRoot(): string {
  const root = tmpDir('rl-troot-');
  mkdirSync(path.join(root, 'rcnn_lens_train'));
  for (const f of ['__init__.py', 'folder_train.py']) writeFileSync(path.join(root, 'rcnn_lens_train', f), readFileSync(path.join(FAKE_ROOT, 'rcnn_lens_train', f)));
  writeFileSync(path.join(root, 'rcnn_lens_train', 'env_check.py'), readFileSync(path.join(REAL_ROOT, 'rcnn_lens_train', 'env_check.py')));
  return root;
}

function classFolder(perClass = 5, classes = ['cat', 'dog']): string {
  const dir = tmpDir('rl-tcli-');
  for (const c of classes) {
    mkdirSync(path.join(dir, c));
    for (let i = 0; i < perClass; i++) writeFileSync(path.join(dir, c, `${i}.jpg`), 'x');
  }
  return dir;
}

function train(args: string[], env: Record<string, string> = {}) {
  const cache = env.RCNN_LENS_CACHE ?? tmpDir('rl-tcache-');
  const r = spawnSync(process.execPath, [cli, 'train', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...BUNDLE_ENV, RCNN_LENS_TRAINING_DIR: trainingRoot(), RCNN_LENS_CACHE: cache, FAKE_TRAIN_MODEL: GOOD_MODEL, ...env },
    timeout: 60_000,
  });
  const lines = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { ...r, lines };
}

describe('rcnn-lens train', () => {
  it('trains, validates the model against the contract and prints JSON lines (exit 0)', () => {
    const dir = classFolder();
    const out = path.join(tmpDir('rl-tout-'), 'm.onnx');
    const r = train([dir, '--out', out, '--from', 'none', '--epochs', '2', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines.map((l) => l.event)).toEqual(['start', 'epoch', 'epoch', 'done', 'result']);
    const result = r.lines.at(-1);
    expect(result.model.path).toBe(out);
    expect(result.model.labels).toHaveLength(10); // the fixture model's labels
    expect(result.counts).toEqual({ cat: 5, dog: 5 });
    expect(existsSync(out)).toBe(true);
    // Manifest and checkpoints live in the cache, never in the user's folder.
    expect(readdirSync(dir).sort()).toEqual(['cat', 'dog']);
  });

  it('passes the options through to the trainer', () => {
    const dir = classFolder();
    const argsFile = path.join(tmpDir('rl-targs-'), 'args.json');
    const r = train([dir, '--out', path.join(dir, 'm.onnx'), '--from', GOOD_MODEL, '--epochs', '3', '--minutes', '2', '--no-freeze-cnn', '--threads', '1', '--json'], { FAKE_TRAIN_ARGS: argsFile });
    expect(r.status, r.stderr).toBe(0);
    const args = JSON.parse(readFileSync(argsFile, 'utf8'));
    expect(args).toEqual(expect.arrayContaining(['--from', GOOD_MODEL, '--epochs', '3', '--minutes', '2', '--no-freeze-cnn', '--threads', '1', '--checkpoint-dir']));
    expect(args).not.toContain('--resume');
  });

  it('refuses a model that fails the contract check (exit 2)', () => {
    const dir = classFolder();
    const r = train([dir, '--out', path.join(dir, 'm.onnx'), '--from', 'none', '--json'], { FAKE_TRAIN_MODEL: BAD_MODEL });
    expect(r.status).toBe(2);
    expect(r.lines.at(-1)).toMatchObject({ event: 'error', code: 'invalid_model' });
  });

  it('names the classes with too few images, and a folder with one class (exit 2)', () => {
    const thin = classFolder(2);
    const r = train([thin, '--out', path.join(thin, 'm.onnx'), '--from', 'none']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('"cat" (2), "dog" (2)');
    const one = classFolder(5, ['cat']);
    expect(train([one, '--out', path.join(one, 'm.onnx'), '--from', 'none']).stderr).toContain('only one class ("cat")');
  });

  it('a missing Python or missing packages is a clear error (exit 2)', () => {
    const dir = classFolder();
    const r = train([dir, '--out', path.join(dir, 'm.onnx'), '--from', 'none', '--python', '/no/such/python']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--python /no/such/python cannot be used');
    const fake = path.join(tmpDir('rl-tpy-'), 'python');
    writeFileSync(fake, `#!/bin/sh\necho '{"python":"/x/py","version":"3.11.0","python_ok":true,"packages":{"torch":null,"onnx":"1","onnxruntime":null},"missing":["torch","onnxruntime"]}'\n`);
    chmodSync(fake, 0o755);
    const m = train([dir, '--out', path.join(dir, 'm.onnx'), '--from', 'none', '--python', fake, '--json']);
    expect(m.status).toBe(2);
    expect(m.lines.at(-1)).toMatchObject({ event: 'error', code: 'python_packages_missing', details: { missing: ['torch', 'onnxruntime'] } });
    expect(m.stderr).toContain('lacks torch, onnxruntime');
  });

  it('a trainer error is reported with its code (exit 3 for a failure of the trainer)', () => {
    const dir = classFolder();
    const r = train([dir, '--out', path.join(dir, 'm.onnx'), '--from', 'none', '--json'], { FAKE_TRAIN_MODE: 'error' });
    expect(r.status).toBe(3);
    expect(r.lines.at(-1)).toMatchObject({ event: 'error', code: 'bad_image', details: { path: 'cat/1.jpg' } });
  });

  it('usage errors: no --out, bad numbers, both freeze flags, --min-score without --labels, --from not a model', () => {
    const dir = classFolder();
    const bad = [
      [dir],
      [dir, '--out', 'm.onnx', '--epochs', '0'],
      [dir, '--out', 'm.onnx', '--min-score', '2', '--labels', 'l.jsonl'],
      [dir, '--out', 'm.onnx', '--min-score', '0.5'],
      [dir, '--out', 'm.onnx', '--freeze-cnn', '--no-freeze-cnn'],
      [dir, '--out', 'm.onnx', '--from', 'model.pt'],
      [dir, '--out', 'm.onnx', '--from', '/no/such.onnx'],
      [dir, '--out', 'm.onnx', '--minutes', ''],
    ];
    for (const args of bad) expect(train(args).status, args.join(' ')).toBe(2);
  });

  it('--resume with nothing to resume says so (exit 2)', () => {
    const dir = classFolder();
    const r = train([dir, '--resume']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no cancelled training');
  });

  it('Ctrl-C keeps a checkpoint (exit 1) and --resume continues it with the saved settings', async () => {
    const dir = classFolder();
    const cache = tmpDir('rl-tcache-');
    const root = trainingRoot();
    const out = path.join(tmpDir('rl-tout-'), 'm.onnx');
    const env = { ...process.env, ...BUNDLE_ENV, RCNN_LENS_TRAINING_DIR: root, RCNN_LENS_CACHE: cache, FAKE_TRAIN_MODEL: GOOD_MODEL };
    const child = spawn(process.execPath, [cli, 'train', dir, '--out', out, '--from', 'none', '--epochs', '4', '--json'], { env: { ...env, FAKE_TRAIN_MODE: 'slow' } });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    while (!stdout.includes('"epoch"')) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(1);
    expect(stdout).toContain('"event":"cancelled"');
    const argsFile = path.join(tmpDir('rl-targs-'), 'args.json');
    const r = train([dir, '--resume', '--json'], { RCNN_LENS_CACHE: cache, FAKE_TRAIN_ARGS: argsFile });
    expect(r.status, r.stderr).toBe(0);
    const args: string[] = JSON.parse(readFileSync(argsFile, 'utf8'));
    expect(args).toContain('--resume');
    expect(args[args.indexOf('--out') + 1]).toBe(out);
    expect(args[args.indexOf('--epochs') + 1]).toBe('4');
    expect(r.lines.at(-1)).toMatchObject({ event: 'result', resumed: true });
    // Done: nothing is left to resume.
    expect(train([dir, '--resume'], { RCNN_LENS_CACHE: cache }).status).toBe(2);
  });
});
