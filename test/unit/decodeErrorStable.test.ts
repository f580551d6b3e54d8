/**
 * A broken file gets the same error code and message however many other files are decoded beside
 * it. libvips has one error buffer per process, so a decode failing while others run in parallel
 * could read "Unknown error" (code `corrupt`) instead of its own "premature end of JPEG image"
 * (code `truncated`): a sharded labeling run then disagreed with a single-machine run on the
 * same file (seen in test/slurm/slurm-array.sh).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeInto } from '../../src/core/batch/decode';

const DEMO = path.resolve(__dirname, '../../samples/demo-images');
const spec = {
  input: { channels: 3, height: 32, width: 32, color: 'rgb' as const },
  preprocess: { resize: 'center_crop' as const, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
};
const PLANE = 3 * 32 * 32;

describe('decode errors under concurrency', () => {
  it('a truncated JPEG decoded among photos always gets its own error', async () => {
    const broken = path.join(DEMO, 'corrupt.jpg');
    const photos = ['photo-ladybird.jpg', 'photo-hubble-deep-field.jpg', 'photo-rocket.jpg', 'photo-chelsea-the-cat.jpg'].map((f) => path.join(DEMO, f));
    const alone = await decodeInto(broken, spec as never, 1e8, new Float32Array(PLANE), 0).then(() => 'decoded', (e: { code: string; message: string }) => `${e.code}: ${e.message}`);
    const seen = new Set<string>();
    for (let round = 0; round < 12; round++) {
      const target = new Float32Array(5 * PLANE);
      const files = [...photos, broken];
      const results = await Promise.all(
        files.map((f, i) => decodeInto(f, spec as never, 1e8, target, i * PLANE, readFileSync(f)).then(() => 'decoded', (e: { code: string; message: string }) => `${e.code}: ${e.message}`)),
      );
      expect(results.slice(0, 4)).toEqual(['decoded', 'decoded', 'decoded', 'decoded']);
      seen.add(results[4]);
    }
    expect([...seen]).toEqual([alone]);
  });
});
