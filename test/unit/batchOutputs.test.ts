import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputPathError, resolveOutputs, trustedSettingValue } from '../../src/core/labelsFile/outputs';

const folder = path.resolve('/data/photos');

describe('Label Folder output setting', () => {
  it('resolves names and paths inside the folder', () => {
    expect(resolveOutputs(folder, '', 'jsonl')).toEqual([{ file: path.join(folder, 'labels.jsonl'), format: 'jsonl' }]);
    expect(resolveOutputs(folder, 'out/l.csv', 'csv')).toEqual([{ file: path.join(folder, 'out', 'l.csv'), format: 'csv' }]);
    expect(resolveOutputs(folder, path.join(folder, 'x.jsonl'), 'both').map((o) => o.file)).toEqual([path.join(folder, 'x.jsonl'), path.join(folder, 'x.csv')]);
  });

  it('refuses absolute paths outside the folder and ".." escapes with a clear error', () => {
    expect(() => resolveOutputs(folder, '/etc/cron.d/labels.jsonl', 'jsonl')).toThrow(OutputPathError);
    expect(() => resolveOutputs(folder, '../labels.jsonl', 'jsonl')).toThrow(/outside the labeled folder/);
    expect(() => resolveOutputs(folder, 'a/../../b/labels.jsonl', 'both')).toThrow(OutputPathError);
    expect(() => resolveOutputs(folder, '.', 'jsonl')).toThrow(OutputPathError);
    expect(() => resolveOutputs(`${folder}-other`, path.join(folder, 'l.jsonl'), 'jsonl')).toThrow(OutputPathError);
  });

  it('an untrusted workspace cannot choose the value: only the global one counts', () => {
    expect(trustedSettingValue(false, 'evil.jsonl', { globalValue: undefined }, '')).toBe('');
    expect(trustedSettingValue(false, 'evil.jsonl', { globalValue: 'mine.jsonl' }, '')).toBe('mine.jsonl');
    expect(trustedSettingValue(true, 'ws.jsonl', { globalValue: 'mine.jsonl' }, '')).toBe('ws.jsonl');
  });
});
