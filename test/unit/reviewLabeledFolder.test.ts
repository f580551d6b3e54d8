import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordRunOutputs } from '../../src/core/folder/runState';
import { labeledFolderOf } from '../../src/vscode/batch/labeledFolder';
import { tmpDir } from '../fixtures/hostile/helpers';

describe('the folder a labels file describes', () => {
  it('is the folder whose last run wrote it, even when the file sits in a subfolder (outputFile "out/labels.jsonl")', async () => {
    const folder = tmpDir();
    const labels = path.join(folder, 'out', 'labels.jsonl');
    mkdirSync(path.dirname(labels));
    writeFileSync(labels, '');
    await recordRunOutputs(folder, [{ file: labels, format: 'jsonl' }]);
    expect(await labeledFolderOf(labels)).toBe(folder);
  });

  it('skips a nearer folder whose run wrote other files', async () => {
    const folder = tmpDir();
    const inner = path.join(folder, 'out');
    const labels = path.join(inner, 'labels.jsonl');
    mkdirSync(inner);
    writeFileSync(labels, '');
    await recordRunOutputs(inner, [{ file: path.join(inner, 'other.jsonl'), format: 'jsonl' }]);
    await recordRunOutputs(folder, [{ file: labels, format: 'jsonl' }]);
    expect(await labeledFolderOf(labels)).toBe(folder);
  });

  it('is the file’s own folder when no run recorded it (a copied or Save-As file)', async () => {
    const folder = tmpDir();
    const labels = path.join(folder, 'rcnn-labels.jsonl');
    writeFileSync(labels, '');
    expect(await labeledFolderOf(labels)).toBe(folder);
  });
});
