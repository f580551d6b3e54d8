/**
 * rcnnLens.label.precision / --precision: which variant labels a folder, what the records say,
 * and that a rerun with another precision relabels instead of mixing variants.
 */
import { copyFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashModelFile } from '../../src/core/labeling/model';
import { runLabelJob } from '../../src/core/labeling/run';
import { readPrecision } from '../../src/core/model/quantization';
import { PrecisionError, chooseLabelModel, int8VariantPath } from '../../src/core/model/variants';
import { TINY_MODEL, buildBundles, labelJobOptions, readLabelRecords, solidImage, tmpDir } from '../fixtures/hostile/helpers';

const TINY_INT8 = path.join(__dirname, '..', 'fixtures', 'models', 'tiny-model-int8.onnx');

let workerScript = '';
beforeAll(() => {
  workerScript = path.join(buildBundles(), 'labelWorker.js');
});

/** A model folder with `m.onnx` and, when asked, its variant `m.int8.onnx`. */
function modelDir(withVariant: boolean): string {
  const dir = tmpDir('rl-prec-model-');
  copyFileSync(TINY_MODEL, path.join(dir, 'm.onnx'));
  if (withVariant) copyFileSync(TINY_INT8, path.join(dir, 'm.int8.onnx'));
  return path.join(dir, 'm.onnx');
}

describe('choosing the variant', () => {
  it('names the variant beside the model', () => {
    expect(int8VariantPath(path.join('a', 'b', 'rcnn-cifar10.onnx'))).toBe(path.join('a', 'b', 'rcnn-cifar10.int8.onnx'));
    expect(int8VariantPath(path.join('a', 'M.ONNX'))).toBe(path.join('a', 'M.int8.onnx'));
  });

  it('auto: int8 on the CPU provider, the worker decides for a provider that may be a GPU, fp32 without a variant', async () => {
    const m = modelDir(true);
    const v = int8VariantPath(m);
    expect(await chooseLabelModel(m, 'auto', 'cpu')).toEqual({ modelPath: v });
    expect(await chooseLabelModel(m, 'auto', 'auto')).toEqual({ modelPath: m, cpuVariantPath: v });
    expect(await chooseLabelModel(m, 'auto', 'webgpu')).toEqual({ modelPath: m, cpuVariantPath: v });
    expect(await chooseLabelModel(m, 'fp32', 'cpu')).toEqual({ modelPath: m });
    expect(await chooseLabelModel(m, 'int8', 'webgpu')).toEqual({ modelPath: v });
    const plain = modelDir(false);
    expect(await chooseLabelModel(plain, 'auto', 'cpu')).toEqual({ modelPath: plain });
    await expect(chooseLabelModel(plain, 'int8', 'cpu')).rejects.toBeInstanceOf(PrecisionError);
  });

  it('reads the precision from rcnn_lens.quantization and rejects a malformed one', () => {
    expect(readPrecision(undefined)).toEqual({ precision: 'fp32' });
    expect(readPrecision('{"precision":"int8","scheme":"x"}')).toEqual({ precision: 'int8' });
    expect(readPrecision('{"precision":"int4"}').problem).toMatch(/precision/);
    expect(readPrecision('[1]').problem).toMatch(/JSON object/);
    expect(readPrecision('{').problem).toMatch(/not valid JSON/);
  });
});

describe('labeling with a precision', () => {
  async function folder(): Promise<string> {
    const dir = tmpDir('rl-prec-');
    for (let i = 0; i < 3; i++) await solidImage(path.join(dir, `img${i}.jpg`), { r: 40 + i * 60, g: 90, b: 200 - i * 50 });
    return dir;
  }
  const run = (dir: string, choice: { modelPath: string; cpuVariantPath?: string }) =>
    runLabelJob({ ...labelJobOptions(dir, workerScript), ...choice, provider: 'cpu' });

  it("records the variant that answered, and a rerun with another precision relabels every file", async () => {
    const m = modelDir(true);
    const [fp32Hash, int8Hash] = [await hashModelFile(m), await hashModelFile(int8VariantPath(m))];
    expect(fp32Hash).not.toBe(int8Hash);
    const dir = await folder();
    const out = path.join(dir, 'labels.jsonl');

    const first = await run(dir, await chooseLabelModel(m, 'auto', 'cpu'));
    expect(first.labeled).toBe(3);
    expect(first.model.precision).toBe('int8');
    expect(readLabelRecords(out).map((r) => r.model.hash)).toEqual([int8Hash, int8Hash, int8Hash]);

    const fp32 = await run(dir, await chooseLabelModel(m, 'fp32', 'cpu'));
    expect([fp32.labeled, fp32.reused]).toEqual([3, 0]);
    expect(fp32.model.precision).toBe('fp32');
    expect(readLabelRecords(out).map((r) => r.model.hash)).toEqual([fp32Hash, fp32Hash, fp32Hash]);

    const again = await run(dir, await chooseLabelModel(m, 'fp32', 'cpu'));
    expect([again.labeled, again.reused]).toEqual([0, 3]);
  });

  it('when the worker chooses (no GPU here: the CPU variant), the records and the rerun check use its choice', async () => {
    const m = modelDir(true);
    const int8Hash = await hashModelFile(int8VariantPath(m));
    const dir = await folder();
    const out = path.join(dir, 'labels.jsonl');
    const choice = { modelPath: m, cpuVariantPath: int8VariantPath(m) };
    expect((await run(dir, choice)).labeled).toBe(3);
    expect(new Set(readLabelRecords(out).map((r) => r.model.hash))).toEqual(new Set([int8Hash]));
    const again = await run(dir, choice);
    expect([again.labeled, again.reused]).toEqual([0, 3]);
    // and the fp32 model relabels them
    expect((await run(dir, { modelPath: m })).labeled).toBe(3);
  });
});
