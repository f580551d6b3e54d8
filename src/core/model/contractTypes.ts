/** The model contract's names, limits and types (docs/model-contract.md), and the problem list validation fills. */
import type { ErrorCode } from '../../shared/errorCodes';
import type { GatesInfo } from './contractV2';
import type { ModelPrecision } from './quantization';
import type { ScanOrder } from './scanOrder';

/** The newest version this extension reads; it reads every version in CONTRACT_VERSIONS (contractV2.ts). */
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
  readonly errorCode: ErrorCode = 'model_contract';
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

export class ProblemList {
  readonly items: ContractProblem[] = [];
  add(where: string, message: string): void {
    this.items.push({ where, message });
  }
}

export function parseJson(problems: ProblemList, key: string, raw: string | undefined): unknown {
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

export function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const isDynamic = (d: number | string): boolean => typeof d === 'string' || d < 0;
