/**
 * The RCNN Lens model contract (docs/model-contract.md): what a model file must carry
 * and how we check it. Validation collects every problem instead of stopping at the
 * first, so a model author sees the whole list at once.
 */
import { CONTRACT_VERSIONS, GATES_OUTPUT, checkGates, checkStepMask, splitInputs } from './contractV2';
import { readPrecision } from './quantization';
import { checkInput, checkOutputs, readCard, readGrid, readHead, readInput, readLabels, readPreprocess, readRnn, readScanOrder } from './contractChecks';
import { CONTRACT_VERSION, META_PREFIX, ModelContractError, type ModelInfo, ProblemList, type TensorSignature } from './contractTypes';
export type { GateKind, GatesInfo } from './contractV2';

export {
  CONTRACT_VERSION,
  META_PREFIX,
  MAX_INPUT_VALUES,
  MIN_STD,
  MAX_ABS_MEAN,
  ModelContractError,
  type ResizePolicy,
  type ColorMode,
  type RnnType,
  type HeadType,
  type OptionalOutput,
  type ModelInfo,
  type ContractProblem,
  type TensorSignature,
} from './contractTypes';

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
  const labels = readLabels(p, meta);
  const grid = readGrid(p, meta);
  const scanOrder = readScanOrder(p, meta);
  const shape = readInput(p, meta);
  const preprocess = readPreprocess(p, meta, shape.channels);
  const rnn = readRnn(p, meta);
  const head = readHead(p, meta);
  const card = readCard(p, meta);
  const quantization = readPrecision(meta('quantization'));
  if (quantization.problem) p.add('rcnn_lens.quantization', quantization.problem);

  // Graph signature.
  const L = grid[0] * grid[1];
  const { images, stepMask } = splitInputs(inputs);
  if (stepMask) checkStepMask((w, m) => p.add(w, m), stepMask, L, version, meta('ablation'));
  const input = checkInput(p, images, shape, stepMask !== undefined);
  const graph = checkOutputs(p, outputs, { K: labels.length, L, head, rnn });
  const gates = checkGates((w, m) => p.add(w, m), outputs.find((o) => o.name === GATES_OUTPUT), L, rnn, version);

  if (p.items.length) throw new ModelContractError(modelPath, p.items);

  return {
    name,
    labels,
    grid,
    timesteps: L,
    scanOrder,
    input: { name: input!.name, ...shape },
    preprocess,
    rnn,
    head,
    hiddenWidth: graph.hiddenWidth,
    outputs: graph.outputs,
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
