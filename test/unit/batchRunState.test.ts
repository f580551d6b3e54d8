import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLabelJob } from '../../src/core/labeling/run';
import { parseLabelsText } from '../../src/core/labelsFile/records';
import { labelsFilesWith, lastRunOutputs } from '../../src/core/folder/runState';
import { sortIntoClassFolders, undoLastSort } from '../../src/core/batch/sort';
import { BUNDLE_ENV, TINY_MODEL, buildBundles, solidImage, tmpDir } from '../fixtures/hostile/helpers';

let workerScript = '';
beforeAll(() => {
  workerScript = path.join(buildBundles(), 'labelWorker.js');
});

const paths = (f: string) => parseLabelsText(readFileSync(f, 'utf8'), f.endsWith('.csv') ? 'csv' : 'jsonl').map((r) => r.path).sort();

describe("the last run's outputs", () => {
  it('are recorded per folder, and a sort and its undo update every one of them (format both)', async () => {
    const dir = tmpDir('rl-state-');
    for (let i = 0; i < 4; i++) await solidImage(path.join(dir, 'in', `p${i}.jpg`), { r: i * 60, g: 20, b: 200 - i * 40 });
    const jsonl = path.join(dir, 'out', 'mine.jsonl');
    const csv = path.join(dir, 'out', 'mine.csv');
    await runLabelJob({
      folder: dir,
      outputs: [
        { file: jsonl, format: 'jsonl' },
        { file: csv, format: 'csv' },
      ],
      modelPath: TINY_MODEL,
      provider: 'cpu',
      workers: 1,
      workerScript,
      workerEnv: BUNDLE_ENV,
    });
    expect(await lastRunOutputs(dir)).toEqual([
      { file: jsonl, format: 'jsonl' },
      { file: csv, format: 'csv' },
    ]);
    expect(await labelsFilesWith(dir, csv)).toEqual([csv, jsonl]);
    const before = paths(jsonl);
    expect(paths(csv)).toEqual(before);

    await sortIntoClassFolders({ folder: dir, labelsFile: jsonl, mode: 'move' });
    const moved = paths(jsonl);
    expect(moved).not.toEqual(before);
    expect(paths(csv)).toEqual(moved);

    const u = await undoLastSort(dir);
    expect(u.problems).toEqual([]);
    expect(paths(jsonl)).toEqual(before);
    expect(paths(csv)).toEqual(before);
  });
});
