import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_ENV, TINY_MODEL, buildBundles, solidImage, tmpDir } from '../fixtures/hostile/helpers';

const BUNDLED = path.join(__dirname, '..', '..', 'media', 'models', 'rcnn-cifar10.onnx');
const SAMPLE = path.join(__dirname, '..', '..', 'samples', 'demo-images', 'airplane_0000.jpg');
let cli = '';
beforeAll(() => {
  cli = path.join(buildBundles(), 'cli.js');
});

function run(args: string[], model = TINY_MODEL) {
  const r = spawnSync(process.execPath, [cli, 'explain', ...args, '--model', model, '--provider', 'cpu'], {
    encoding: 'utf8',
    env: { ...process.env, ...BUNDLE_ENV },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('rcnn-lens explain', () => {
  it('prints the documented JSON shape for the bundled model', () => {
    const r = run([SAMPLE, '--method', 'occlusion', '--json'], BUNDLED);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(Object.keys(out.model)).toEqual(expect.arrayContaining(['name', 'hash', 'provider']));
    const [res] = out.results;
    expect(res.path).toBe(SAMPLE);
    expect(typeof res.class).toBe('string');
    expect(res.probability).toBeGreaterThan(0);
    expect(res.grid).toEqual([8, 8]);
    const occ = res.methods.occlusion;
    expect(occ.scores).toHaveLength(64);
    expect(occ.cells).toHaveLength(64);
    expect(occ.cells[9]).toEqual([1, 1]);
    expect(occ.deletion_auc).toBeGreaterThan(0);
    expect(occ.deletion_auc).toBeLessThan(1);
    expect(res.methods.random.deletion_auc).toBeGreaterThan(0);
    expect(res.methods.attention).toBeUndefined();
  });

  it('timestep ablation on the bundled (contract v2) model: one drop per step, its own curve area', () => {
    const r = run([SAMPLE, '--method', 'ablation', '--json'], BUNDLED);
    expect(r.code, r.err).toBe(0);
    const [res] = JSON.parse(r.out).results;
    const abl = res.methods.ablation;
    expect(abl.scores).toHaveLength(64);
    expect(abl.runs).toBe(65);
    expect(abl.scores.some((s: number) => s !== 0)).toBe(true);
    expect(abl.deletion_auc).toBeGreaterThan(0);
    expect(res.missing).toBeUndefined();
  });

  it('all views of a v1 model: ablation is reported missing, the others are there', () => {
    const img = path.join(tmpDir('rl-explain-'), 'a.png');
    return solidImage(img, { r: 200, g: 40, b: 10 }).then(() => {
      const r = run([img, '--json']);
      expect(r.code, r.err).toBe(0);
      const [res] = JSON.parse(r.out).results;
      expect(Object.keys(res.methods).sort()).toEqual(['deep', 'occlusion', 'random']);
      expect(res.missing.ablation).toMatch(/step_mask/);
      expect(res.missing.attention).toMatch(/attention/);
    });
  });

  it('exit codes as classify: 1 when an image fails, 2 for usage and model problems', async () => {
    const dir = tmpDir('rl-explain-');
    const bad = path.join(dir, 'bad.jpg');
    writeFileSync(bad, 'not an image');
    const good = path.join(dir, 'good.png');
    await solidImage(good, { r: 10, g: 200, b: 10 });
    const mixed = run([good, bad, '--method', 'occlusion', '--json']);
    expect(mixed.code).toBe(1);
    const results = JSON.parse(mixed.out).results;
    expect(results[1].error.code).toBeTruthy();
    expect(run([good, '--class', 'unicorn']).code).toBe(2);
    expect(run([good, '--class', 'unicorn']).err).toMatch(/no class named "unicorn"/);
    expect(run([good, '--method', 'ablation']).err).toMatch(/step_mask/);
    expect(run([good, '--method', 'ablation']).code).toBe(2);
    expect(run([good, '--window', '3']).code).toBe(2);
    expect(run([good, '--method', 'gradcam']).code).toBe(2);
    expect(run([]).code).toBe(2);
  });

  it('--class explains the named class; text output names each view and the random baseline', async () => {
    const img = path.join(tmpDir('rl-explain-'), 'c.png');
    await solidImage(img, { r: 30, g: 30, b: 220 });
    const r = run([img, '--class', 'ship', '--method', 'occlusion']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/: ship \d+\.\d%/);
    expect(r.out).toMatch(/occlusion +deletion AUC/);
    expect(r.out).toMatch(/random +deletion AUC/);
  });
});
