/**
 * One classification result with its sizes worked out and its derived arrays computed
 * lazily and cached, so scrubbing only repaints and never recomputes norms or softmaxes.
 * The per-step outputs arrive as Float32Array (VS Code rebuilds the host's typed arrays
 * in the webview) and are read in place, never copied.
 */
import type { ClassifyResultView } from '../../src/shared/protocol';
import type { GridShape } from '../../src/shared/heatmap/gridMapping';
import { timestepsToGrid } from '../../src/shared/heatmap/gridMapping';
import { finiteRange, normalizeToUnit, type ValueRange } from '../../src/shared/heatmap/normalize';
import {
  computeQuantity,
  type ExplainedKind,
  isExplainedKind,
  isQuantityAvailable,
  type AvailableOutputs,
  type QuantityKind,
  type QuantitySpec,
  type SequenceData,
} from '../../src/shared/heatmap/quantities';
import { stepProbabilities } from '../../src/shared/heatmap/stepPredictions';
import { gateUnits, type GateLayout } from '../../src/shared/heatmap/gates';

/** The `gates` output with its layout, when the model declares one and it arrived with L × G values. */
function gateData(result: ClassifyResultView, steps: number): SequenceData['gates'] {
  const declared = result.model.gates;
  if (!declared || !result.gates) return undefined;
  const layout: GateLayout = { ...declared, directions: result.model.rnn.bidirectional ? 2 : 1 };
  if (gateUnits(layout) === undefined || result.gates.length !== steps * layout.width) return undefined;
  return { values: result.gates, layout };
}

/** A quantity mapped onto the grid, scaled for the colormap, with its raw range for the legend. */
export interface GridQuantity {
  /** rows × cols, in [0, 1]. */
  grid: Float32Array;
  range: ValueRange | undefined;
  /** [L], per timestep, in the quantity's own units (for the hover readout). */
  values: Float32Array;
}

export class ResultModel {
  readonly steps: number;
  readonly classes: number;
  readonly hiddenWidth: number;
  readonly shape: GridShape;
  /** Which per-step outputs arrived with the right length (a truncated array counts as missing). */
  readonly outputs: AvailableOutputs;
  private readonly sequence: SequenceData;
  private readonly quantities = new Map<string, GridQuantity | undefined>();
  private probs: Float32Array | undefined;
  /** The class the explanation views are about (the top prediction). */
  explainedClass: number | undefined;

  constructor(readonly result: ClassifyResultView) {
    const { model } = result;
    const [rows, cols] = model.grid;
    this.steps = rows * cols;
    this.classes = model.labels.length;
    this.shape = { rows, cols, order: model.scanOrder };
    const hiddenWidth = model.hiddenWidth ?? (result.hidden ? Math.floor(result.hidden.length / Math.max(1, this.steps)) : 0);
    this.hiddenWidth = hiddenWidth;
    this.outputs = {
      hidden: !!result.hidden && hiddenWidth > 0 && result.hidden.length === this.steps * hiddenWidth,
      stepLogits: !!result.stepLogits && this.classes > 0 && result.stepLogits.length === this.steps * this.classes,
      attention: !!result.attention && result.attention.length === this.steps,
    };
    const gates = gateData(result, this.steps);
    this.sequence = {
      steps: this.steps,
      classes: this.classes,
      hiddenWidth,
      bidirectional: model.rnn.bidirectional,
      hidden: this.outputs.hidden ? result.hidden : undefined,
      stepLogits: this.outputs.stepLogits ? result.stepLogits : undefined,
      attention: this.outputs.attention ? result.attention : undefined,
      gates,
    };
  }

  get bidirectional(): boolean {
    return this.result.model.rnn.bidirectional;
  }

  /** True when the contract v2 `gates` output arrived with the length its layout says. */
  get hasGates(): boolean {
    return !!this.sequence.gates;
  }

  /** True when anything can be shown per timestep (the scrubber is useful). */
  get hasSequence(): boolean {
    return this.outputs.hidden || this.outputs.stepLogits || this.outputs.attention;
  }

  isAvailable(kind: QuantityKind): boolean {
    // Explanations come from extra runs, not outputs: any model gives them (ablation needs step_mask).
    return isQuantityAvailable(kind, {
      ...this.outputs,
      explanation: true,
      stepMask: !!this.result.model.inputs?.stepMask,
      gates: this.hasGates,
    });
  }

  /** The quantity on the grid, normalised over all timesteps; undefined when the model cannot feed it. */
  gridQuantity(spec: QuantitySpec): GridQuantity | undefined {
    const key = `${spec.kind}|${spec.direction}|${spec.kind === 'evidence' ? spec.classIndex : ''}|${spec.kind === 'unit' ? spec.unit : ''}`;
    if (!this.quantities.has(key)) {
      const values = computeQuantity(spec, this.sequence);
      const range = values && finiteRange(values);
      this.quantities.set(key, values && { grid: timestepsToGrid(normalizeToUnit(values, range), this.shape), range, values });
    }
    return this.quantities.get(key);
  }

  /** Paints the explanation views once they arrive (computed on demand, so they come later than the result). */
  setExplained(explained: Partial<Record<ExplainedKind, Float32Array>>, classIndex: number): void {
    this.sequence.explained = explained;
    this.explainedClass = classIndex;
    for (const key of [...this.quantities.keys()]) if (isExplainedKind(key.split('|')[0] as QuantityKind)) this.quantities.delete(key);
  }

  /** [L × K] softmax of step_logits, or undefined without them. */
  stepProbabilities(): Float32Array | undefined {
    if (!this.sequence.stepLogits) return undefined;
    this.probs ??= stepProbabilities(this.sequence.stepLogits, this.steps, this.classes);
    return this.probs;
  }
}
