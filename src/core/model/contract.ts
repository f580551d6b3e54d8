/**
 * The RCNN Lens model contract (docs/model-contract.md): what a model file must carry
 * and how we check it. Validation collects every problem instead of stopping at the
 * first, so a model author sees the whole list at once.
 */
import { CONTRACT_VERSIONS, type GatesInfo, GATES_OUTPUT, checkGates, checkStepMask, splitInputs } from './contractV2';
import { type ModelPrecision, readPrecision } from './quantization';
import { isScanOrder, type ScanOrder } from './scanOrder';

export type { GateKind, GatesInfo } from './contractV2';
/** The newest version this extension reads; it reads every version in CONTRACT_VERSIONS. */
export const CONTRACT_VERSION = '2';
export const META_PREFIX = 'rcnn_lens.';

/**
 * The most values one image's input may hold (C × H × W, e.g. 2048×2048×3 fits, 4096×4096×3 does
 * not): a model file may come from anywhere, and a declared 20000×20000 input made one small
 * JPEG take minutes and gigabytes. training/rcnn_lens_train/contract.py has the same bound.
 */
export const MAX_INPUT_VALUES = 2 ** 24;
/** Bounds that keep (x/255 - mean)/std finite and meaningful in float32 for every pixel x. */
export const MIN_STD = 1e-6;
export const MAX_ABS_MEAN = 1e3;

export type ResizePolicy = 'center_crop' | 'stretch' | 'letterbox';
export type ColorMode = 'rgb' | 'grey';
export type RnnType = 'gru' | 'lstm';
export type HeadType = 'final' | 'attention';
export type OptionalOutput = 'hidden' | 'step_logits' | 'attention';

export interface ModelInfo {
  name: string;
  labels: string[];
  grid: [number, number];
  timesteps: number;
  scanOrder: ScanOrder;
  input: { name: string; channels: number; height: number; width: number; color: ColorMode };
  preprocess: { resize: ResizePolicy; mean: number[]; std: number[] };
  rnn: { type: RnnType; hiddenSize: number; layers: number; bidirectional: boolean };
  head: HeadType;
  /** Width D of the `hidden` output, when the model has it. */
  hiddenWidth?: number;
  outputs: { hidden: boolean; stepLogits: boolean; attention: boolean };
  /** Contract v2: the model has the `step_mask` input (timestep ablation); runs must feed it. */
  stepMask: boolean;
  /** Contract v2: the `gates` output [batch, L, width], or null without one. */
  gates: GatesInfo | null;
  card: Record<string, unknown>;
  /** int8 when the model is a quantized variant (rcnn_lens.quantization), else fp32. */
  precision: ModelPrecision;
}

/** A single thing wrong with a model file, phrased for the model's author. */
export interface ContractProblem {
  where: string;
  message: string;
}

export class ModelContractError extends Error {
  constructor(
    readonly modelPath: string,
    readonly problems: ContractProblem[],
  ) {
    super(
      `${modelPath} does not follow the RCNN Lens model contract:\n` +
        problems.map((p) => `  - ${p.where}: ${p.message}`).join('\n'),
    );
    this.name = 'ModelContractError';
  }
}

/** Shape of one graph input or output as reported by the runtime. */
export interface TensorSignature {
  name: string;
  type: string;
  shape: ReadonlyArray<number | string>;
}

class ProblemList {
  readonly items: ContractProblem[] = [];
  add(where: string, message: string): void {
    this.items.push({ where, message });
  }
}

function parseJson(problems: ProblemList, key: string, raw: string | undefined): unknown {
  if (raw === undefined) {
    problems.add(key, 'missing from metadata_props');
    return undefined;
  }
  try {
    return JSON.parse(raw);
  } catch {
    problems.add(key, `is not valid JSON: ${JSON.stringify(raw.slice(0, 80))}`);
    return undefined;
  }
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isDynamic = (d: number | string): boolean => typeof d === 'string' || d < 0;

/**
 * Checks metadata and graph signature against the contract.
 * Returns the parsed model description, or throws ModelContractError listing every problem.
 */
export function validateContract(
  modelPath: string,
  metadata: Record<string, string>,
  inputs: readonly TensorSignature[],
  outputs: readonly TensorSignature[],
): ModelInfo {
  const p = new ProblemList();
  const meta = (k: string): string | undefined => metadata[META_PREFIX + k];

  if (!Object.keys(metadata).some((k) => k.startsWith(META_PREFIX))) {
    throw new ModelContractError(modelPath, [
      {
        where: 'metadata_props',
        message:
          'the model has no rcnn_lens.* metadata, so it is not an RCNN Lens model (see docs/model-contract.md; ' +
          'training/export.py writes these keys)',
      },
    ]);
  }

  const version = meta('contract');
  if (version === undefined) p.add('rcnn_lens.contract', 'missing (expected "1" or "2")');
  else if (!(CONTRACT_VERSIONS as readonly string[]).includes(version)) {
    p.add('rcnn_lens.contract', `version ${JSON.stringify(version)} is not supported (this extension reads versions ${CONTRACT_VERSIONS.join(' and ')})`);
  }

  const name = meta('name') ?? modelPath.split(/[\\/]/).pop() ?? 'model';

  const labels = parseJson(p, 'rcnn_lens.labels', meta('labels'));
  let labelList: string[] = [];
  if (labels !== undefined) {
    if (!Array.isArray(labels) || labels.length < 2 || !labels.every((l) => typeof l === 'string' && l.length > 0)) {
      p.add('rcnn_lens.labels', 'must be a JSON array of at least 2 non-empty strings');
    } else if (new Set(labels).size !== labels.length) {
      p.add('rcnn_lens.labels', 'contains duplicate class names');
    } else labelList = labels as string[];
  }

  const grid = parseJson(p, 'rcnn_lens.grid', meta('grid'));
  let gridMN: [number, number] = [0, 0];
  if (grid !== undefined) {
    if (!Array.isArray(grid) || grid.length !== 2 || !grid.every(isPositiveInt)) {
      p.add('rcnn_lens.grid', `must be [M, N] with positive integers, got ${JSON.stringify(grid)}`);
    } else gridMN = [grid[0], grid[1]];
  }

  const scan = meta('scan_order');
  let scanOrder: ScanOrder = 'row_major';
  if (scan === undefined) p.add('rcnn_lens.scan_order', 'missing (row_major, column_major or snake)');
  else if (!isScanOrder(scan)) p.add('rcnn_lens.scan_order', `${JSON.stringify(scan)} is not one of row_major, column_major, snake`);
  else scanOrder = scan;

  const inputMeta = parseJson(p, 'rcnn_lens.input', meta('input'));
  let channels = 0;
  let height = 0;
  let width = 0;
  let color: ColorMode = 'rgb';
  if (inputMeta !== undefined) {
    if (!isObject(inputMeta)) p.add('rcnn_lens.input', 'must be a JSON object');
    else {
      const { channels: c, height: h, width: w, color: col } = inputMeta;
      if (!isPositiveInt(c) || (c !== 1 && c !== 3)) p.add('rcnn_lens.input.channels', `must be 1 or 3, got ${JSON.stringify(c)}`);
      else channels = c;
      if (!isPositiveInt(h)) p.add('rcnn_lens.input.height', `must be a positive integer, got ${JSON.stringify(h)}`);
      else height = h;
      if (!isPositiveInt(w)) p.add('rcnn_lens.input.width', `must be a positive integer, got ${JSON.stringify(w)}`);
      else width = w;
      const expectedColor = channels === 1 ? 'grey' : 'rgb';
      if (col === undefined) color = expectedColor;
      else if (col !== 'rgb' && col !== 'grey') p.add('rcnn_lens.input.color', `must be "rgb" or "grey", got ${JSON.stringify(col)}`);
      else if (channels && col !== expectedColor) p.add('rcnn_lens.input.color', `"${col}" does not match ${channels} channel(s)`);
      else color = col;
      if (channels && height && width && channels * height * width > MAX_INPUT_VALUES) {
        p.add(
          'rcnn_lens.input',
          `${channels}×${height}×${width} = ${channels * height * width} values per image is more than the contract allows (${MAX_INPUT_VALUES}, e.g. 3×2048×2048)`,
        );
      }
    }
  }

  const pre = parseJson(p, 'rcnn_lens.preprocess', meta('preprocess'));
  let resize: ResizePolicy = 'center_crop';
  let mean: number[] = [];
  let std: number[] = [];
  if (pre !== undefined) {
    if (!isObject(pre)) p.add('rcnn_lens.preprocess', 'must be a JSON object');
    else {
      if (pre.resize !== 'center_crop' && pre.resize !== 'stretch' && pre.resize !== 'letterbox') {
        p.add('rcnn_lens.preprocess.resize', `must be center_crop, stretch or letterbox, got ${JSON.stringify(pre.resize)}`);
      } else resize = pre.resize;
      const checkVec = (key: 'mean' | 'std'): number[] => {
        const v = pre[key];
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
      };
      mean = checkVec('mean');
      std = checkVec('std');
    }
  }

  const rnnMeta = parseJson(p, 'rcnn_lens.rnn', meta('rnn'));
  let rnn: ModelInfo['rnn'] = { type: 'gru', hiddenSize: 0, layers: 1, bidirectional: false };
  if (rnnMeta !== undefined) {
    if (!isObject(rnnMeta)) p.add('rcnn_lens.rnn', 'must be a JSON object');
    else {
      const { type, hidden_size: hs, layers, bidirectional } = rnnMeta;
      if (type !== 'gru' && type !== 'lstm') p.add('rcnn_lens.rnn.type', `must be "gru" or "lstm", got ${JSON.stringify(type)}`);
      if (!isPositiveInt(hs)) p.add('rcnn_lens.rnn.hidden_size', `must be a positive integer, got ${JSON.stringify(hs)}`);
      if (layers !== undefined && !isPositiveInt(layers)) p.add('rcnn_lens.rnn.layers', 'must be a positive integer');
      if (typeof bidirectional !== 'boolean') p.add('rcnn_lens.rnn.bidirectional', 'must be true or false');
      rnn = {
        type: type === 'lstm' ? 'lstm' : 'gru',
        hiddenSize: isPositiveInt(hs) ? hs : 0,
        layers: isPositiveInt(layers) ? layers : 1,
        bidirectional: bidirectional === true,
      };
    }
  }

  const head = meta('head');
  let headType: HeadType = 'final';
  if (head === undefined) p.add('rcnn_lens.head', 'missing ("final" or "attention")');
  else if (head !== 'final' && head !== 'attention') p.add('rcnn_lens.head', `must be "final" or "attention", got ${JSON.stringify(head)}`);
  else headType = head;

  let card: Record<string, unknown> = {};
  const cardRaw = meta('model_card');
  if (cardRaw !== undefined) {
    try {
      const parsed: unknown = JSON.parse(cardRaw);
      if (isObject(parsed)) card = parsed;
      else p.add('rcnn_lens.model_card', 'must be a JSON object');
    } catch {
      p.add('rcnn_lens.model_card', 'is not valid JSON');
    }
  }

  const quantization = readPrecision(meta('quantization'));
  if (quantization.problem) p.add('rcnn_lens.quantization', quantization.problem);

  // Graph signature.
  const K = labelList.length;
  const L = gridMN[0] * gridMN[1];
  const { images, stepMask } = splitInputs(inputs);
  if (images.length !== 1) {
    p.add('inputs', `the model must have exactly one image input${stepMask ? ' besides step_mask' : ''}, it has ${images.length}`);
  }
  if (stepMask) checkStepMask((w, m) => p.add(w, m), stepMask, L, version, meta('ablation'));
  const input = images[0];
  if (input) {
    if (input.type !== 'float32') p.add(`input "${input.name}"`, `must be float32, is ${input.type}`);
    const s = input.shape;
    if (s.length !== 4) p.add(`input "${input.name}"`, `must have shape [batch, C, H, W], has rank ${s.length}`);
    else {
      if (!isDynamic(s[0])) p.add(`input "${input.name}"`, `the batch axis must be dynamic, it is fixed at ${s[0]}`);
      const expect: Array<[number | string, number, string]> = [
        [s[1], channels, 'C'],
        [s[2], height, 'H'],
        [s[3], width, 'W'],
      ];
      for (const [actual, wanted, axis] of expect) {
        if (wanted && actual !== wanted) p.add(`input "${input.name}"`, `${axis} is ${actual} but rcnn_lens.input says ${wanted}`);
      }
    }
  }

  const byName = new Map(outputs.map((o) => [o.name, o]));
  const checkOutput = (name: string, dims: Array<number | null>, required: boolean): boolean => {
    const o = byName.get(name);
    if (!o) {
      if (required) p.add(`output "${name}"`, 'missing (required)');
      return false;
    }
    if (o.type !== 'float32') p.add(`output "${name}"`, `must be float32, is ${o.type}`);
    if (o.shape.length !== dims.length) {
      p.add(`output "${name}"`, `must have rank ${dims.length}, has rank ${o.shape.length}`);
      return false;
    }
    dims.forEach((want, i) => {
      const got = o.shape[i];
      if (want !== null && want > 0 && typeof got === 'number' && got !== want) {
        p.add(`output "${name}"`, `axis ${i} is ${got}, expected ${want}`);
      }
    });
    return true;
  };
  checkOutput('logits', [null, K], true);
  const hasHidden = checkOutput('hidden', [null, L, null], false);
  const hasStepLogits = checkOutput('step_logits', [null, L, K], false);
  const hasAttention = checkOutput('attention', [null, L], headType === 'attention');
  const gates = checkGates((w, m) => p.add(w, m), byName.get(GATES_OUTPUT), L, rnn, version);

  let hiddenWidth: number | undefined;
  if (hasHidden) {
    const d = byName.get('hidden')!.shape[2];
    if (typeof d === 'number' && d > 0) {
      hiddenWidth = d;
      const expected = rnn.hiddenSize * (rnn.bidirectional ? 2 : 1);
      if (rnn.hiddenSize && d !== expected) {
        p.add('output "hidden"', `width is ${d}, but rcnn_lens.rnn implies ${expected}`);
      }
    }
  }

  if (p.items.length) throw new ModelContractError(modelPath, p.items);

  return {
    name,
    labels: labelList,
    grid: gridMN,
    timesteps: L,
    scanOrder,
    input: { name: input!.name, channels, height, width, color },
    preprocess: { resize, mean, std },
    rnn,
    head: headType,
    hiddenWidth,
    outputs: { hidden: hasHidden, stepLogits: hasStepLogits, attention: hasAttention },
    stepMask: stepMask !== undefined,
    gates,
    card,
    precision: quantization.precision,
  };
}

/** What one warm-up run of batch 1 returned, as flat arrays. */
export interface WarmUpOutputs {
  logits: ArrayLike<number>;
  hidden?: ArrayLike<number>;
  stepLogits?: ArrayLike<number>;
  attention?: ArrayLike<number>;
  gates?: ArrayLike<number>;
}

/**
 * Checks the sizes of what a batch-1 run really returned. The declared shapes may use
 * symbolic dims for K and L, which validateContract cannot compare; a model whose outputs
 * do not have K logits, L×D hidden values, L×K step logits or L attention weights would
 * otherwise be read out of bounds. Returns the hidden width D the run showed, filling in
 * a symbolic one; throws ModelContractError naming each output that is wrong.
 */
export function checkWarmUpOutputs(modelPath: string, info: ModelInfo, out: WarmUpOutputs): number | undefined {
  const p = new ProblemList();
  const K = info.labels.length;
  const L = info.timesteps;
  const where = (name: string) => `output "${name}"`;
  if (out.logits.length !== K) p.add(where('logits'), `has ${out.logits.length} values for one image, expected K = ${K} (one per label)`);
  let width = info.hiddenWidth;
  if (out.hidden) {
    const n = out.hidden.length;
    if (width !== undefined) {
      if (n !== L * width) p.add(where('hidden'), `has ${n} values for one image, expected L × D = ${L} × ${width} = ${L * width}`);
    } else if (n === 0 || n % L !== 0) {
      p.add(where('hidden'), `has ${n} values for one image, not a multiple of L = ${L} timesteps`);
    } else {
      width = n / L;
      const expected = info.rnn.hiddenSize * (info.rnn.bidirectional ? 2 : 1);
      if (info.rnn.hiddenSize && width !== expected) p.add(where('hidden'), `width is ${width}, but rcnn_lens.rnn implies ${expected}`);
    }
  }
  if (out.stepLogits && out.stepLogits.length !== L * K) {
    p.add(where('step_logits'), `has ${out.stepLogits.length} values for one image, expected L × K = ${L} × ${K} = ${L * K}`);
  }
  if (out.attention && out.attention.length !== L) {
    p.add(where('attention'), `has ${out.attention.length} values for one image, expected L = ${L} (one per timestep)`);
  }
  if (out.gates && info.gates && out.gates.length !== L * info.gates.width) {
    p.add(where('gates'), `has ${out.gates.length} values for one image, expected L × G = ${L} × ${info.gates.width} = ${L * info.gates.width}`);
  }
  if (p.items.length) throw new ModelContractError(modelPath, p.items);
  return width;
}

/**
 * Checks the length of every output of a run of `batch` images against batch × its size per
 * image (K logits, L×D hidden values, L×K step logits, L attention weights). A model whose
 * output ignores the batch (`logits` always [1, K]) passes a batch-1 warm-up; without this
 * check a larger batch would spread one image's values over several files. Throws
 * ModelContractError, which stops a run before anything is written.
 */
export function checkBatchOutputs(modelPath: string, info: ModelInfo, out: WarmUpOutputs, batch: number): void {
  const p = new ProblemList();
  const K = info.labels.length;
  const L = info.timesteps;
  const expect = (name: string, got: ArrayLike<number> | undefined, perImage: number | undefined, what: string) => {
    if (!got || perImage === undefined || got.length === batch * perImage) return;
    p.add(`output "${name}"`, `has ${got.length} values for a batch of ${batch}, expected ${batch} × ${what} = ${batch * perImage}`);
  };
  if (!out.logits) p.add('output "logits"', 'is missing from the run');
  expect('logits', out.logits, K, `K (${K})`);
  expect('hidden', out.hidden, info.hiddenWidth === undefined ? undefined : L * info.hiddenWidth, `L × D (${L} × ${info.hiddenWidth})`);
  expect('step_logits', out.stepLogits, L * K, `L × K (${L} × ${K})`);
  expect('attention', out.attention, L, `L (${L})`);
  expect('gates', out.gates, info.gates ? L * info.gates.width : undefined, `L × G (${L} × ${info.gates?.width})`);
  if (p.items.length) throw new ModelContractError(modelPath, p.items);
}

/** Which views of the panel a model cannot feed, with the reason, for the panel's notice. */
export function missingViews(info: ModelInfo): string[] {
  const out: string[] = [];
  if (!info.outputs.hidden) out.push('hidden-state heatmaps (the model has no "hidden" output)');
  if (!info.outputs.stepLogits) out.push('running prediction and class evidence (no "step_logits" output)');
  if (!info.outputs.attention) out.push('attention map (no "attention" output)');
  return out;
}
