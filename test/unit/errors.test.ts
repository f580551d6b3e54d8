import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/vscode/errors';

describe('describeError', () => {
  it('names the file and the reason for image errors', () => {
    const d = describeError({ name: 'ImageError', code: 'truncated', filePath: '/a/b/cut.jpg', detail: 'Premature end' });
    expect(d.message).toBe('Cannot classify cut.jpg: the image data is truncated.');
    expect(d.isModelProblem).toBe(false);
  });
  it('lists contract problems and marks them as the model’s fault', () => {
    const d = describeError({
      name: 'ModelContractError',
      message: 'x',
      problems: [
        { where: 'rcnn_lens.grid', message: 'missing from metadata_props' },
        { where: 'output "logits"', message: 'missing (required)' },
      ],
    });
    expect(d.isModelProblem).toBe(true);
    expect(d.message).toContain('2 problem(s)');
    expect(d.detail).toBe('• rcnn_lens.grid: missing from metadata_props\n• output "logits": missing (required)');
  });
  it('explains a worker crash', () => {
    const d = describeError({ name: 'WorkerCrashError', message: 'stopped (signal SIGSEGV)' }, '/p/evil.tif');
    expect(d.message).toContain('evil.tif');
    expect(d.message).toContain('restarted');
  });
});
