import { describe, expect, it } from 'vitest';
import { ImageError } from '../../src/core/image/imageErrors';
import { ModelContractError } from '../../src/core/model/contract';
import { ModelLoadError } from '../../src/core/runtime/modelLoadError';
import { WorkerCrashError } from '../../src/core/worker/workerClient';
import { WorkerError } from '../../src/core/worker/workerProtocol';
import { toWireError } from '../../src/shared/messaging';
import { describeError } from '../../src/vscode/errors';

/** The error as the host sees it after the worker sent it over IPC (a structured clone). */
const acrossTheWire = (err: Error) => new WorkerError(structuredClone(toWireError(err)));

describe('describeError', () => {
  it('names the file and the reason for image errors', () => {
    for (const err of [new ImageError('truncated', '/a/b/cut.jpg', 'Premature end'), acrossTheWire(new ImageError('truncated', '/a/b/cut.jpg', 'Premature end'))]) {
      const d = describeError(err);
      expect(d.message).toBe('Cannot classify cut.jpg: the image data is truncated.');
      expect(d.isModelProblem).toBe(false);
    }
  });
  it('lists contract problems and marks them as the model’s fault', () => {
    const contract = new ModelContractError('/m/x.onnx', [
      { where: 'rcnn_lens.grid', message: 'missing from metadata_props' },
      { where: 'output "logits"', message: 'missing (required)' },
    ]);
    for (const err of [contract, acrossTheWire(contract)]) {
      const d = describeError(err);
      expect(d.isModelProblem).toBe(true);
      expect(d.message).toContain('2 problem(s)');
      expect(d.detail).toBe('• rcnn_lens.grid: missing from metadata_props\n• output "logits": missing (required)');
    }
  });
  it('explains a worker crash', () => {
    const d = describeError(new WorkerCrashError('stopped (signal SIGSEGV)'), '/p/evil.tif');
    expect(d.message).toContain('evil.tif');
    expect(d.message).toContain('restarted');
  });
  it('marks a model load failure as the model’s fault, by its code', () => {
    for (const err of [new ModelLoadError('m.onnx is not an ONNX model', { code: 'not_onnx' }), acrossTheWire(new ModelLoadError('m.onnx is not an ONNX model'))]) {
      expect(describeError(err, '/p/a.jpg')).toEqual({ message: 'm.onnx is not an ONNX model', isModelProblem: true });
    }
  });
  it('does not branch on class names: a name without a code is an ordinary error', () => {
    const d = describeError(Object.assign(new Error('disk on fire'), { name: 'ModelLoadError' }), '/p/a.jpg');
    expect(d).toEqual({ message: 'Cannot classify a.jpg: disk on fire', isModelProblem: false });
  });
});
