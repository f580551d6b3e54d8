/**
 * What contract version 2 adds (docs/model-contract.md): the optional `step_mask` input, with the
 * `rcnn_lens.ablation` metadata that says what a masked step reads, and the optional `gates` output.
 * contract.ts calls these while it validates a model; a version 1 file has neither tensor.
 */
/** One graph input or output as the runtime reports it (contract.ts's TensorSignature has this shape). */
interface TensorSignature {
  name: string;
  type: string;
  shape: ReadonlyArray<number | string>;
}

export const CONTRACT_VERSIONS = ['1', '2'] as const;
export const STEP_MASK_INPUT = 'step_mask';
export const GATES_OUTPUT = 'gates';

/** gru_update: per direction the update gate z; lstm_input_forget: per direction the input gate i, then the forget gate f. */
export type GateKind = 'gru_update' | 'lstm_input_forget';

export interface GatesInfo {
  kind: GateKind;
  /** G, the last axis of `gates` [batch, L, G]: hidden_size × directions × (1 for GRU, 2 for LSTM). */
  width: number;
}

type AddProblem = (where: string, message: string) => void;

const isDynamic = (d: number | string): boolean => typeof d === 'string' || d < 0;

/** The image input(s) and the step_mask input, told apart by name. */
export function splitInputs(inputs: readonly TensorSignature[]): { images: TensorSignature[]; stepMask?: TensorSignature } {
  return {
    images: inputs.filter((i) => i.name !== STEP_MASK_INPUT),
    stepMask: inputs.find((i) => i.name === STEP_MASK_INPUT),
  };
}

/** Checks a step_mask input (float32 [batch, L], version 2 only) and its rcnn_lens.ablation metadata. */
export function checkStepMask(add: AddProblem, sig: TensorSignature, L: number, version: string | undefined, ablation: string | undefined): void {
  const where = `input "${STEP_MASK_INPUT}"`;
  if (version !== '2') add(where, `needs rcnn_lens.contract "2" (the file says ${JSON.stringify(version ?? null)})`);
  if (sig.type !== 'float32') add(where, `must be float32, is ${sig.type}`);
  if (sig.shape.length !== 2) add(where, `must have shape [batch, L], has rank ${sig.shape.length}`);
  else {
    if (!isDynamic(sig.shape[0])) add(where, `the batch axis must be dynamic, it is fixed at ${sig.shape[0]}`);
    const steps = sig.shape[1];
    if (typeof steps === 'number' && steps > 0 && L > 0 && steps !== L) add(where, `has ${steps} steps, the grid has L = ${L}`);
  }
  checkAblation(add, ablation);
}

function checkAblation(add: AddProblem, raw: string | undefined): void {
  const where = 'rcnn_lens.ablation';
  if (raw === undefined) {
    add(where, 'missing: a model with a step_mask input must say what a masked step reads');
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    add(where, 'is not valid JSON');
    return;
  }
  const neutral = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>).neutral : undefined;
  if (typeof neutral !== 'string' || !neutral) add(where, 'must be a JSON object with a non-empty string "neutral"');
}

/** The kind and width `gates` must have for this RNN. */
export function expectedGates(rnn: { type: 'gru' | 'lstm'; hiddenSize: number; bidirectional: boolean }): GatesInfo {
  const perDirection = rnn.type === 'gru' ? 1 : 2;
  return {
    kind: rnn.type === 'gru' ? 'gru_update' : 'lstm_input_forget',
    width: rnn.hiddenSize * (rnn.bidirectional ? 2 : 1) * perDirection,
  };
}

/**
 * Checks the gates output of a version 2 model (float32 [batch, L, G]); null when there is none,
 * when the file is version 1 (whose other outputs are ignored) or when it is malformed (a problem added).
 */
export function checkGates(
  add: AddProblem,
  sig: TensorSignature | undefined,
  L: number,
  rnn: { type: 'gru' | 'lstm'; hiddenSize: number; bidirectional: boolean },
  version: string | undefined,
): GatesInfo | null {
  if (!sig || version !== '2') return null;
  const where = `output "${GATES_OUTPUT}"`;
  const want = expectedGates(rnn);
  const found: string[] = [];
  if (sig.type !== 'float32') found.push(`must be float32, is ${sig.type}`);
  if (sig.shape.length !== 3) found.push(`must have shape [batch, L, G], has rank ${sig.shape.length}`);
  else {
    const [, steps, width] = sig.shape;
    if (typeof steps === 'number' && steps > 0 && L > 0 && steps !== L) found.push(`axis 1 is ${steps}, expected L = ${L}`);
    if (typeof width === 'number' && width > 0 && rnn.hiddenSize && width !== want.width) {
      found.push(`axis 2 is ${width}, but rcnn_lens.rnn implies G = ${want.width} (${want.kind})`);
    }
  }
  found.forEach((message) => add(where, message));
  return found.length ? null : want;
}
