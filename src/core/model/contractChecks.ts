/**
 * The contract's checks, one part of the model at a time (docs/model-contract.md). Each adds what
 * is wrong to the problem list and returns what it could read (a neutral value where it could not),
 * so validation reports every problem at once.
 */
import { isScanOrder, type ScanOrder } from './scanOrder';
import {
  type ColorMode,
  type HeadType,
  MAX_ABS_MEAN,
  MAX_INPUT_VALUES,
  MIN_STD,
  type ModelInfo,
  type ProblemList,
  type ResizePolicy,
  type TensorSignature,
  isDynamic,
  isObject,
  isPositiveInt,
  parseJson,
} from './contractTypes';

export type Meta = (key: string) => string | undefined;

export function readLabels(p: ProblemList, meta: Meta): string[] {
  const labels = parseJson(p, 'rcnn_lens.labels', meta('labels'));
  if (labels === undefined) return [];
  if (!Array.isArray(labels) || labels.length < 2 || !labels.every((l) => typeof l === 'string' && l.length > 0)) {
    p.add('rcnn_lens.labels', 'must be a JSON array of at least 2 non-empty strings');
  } else if (new Set(labels).size !== labels.length) {
    p.add('rcnn_lens.labels', 'contains duplicate class names');
  } else return labels as string[];
  return [];
}

export function readGrid(p: ProblemList, meta: Meta): [number, number] {
  const grid = parseJson(p, 'rcnn_lens.grid', meta('grid'));
  if (grid === undefined) return [0, 0];
  if (!Array.isArray(grid) || grid.length !== 2 || !grid.every(isPositiveInt)) {
    p.add('rcnn_lens.grid', `must be [M, N] with positive integers, got ${JSON.stringify(grid)}`);
    return [0, 0];
  }
  return [grid[0], grid[1]];
}

export function readScanOrder(p: ProblemList, meta: Meta): ScanOrder {
  const scan = meta('scan_order');
  if (scan === undefined) p.add('rcnn_lens.scan_order', 'missing (row_major, column_major or snake)');
  else if (!isScanOrder(scan)) p.add('rcnn_lens.scan_order', `${JSON.stringify(scan)} is not one of row_major, column_major, snake`);
  else return scan;
  return 'row_major';
}

export type InputShape = Omit<ModelInfo['input'], 'name'>;

export function readInput(p: ProblemList, meta: Meta): InputShape {
  const inputMeta = parseJson(p, 'rcnn_lens.input', meta('input'));
  const shape: InputShape = { channels: 0, height: 0, width: 0, color: 'rgb' };
  if (inputMeta === undefined) return shape;
  if (!isObject(inputMeta)) {
    p.add('rcnn_lens.input', 'must be a JSON object');
    return shape;
  }
  const { channels: c, height: h, width: w, color: col } = inputMeta;
  if (!isPositiveInt(c) || (c !== 1 && c !== 3)) p.add('rcnn_lens.input.channels', `must be 1 or 3, got ${JSON.stringify(c)}`);
  else shape.channels = c;
  if (!isPositiveInt(h)) p.add('rcnn_lens.input.height', `must be a positive integer, got ${JSON.stringify(h)}`);
  else shape.height = h;
  if (!isPositiveInt(w)) p.add('rcnn_lens.input.width', `must be a positive integer, got ${JSON.stringify(w)}`);
  else shape.width = w;
  const { channels, height, width } = shape;
  const expectedColor: ColorMode = channels === 1 ? 'grey' : 'rgb';
  if (col === undefined) shape.color = expectedColor;
  else if (col !== 'rgb' && col !== 'grey') p.add('rcnn_lens.input.color', `must be "rgb" or "grey", got ${JSON.stringify(col)}`);
  else if (channels && col !== expectedColor) p.add('rcnn_lens.input.color', `"${col}" does not match ${channels} channel(s)`);
  else shape.color = col;
  if (channels && height && width && channels * height * width > MAX_INPUT_VALUES) {
    p.add(
      'rcnn_lens.input',
      `${channels}×${height}×${width} = ${channels * height * width} values per image is more than the contract allows (${MAX_INPUT_VALUES}, e.g. 3×2048×2048)`,
    );
  }
  return shape;
}

export function readPreprocess(p: ProblemList, meta: Meta, channels: number): ModelInfo['preprocess'] {
  const pre = parseJson(p, 'rcnn_lens.preprocess', meta('preprocess'));
  const out: ModelInfo['preprocess'] = { resize: 'center_crop', mean: [], std: [] };
  if (pre === undefined) return out;
  if (!isObject(pre)) {
    p.add('rcnn_lens.preprocess', 'must be a JSON object');
    return out;
  }
  if (pre.resize !== 'center_crop' && pre.resize !== 'stretch' && pre.resize !== 'letterbox') {
    p.add('rcnn_lens.preprocess.resize', `must be center_crop, stretch or letterbox, got ${JSON.stringify(pre.resize)}`);
  } else out.resize = pre.resize as ResizePolicy;
  out.mean = normalisationVector(p, 'mean', pre.mean, channels);
  out.std = normalisationVector(p, 'std', pre.std, channels);
  return out;
}

function normalisationVector(p: ProblemList, key: 'mean' | 'std', v: unknown, channels: number): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    p.add(`rcnn_lens.preprocess.${key}`, 'must be an array of numbers, one per channel');
    return [];
  }
  if (channels && v.length !== channels) {
    p.add(`rcnn_lens.preprocess.${key}`, `has ${v.length} values for ${channels} channel(s)`);
    return [];
  }
  if (key === 'std' && v.some((x) => x <= 0)) {
    p.add('rcnn_lens.preprocess.std', 'values must be > 0');
    return [];
  }
  if (key === 'std' && v.some((x) => x < MIN_STD)) {
    p.add('rcnn_lens.preprocess.std', `values must be at least ${MIN_STD.toExponential()} (a smaller one makes the normalised input overflow)`);
    return [];
  }
  if (key === 'mean' && v.some((x) => Math.abs(x) > MAX_ABS_MEAN)) {
    p.add('rcnn_lens.preprocess.mean', `values must lie within ±${MAX_ABS_MEAN}`);
    return [];
  }
  return v as number[];
}

export function readRnn(p: ProblemList, meta: Meta): ModelInfo['rnn'] {
  const rnnMeta = parseJson(p, 'rcnn_lens.rnn', meta('rnn'));
  const fallback: ModelInfo['rnn'] = { type: 'gru', hiddenSize: 0, layers: 1, bidirectional: false };
  if (rnnMeta === undefined) return fallback;
  if (!isObject(rnnMeta)) {
    p.add('rcnn_lens.rnn', 'must be a JSON object');
    return fallback;
  }
  const { type, hidden_size: hs, layers, bidirectional } = rnnMeta;
  if (type !== 'gru' && type !== 'lstm') p.add('rcnn_lens.rnn.type', `must be "gru" or "lstm", got ${JSON.stringify(type)}`);
  if (!isPositiveInt(hs)) p.add('rcnn_lens.rnn.hidden_size', `must be a positive integer, got ${JSON.stringify(hs)}`);
  if (layers !== undefined && !isPositiveInt(layers)) p.add('rcnn_lens.rnn.layers', 'must be a positive integer');
  if (typeof bidirectional !== 'boolean') p.add('rcnn_lens.rnn.bidirectional', 'must be true or false');
  return {
    type: type === 'lstm' ? 'lstm' : 'gru',
    hiddenSize: isPositiveInt(hs) ? hs : 0,
    layers: isPositiveInt(layers) ? layers : 1,
    bidirectional: bidirectional === true,
  };
}

export function readHead(p: ProblemList, meta: Meta): HeadType {
  const head = meta('head');
  if (head === undefined) p.add('rcnn_lens.head', 'missing ("final" or "attention")');
  else if (head !== 'final' && head !== 'attention') p.add('rcnn_lens.head', `must be "final" or "attention", got ${JSON.stringify(head)}`);
  else return head;
  return 'final';
}

export function readCard(p: ProblemList, meta: Meta): Record<string, unknown> {
  const cardRaw = meta('model_card');
  if (cardRaw === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(cardRaw);
    if (isObject(parsed)) return parsed;
    p.add('rcnn_lens.model_card', 'must be a JSON object');
  } catch {
    p.add('rcnn_lens.model_card', 'is not valid JSON');
  }
  return {};
}

/** The graph's one input: float32 [batch (dynamic), C, H, W] matching rcnn_lens.input. */
export function checkInput(p: ProblemList, inputs: readonly TensorSignature[], shape: InputShape, besideStepMask = false): TensorSignature | undefined {
  if (inputs.length !== 1) {
    p.add('inputs', `the model must have exactly one ${besideStepMask ? 'image input besides step_mask' : 'input'}, it has ${inputs.length}`);
  }
  const input = inputs[0];
  if (!input) return undefined;
  if (input.type !== 'float32') p.add(`input "${input.name}"`, `must be float32, is ${input.type}`);
  const s = input.shape;
  if (s.length !== 4) {
    p.add(`input "${input.name}"`, `must have shape [batch, C, H, W], has rank ${s.length}`);
    return input;
  }
  if (!isDynamic(s[0])) p.add(`input "${input.name}"`, `the batch axis must be dynamic, it is fixed at ${s[0]}`);
  const expect: Array<[number | string, number, string]> = [
    [s[1], shape.channels, 'C'],
    [s[2], shape.height, 'H'],
    [s[3], shape.width, 'W'],
  ];
  for (const [actual, wanted, axis] of expect) {
    if (wanted && actual !== wanted) p.add(`input "${input.name}"`, `${axis} is ${actual} but rcnn_lens.input says ${wanted}`);
  }
  return input;
}

/** The graph's outputs: logits [batch, K] always; hidden, step_logits, attention (required for an attention head) when present. */
export function checkOutputs(
  p: ProblemList,
  outputs: readonly TensorSignature[],
  o: { K: number; L: number; head: HeadType; rnn: ModelInfo['rnn'] },
): { outputs: ModelInfo['outputs']; hiddenWidth?: number } {
  const byName = new Map(outputs.map((t) => [t.name, t]));
  const checkOutput = (name: string, dims: Array<number | null>, required: boolean): boolean => {
    const t = byName.get(name);
    if (!t) {
      if (required) p.add(`output "${name}"`, 'missing (required)');
      return false;
    }
    if (t.type !== 'float32') p.add(`output "${name}"`, `must be float32, is ${t.type}`);
    if (t.shape.length !== dims.length) {
      p.add(`output "${name}"`, `must have rank ${dims.length}, has rank ${t.shape.length}`);
      return false;
    }
    dims.forEach((want, i) => {
      const got = t.shape[i];
      if (want !== null && want > 0 && typeof got === 'number' && got !== want) {
        p.add(`output "${name}"`, `axis ${i} is ${got}, expected ${want}`);
      }
    });
    return true;
  };
  checkOutput('logits', [null, o.K], true);
  const hidden = checkOutput('hidden', [null, o.L, null], false);
  const stepLogits = checkOutput('step_logits', [null, o.L, o.K], false);
  const attention = checkOutput('attention', [null, o.L], o.head === 'attention');
  let hiddenWidth: number | undefined;
  if (hidden) {
    const d = byName.get('hidden')!.shape[2];
    if (typeof d === 'number' && d > 0) {
      hiddenWidth = d;
      const expected = o.rnn.hiddenSize * (o.rnn.bidirectional ? 2 : 1);
      if (o.rnn.hiddenSize && d !== expected) p.add('output "hidden"', `width is ${d}, but rcnn_lens.rnn implies ${expected}`);
    }
  }
  return { outputs: { hidden, stepLogits, attention }, hiddenWidth };
}
