import { describe, expect, it } from 'vitest';
import { ModelContractError, checkWarmUpOutputs, missingViews, validateContract, type TensorSignature } from '../../src/core/model/contract';

const LABELS = ['cat', 'dog', 'ship'];

function goodMetadata(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = {
    'rcnn_lens.contract': '1',
    'rcnn_lens.name': 'toy',
    'rcnn_lens.labels': JSON.stringify(LABELS),
    'rcnn_lens.grid': '[2, 3]',
    'rcnn_lens.scan_order': 'snake',
    'rcnn_lens.input': JSON.stringify({ channels: 3, height: 8, width: 12, color: 'rgb' }),
    'rcnn_lens.preprocess': JSON.stringify({ resize: 'center_crop', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }),
    'rcnn_lens.rnn': JSON.stringify({ type: 'gru', hidden_size: 4, layers: 1, bidirectional: true }),
    'rcnn_lens.head': 'attention',
    'rcnn_lens.model_card': JSON.stringify({ dataset: 'toy' }),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

const INPUTS: TensorSignature[] = [{ name: 'image', type: 'float32', shape: ['batch', 3, 8, 12] }];
const OUTPUTS: TensorSignature[] = [
  { name: 'logits', type: 'float32', shape: ['batch', 3] },
  { name: 'hidden', type: 'float32', shape: ['batch', 6, 8] },
  { name: 'step_logits', type: 'float32', shape: ['batch', 6, 3] },
  { name: 'attention', type: 'float32', shape: ['batch', 6] },
];

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelContractError);
    return (err as ModelContractError).problems.map((p) => `${p.where}: ${p.message}`);
  }
  throw new Error('expected a ModelContractError');
}

describe('validateContract', () => {
  it('accepts a model that follows the contract and parses every field', () => {
    const info = validateContract('m.onnx', goodMetadata(), INPUTS, OUTPUTS);
    expect(info.labels).toEqual(LABELS);
    expect(info.grid).toEqual([2, 3]);
    expect(info.timesteps).toBe(6);
    expect(info.scanOrder).toBe('snake');
    expect(info.input).toEqual({ name: 'image', channels: 3, height: 8, width: 12, color: 'rgb' });
    expect(info.rnn).toEqual({ type: 'gru', hiddenSize: 4, layers: 1, bidirectional: true });
    expect(info.hiddenWidth).toBe(8);
    expect(info.outputs).toEqual({ hidden: true, stepLogits: true, attention: true });
    expect(missingViews(info)).toEqual([]);
  });

  it('says a model without rcnn_lens metadata is not an RCNN Lens model', () => {
    const problems = problemsOf(() => validateContract('m.onnx', { producer: 'x' }, INPUTS, OUTPUTS));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/no rcnn_lens\.\* metadata/);
  });

  it('lists every problem at once, each naming its key', () => {
    const problems = problemsOf(() =>
      validateContract(
        'm.onnx',
        goodMetadata({
          'rcnn_lens.labels': '["a", "a", "b"]',
          'rcnn_lens.grid': '[2]',
          'rcnn_lens.scan_order': 'spiral',
          'rcnn_lens.head': undefined,
          'rcnn_lens.rnn': '{not json',
        }),
        INPUTS,
        OUTPUTS,
      ),
    );
    expect(problems.some((p) => p.startsWith('rcnn_lens.labels: contains duplicate'))).toBe(true);
    expect(problems.some((p) => p.startsWith('rcnn_lens.grid: must be [M, N]'))).toBe(true);
    expect(problems.some((p) => p.startsWith('rcnn_lens.scan_order: "spiral"'))).toBe(true);
    expect(problems.some((p) => p.startsWith('rcnn_lens.head: missing'))).toBe(true);
    expect(problems.some((p) => p.startsWith('rcnn_lens.rnn: is not valid JSON'))).toBe(true);
  });

  it('checks the graph against the metadata', () => {
    const problems = problemsOf(() =>
      validateContract(
        'm.onnx',
        goodMetadata(),
        [{ name: 'image', type: 'float32', shape: [1, 3, 16, 12] }],
        [
          { name: 'logits', type: 'float32', shape: ['batch', 4] },
          { name: 'hidden', type: 'float32', shape: ['batch', 6, 5] },
        ],
      ),
    );
    expect(problems).toContain('input "image": the batch axis must be dynamic, it is fixed at 1');
    expect(problems).toContain('input "image": H is 16 but rcnn_lens.input says 8');
    expect(problems).toContain('output "logits": axis 1 is 4, expected 3');
    expect(problems).toContain('output "hidden": width is 5, but rcnn_lens.rnn implies 8');
    // An attention head without an attention output is a broken model.
    expect(problems).toContain('output "attention": missing (required)');
  });

  it('rejects mean/std that do not match the channel count, and non-positive std', () => {
    const problems = problemsOf(() =>
      validateContract(
        'm.onnx',
        goodMetadata({ 'rcnn_lens.preprocess': JSON.stringify({ resize: 'stretch', mean: [0.5], std: [0, 1, 1] }) }),
        INPUTS,
        OUTPUTS,
      ),
    );
    expect(problems).toContain('rcnn_lens.preprocess.mean: has 1 values for 3 channel(s)');
    expect(problems).toContain('rcnn_lens.preprocess.std: values must be > 0');
  });

  it('lets a final-head model without the optional outputs classify, and names the views it cannot show', () => {
    const info = validateContract(
      'm.onnx',
      goodMetadata({ 'rcnn_lens.head': 'final' }),
      INPUTS,
      [{ name: 'logits', type: 'float32', shape: ['batch', 3] }],
    );
    expect(info.outputs).toEqual({ hidden: false, stepLogits: false, attention: false });
    const missing = missingViews(info);
    expect(missing).toHaveLength(3);
    expect(missing[0]).toMatch(/hidden/);
  });

  it('refuses an unsupported contract version', () => {
    const problems = problemsOf(() => validateContract('m.onnx', goodMetadata({ 'rcnn_lens.contract': '3' }), INPUTS, OUTPUTS));
    expect(problems[0]).toMatch(/version "3" is not supported/);
  });

  it('checks colour against channels', () => {
    const problems = problemsOf(() =>
      validateContract(
        'm.onnx',
        goodMetadata({ 'rcnn_lens.input': JSON.stringify({ channels: 3, height: 8, width: 12, color: 'grey' }) }),
        INPUTS,
        OUTPUTS,
      ),
    );
    expect(problems).toContain('rcnn_lens.input.color: "grey" does not match 3 channel(s)');
  });
});

describe('checkWarmUpOutputs (the sizes a real run returned)', () => {
  // K and L symbolic: validation cannot compare them, the warm-up run must.
  const SYMBOLIC: TensorSignature[] = [
    { name: 'logits', type: 'float32', shape: ['batch', 'k'] },
    { name: 'hidden', type: 'float32', shape: ['batch', 'l', 'd'] },
    { name: 'step_logits', type: 'float32', shape: ['batch', 'l', 'k'] },
    { name: 'attention', type: 'float32', shape: ['batch', 'l'] },
  ];
  const info = () => validateContract('/m/toy.onnx', goodMetadata(), INPUTS, SYMBOLIC);
  const good = { logits: new Float32Array(3), hidden: new Float32Array(6 * 8), stepLogits: new Float32Array(18), attention: new Float32Array(6) };

  it('accepts outputs of the right sizes and fills in a symbolic hidden width', () => {
    const i = info();
    expect(i.hiddenWidth).toBeUndefined();
    expect(checkWarmUpOutputs('/m/toy.onnx', i, good)).toBe(8);
    expect(checkWarmUpOutputs('/m/toy.onnx', i, { logits: good.logits })).toBeUndefined();
  });

  it('names each output whose size does not match K and L', () => {
    const err = (() => {
      try {
        checkWarmUpOutputs('/m/toy.onnx', info(), {
          logits: new Float32Array(4),
          hidden: new Float32Array(5 * 8),
          stepLogits: new Float32Array(6 * 4),
          attention: new Float32Array(5),
        });
      } catch (e) {
        return e;
      }
    })() as ModelContractError;
    expect(err).toBeInstanceOf(ModelContractError);
    expect(err.problems.map((p) => p.where)).toEqual(['output "logits"', 'output "hidden"', 'output "step_logits"', 'output "attention"']);
    expect(err.message).toContain('expected K = 3');
  });

  it('checks hidden against a declared width and against rcnn_lens.rnn', () => {
    const declared = validateContract('/m/toy.onnx', goodMetadata(), INPUTS, OUTPUTS);
    expect(() => checkWarmUpOutputs('/m/toy.onnx', declared, { ...good, hidden: new Float32Array(6 * 7) })).toThrow(/L × D = 6 × 8/);
    // Width 10 from the run, but hidden_size 4 bidirectional means 8.
    expect(() => checkWarmUpOutputs('/m/toy.onnx', info(), { ...good, hidden: new Float32Array(6 * 10) })).toThrow(/implies 8/);
  });
});

describe('hostile declared sizes and normalisation (issue 15, defect 8)', () => {
  it('refuses an input of 20000×20000 at load, naming the bound', () => {
    const meta = goodMetadata({ 'rcnn_lens.input': JSON.stringify({ channels: 3, height: 20000, width: 20000, color: 'rgb' }) });
    const inputs: TensorSignature[] = [{ name: 'image', type: 'float32', shape: ['batch', 3, 20000, 20000] }];
    expect(problemsOf(() => validateContract('m.onnx', meta, inputs, OUTPUTS)).join('\n')).toMatch(/1200000000 values per image is more than the contract allows \(16777216/);
  });

  it('accepts 3×2048×2048, the documented example that fits', () => {
    const meta = goodMetadata({ 'rcnn_lens.input': JSON.stringify({ channels: 3, height: 2048, width: 2048, color: 'rgb' }) });
    const inputs: TensorSignature[] = [{ name: 'image', type: 'float32', shape: ['batch', 3, 2048, 2048] }];
    expect(validateContract('m.onnx', meta, inputs, OUTPUTS).input.height).toBe(2048);
  });

  it('refuses a std that makes the normalisation overflow, and a huge mean', () => {
    const tiny = goodMetadata({ 'rcnn_lens.preprocess': JSON.stringify({ resize: 'center_crop', mean: [0.5, 0.5, 0.5], std: [0.25, 1e-320, 0.25] }) });
    expect(problemsOf(() => validateContract('m.onnx', tiny, INPUTS, OUTPUTS)).join('\n')).toMatch(/std: values must be at least 1e-6/);
    const huge = goodMetadata({ 'rcnn_lens.preprocess': JSON.stringify({ resize: 'center_crop', mean: [0.5, 1e39, 0.5], std: [0.25, 0.25, 0.25] }) });
    expect(problemsOf(() => validateContract('m.onnx', huge, INPUTS, OUTPUTS)).join('\n')).toMatch(/mean: values must lie within/);
  });
});
