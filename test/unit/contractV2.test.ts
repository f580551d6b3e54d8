import { describe, expect, it } from 'vitest';
import { ModelContractError, checkWarmUpOutputs, validateContract, type TensorSignature } from '../../src/core/model/contract';

const META: Record<string, string> = {
  'rcnn_lens.contract': '2',
  'rcnn_lens.labels': JSON.stringify(['cat', 'dog', 'ship']),
  'rcnn_lens.grid': '[2, 3]',
  'rcnn_lens.scan_order': 'row_major',
  'rcnn_lens.input': JSON.stringify({ channels: 3, height: 8, width: 12 }),
  'rcnn_lens.preprocess': JSON.stringify({ resize: 'center_crop', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }),
  'rcnn_lens.rnn': JSON.stringify({ type: 'gru', hidden_size: 4, bidirectional: true }),
  'rcnn_lens.head': 'final',
  'rcnn_lens.ablation': JSON.stringify({ neutral: 'mean_feature', images: 10 }),
};
const IMAGE: TensorSignature = { name: 'image', type: 'float32', shape: ['batch', 3, 8, 12] };
const MASK: TensorSignature = { name: 'step_mask', type: 'float32', shape: ['batch', 6] };
const OUTPUTS: TensorSignature[] = [
  { name: 'logits', type: 'float32', shape: ['batch', 3] },
  { name: 'hidden', type: 'float32', shape: ['batch', 6, 8] },
  { name: 'gates', type: 'float32', shape: ['batch', 6, 8] },
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

const withGates = (shape: Array<number | string>, type = 'float32'): TensorSignature[] =>
  OUTPUTS.map((o) => (o.name === 'gates' ? { ...o, shape, type } : o));

describe('contract v2: step_mask and gates', () => {
  it('parses a v2 model: the image input by name, stepMask, gates kind and width', () => {
    const info = validateContract('m.onnx', META, [MASK, IMAGE], OUTPUTS);
    expect(info.input.name).toBe('image');
    expect(info.stepMask).toBe(true);
    expect(info.gates).toEqual({ kind: 'gru_update', width: 8 });
  });

  it('gives an LSTM two gates (input, forget) per unit and direction', () => {
    const lstm = { ...META, 'rcnn_lens.rnn': JSON.stringify({ type: 'lstm', hidden_size: 4, bidirectional: false }) };
    const outs = OUTPUTS.map((o) => (o.name === 'hidden' ? { ...o, shape: ['batch', 6, 4] } : o));
    const info = validateContract('m.onnx', lstm, [IMAGE, MASK], outs);
    expect(info.gates).toEqual({ kind: 'lstm_input_forget', width: 8 });
  });

  it('reads a v1 model as before: no step_mask, gates ignored', () => {
    const v1 = { ...META, 'rcnn_lens.contract': '1' };
    delete (v1 as Record<string, string>)['rcnn_lens.ablation'];
    const info = validateContract('m.onnx', v1, [IMAGE], withGates(['batch', 99]));
    expect(info.stepMask).toBe(false);
    expect(info.gates).toBeNull();
  });

  it.each([
    [[IMAGE, { ...MASK, type: 'float16' }], OUTPUTS, META, /input "step_mask": must be float32, is float16/],
    [[IMAGE, { ...MASK, shape: ['batch', 6, 1] }], OUTPUTS, META, /input "step_mask": must have shape \[batch, L\]/],
    [[IMAGE, { ...MASK, shape: ['batch', 7] }], OUTPUTS, META, /has 7 steps, the grid has L = 6/],
    [[IMAGE, { ...MASK, shape: [2, 6] }], OUTPUTS, META, /step_mask": the batch axis must be dynamic/],
    [[IMAGE, MASK], OUTPUTS, { ...META, 'rcnn_lens.contract': '1' }, /step_mask": needs rcnn_lens.contract "2"/],
    [[IMAGE, MASK], OUTPUTS, { ...META, 'rcnn_lens.contract': '3' }, /versions 1 and 2/],
    [[IMAGE, MASK], OUTPUTS, { ...META, 'rcnn_lens.ablation': '{' }, /rcnn_lens.ablation: is not valid JSON/],
    [[IMAGE, MASK], OUTPUTS, { ...META, 'rcnn_lens.ablation': '{"neutral": 3}' }, /non-empty string "neutral"/],
    [[IMAGE, MASK], withGates(['batch', 6, 16]), META, /output "gates": axis 2 is 16, but rcnn_lens.rnn implies G = 8/],
    [[IMAGE, MASK], withGates(['batch', 5, 8]), META, /output "gates": axis 1 is 5, expected L = 6/],
    [[IMAGE, MASK], withGates(['batch', 48]), META, /output "gates": must have shape \[batch, L, G\]/],
    [[IMAGE, MASK], withGates(['batch', 6, 8], 'int8'), META, /output "gates": must be float32/],
    [[MASK], OUTPUTS, META, /exactly one image input besides step_mask, it has 0/],
    [[IMAGE, { ...IMAGE, name: 'other' }, MASK], OUTPUTS, META, /exactly one image input besides step_mask, it has 2/],
  ])('refuses a malformed v2 model with a clear problem (%#)', (inputs, outputs, meta, needle) => {
    const problems = problemsOf(() => validateContract('m.onnx', meta, inputs, outputs));
    expect(problems.some((p) => needle.test(p)), problems.join('\n')).toBe(true);
  });

  it('says a step_mask input needs rcnn_lens.ablation', () => {
    const meta = { ...META };
    delete (meta as Record<string, string>)['rcnn_lens.ablation'];
    const problems = problemsOf(() => validateContract('m.onnx', meta, [IMAGE, MASK], OUTPUTS));
    expect(problems).toEqual(['rcnn_lens.ablation: missing: a model with a step_mask input must say what a masked step reads']);
  });

  it('checks the gates a run returns against L × G', () => {
    const info = validateContract('m.onnx', META, [IMAGE, MASK], withGates(['batch', 'L', 'G']));
    const ok = { logits: new Float32Array(3), hidden: new Float32Array(48), gates: new Float32Array(48) };
    expect(checkWarmUpOutputs('m.onnx', info, ok)).toBe(8);
    const problems = problemsOf(() => checkWarmUpOutputs('m.onnx', info, { ...ok, gates: new Float32Array(47) }));
    expect(problems[0]).toMatch(/output "gates": has 47 values for one image, expected L × G = 6 × 8 = 48/);
  });
});
