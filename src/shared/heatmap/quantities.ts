/**
 * Per-timestep scalars derived from the RNN's outputs, one value per timestep t = 0…L-1
 * in scan order. These are what the heatmap paints onto the grid.
 *
 * Layouts follow the model contract: `hidden` is [L × D] and `stepLogits` [L × K],
 * row-major and timestep-major; for a bidirectional RNN the first D/2 columns of
 * `hidden` are the forward direction and the last D/2 the backward one.
 */
import { gateSaturation, gateWrite, type GateLayout } from './gates';

/** Views computed on demand by extra model runs (src/core/explain), painted like the others. */
export type ExplainedKind = 'occlusion' | 'ablation' | 'deep';

/** Views of the contract v2 `gates` output (gates.ts). */
export type GateQuantityKind = 'gateWrite' | 'gateSaturation';

export type QuantityKind = 'norm' | 'change' | 'evidence' | 'unit' | 'attention' | GateQuantityKind | ExplainedKind;

export const QUANTITY_KINDS: readonly QuantityKind[] = [
  'norm',
  'change',
  'evidence',
  'unit',
  'attention',
  'gateWrite',
  'gateSaturation',
  'occlusion',
  'ablation',
  'deep',
];

export function isExplainedKind(kind: QuantityKind): kind is ExplainedKind {
  return kind === 'occlusion' || kind === 'ablation' || kind === 'deep';
}

export function isQuantityKind(v: unknown): v is QuantityKind {
  return typeof v === 'string' && (QUANTITY_KINDS as readonly string[]).includes(v);
}

/** Which half of a bidirectional hidden state to look at. */
export type Direction = 'both' | 'forward' | 'backward';

export const DIRECTIONS: readonly Direction[] = ['both', 'forward', 'backward'];

export function isDirection(v: unknown): v is Direction {
  return typeof v === 'string' && (DIRECTIONS as readonly string[]).includes(v);
}

/** Which model outputs a quantity needs. */
export interface AvailableOutputs {
  hidden: boolean;
  stepLogits: boolean;
  attention: boolean;
  /** Explanations by extra runs: any model can give them. */
  explanation?: boolean;
  /** The `step_mask` input (contract v2) that timestep ablation needs. */
  stepMask?: boolean;
  /** The `gates` output (contract v2) with the length its layout says. */
  gates?: boolean;
}

export function quantityNeeds(kind: QuantityKind): keyof AvailableOutputs {
  switch (kind) {
    case 'norm':
    case 'change':
    case 'unit':
      return 'hidden';
    case 'evidence':
      return 'stepLogits';
    case 'attention':
      return 'attention';
    case 'occlusion':
    case 'deep':
      return 'explanation';
    case 'ablation':
      return 'stepMask';
    case 'gateWrite':
    case 'gateSaturation':
      return 'gates';
  }
}

export function isQuantityAvailable(kind: QuantityKind, outputs: AvailableOutputs): boolean {
  return !!outputs[quantityNeeds(kind)];
}

/** Column range [start, end) of `hidden` that belongs to a direction. */
export function directionColumns(width: number, direction: Direction, bidirectional: boolean): { start: number; end: number } {
  if (!bidirectional || direction === 'both') return { start: 0, end: width };
  const half = Math.floor(width / 2);
  return direction === 'forward' ? { start: 0, end: half } : { start: half, end: width };
}

/** ‖h_t‖ over the columns [start, end) of each row. */
export function hiddenNorms(hidden: ArrayLike<number>, steps: number, width: number, start = 0, end = width): Float32Array {
  const out = new Float32Array(steps);
  for (let t = 0; t < steps; t++) {
    let sum = 0;
    for (let d = start; d < end; d++) {
      const v = hidden[t * width + d];
      sum += v * v;
    }
    out[t] = Math.sqrt(sum);
  }
  return out;
}

/**
 * How much reading cell t changed the state: ‖h_t − h_prev‖ over the columns
 * [start, end). The previous state is the one the RNN held just before reading t:
 * h_{t−1} when reading forwards, h_{t+1} for the backward half of a bidirectional RNN
 * (it reads L…1). The initial state is zero, so the first step read yields ‖h‖.
 */
export function hiddenChanges(
  hidden: ArrayLike<number>,
  steps: number,
  width: number,
  start = 0,
  end = width,
  readsBackward = false,
): Float32Array {
  const out = new Float32Array(steps);
  for (let t = 0; t < steps; t++) {
    const prev = readsBackward ? t + 1 : t - 1;
    const hasPrev = prev >= 0 && prev < steps;
    let sum = 0;
    for (let d = start; d < end; d++) {
      const diff = hidden[t * width + d] - (hasPrev ? hidden[prev * width + d] : 0);
      sum += diff * diff;
    }
    out[t] = Math.sqrt(sum);
  }
  return out;
}

/** The value of one hidden unit (column) at every timestep. */
export function hiddenUnit(hidden: ArrayLike<number>, steps: number, width: number, unit: number): Float32Array {
  const out = new Float32Array(steps);
  if (unit < 0 || unit >= width) return out;
  for (let t = 0; t < steps; t++) out[t] = hidden[t * width + unit];
  return out;
}

/** The step logit of class k at every timestep: the evidence for k after reading up to t. */
export function classEvidence(stepLogits: ArrayLike<number>, steps: number, classes: number, k: number): Float32Array {
  const out = new Float32Array(steps);
  if (k < 0 || k >= classes) return out;
  for (let t = 0; t < steps; t++) out[t] = stepLogits[t * classes + k];
  return out;
}

/** What the panel asks for. */
export interface QuantitySpec {
  kind: QuantityKind;
  direction: Direction;
  classIndex: number;
  unit: number;
}

/** The outputs of one classification, with their sizes. */
export interface SequenceData {
  steps: number;
  classes: number;
  hiddenWidth: number;
  bidirectional: boolean;
  hidden?: ArrayLike<number>;
  stepLogits?: ArrayLike<number>;
  attention?: ArrayLike<number>;
  /** Explanation scores [L] once computed (the panel asks for them on demand). */
  explained?: Partial<Record<ExplainedKind, Float32Array>>;
  /** Contract v2 `gates` [L × G] with its layout. */
  gates?: { values: ArrayLike<number>; layout: GateLayout };
}

/** The directions (0 forward, 1 backward) a Direction selects among a layout's. */
export function gateDirections(direction: Direction, directions: 1 | 2): number[] {
  if (directions === 1 || direction === 'both') return directions === 1 ? [0] : [0, 1];
  return direction === 'forward' ? [0] : [1];
}

/** The per-timestep values of a quantity, or undefined when the model lacks the output it needs. */
export function computeQuantity(spec: QuantitySpec, data: SequenceData): Float32Array | undefined {
  const { steps } = data;
  switch (spec.kind) {
    case 'norm':
    case 'change': {
      if (!data.hidden) return undefined;
      const { start, end } = directionColumns(data.hiddenWidth, spec.direction, data.bidirectional);
      if (spec.kind === 'norm') return hiddenNorms(data.hidden, steps, data.hiddenWidth, start, end);
      if (data.bidirectional && spec.direction === 'both') {
        // Each half against the state its own RNN held before reading t: the forward
        // half against h_{t−1}, the backward half against h_{t+1}; then combined.
        const half = Math.floor(data.hiddenWidth / 2);
        const fwd = hiddenChanges(data.hidden, steps, data.hiddenWidth, 0, half, false);
        const bwd = hiddenChanges(data.hidden, steps, data.hiddenWidth, half, data.hiddenWidth, true);
        const out = new Float32Array(steps);
        for (let t = 0; t < steps; t++) out[t] = Math.sqrt(fwd[t] * fwd[t] + bwd[t] * bwd[t]);
        return out;
      }
      const backward = data.bidirectional && spec.direction === 'backward';
      return hiddenChanges(data.hidden, steps, data.hiddenWidth, start, end, backward);
    }
    case 'unit':
      return data.hidden ? hiddenUnit(data.hidden, steps, data.hiddenWidth, spec.unit) : undefined;
    case 'evidence':
      return data.stepLogits ? classEvidence(data.stepLogits, steps, data.classes, spec.classIndex) : undefined;
    case 'attention':
      return data.attention ? Float32Array.from({ length: steps }, (_, t) => data.attention![t]) : undefined;
    case 'gateWrite':
    case 'gateSaturation': {
      if (!data.gates) return undefined;
      const { values, layout } = data.gates;
      const directions = gateDirections(spec.direction, layout.directions);
      return (spec.kind === 'gateWrite' ? gateWrite : gateSaturation)(values, steps, layout, directions);
    }
    case 'occlusion':
    case 'ablation':
    case 'deep': {
      const values = data.explained?.[spec.kind];
      return values && values.length === steps ? values : undefined;
    }
  }
}
