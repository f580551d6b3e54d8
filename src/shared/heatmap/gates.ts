/**
 * Per-step summaries of the contract v2 `gates` output [L, G] (docs/model-contract.md):
 * G = hidden_size × directions × (1 for GRU, 2 for LSTM), one block per direction (forward
 * first), each block the GRU's update gate z, or the LSTM's input gate i then forget gate f.
 * Browser-safe, pure: the panel's "gate: write" and "gate saturation" views.
 */

/** How the gates of one step are laid out (ModelInfo.gates plus the RNN's direction count). */
export interface GateLayout {
  kind: 'gru_update' | 'lstm_input_forget';
  /** G, values per step. */
  width: number;
  directions: 1 | 2;
}

/** A gate value below this or above 1 − this counts as saturated (the gate is shut or open). */
export const SATURATION_MARGIN = 0.05;

/** hidden_size, or undefined when G does not split into the layout's blocks. */
export function gateUnits(layout: GateLayout): number | undefined {
  const perDirection = layout.kind === 'gru_update' ? 1 : 2;
  const units = layout.width / (layout.directions * perDirection);
  return Number.isInteger(units) && units > 0 ? units : undefined;
}

function checked(gates: ArrayLike<number>, steps: number, layout: GateLayout, directions: readonly number[]): number | undefined {
  const units = gateUnits(layout);
  if (units === undefined || gates.length !== steps * layout.width) return undefined;
  if (!directions.length || directions.some((d) => !Number.isInteger(d) || d < 0 || d >= layout.directions)) return undefined;
  return units;
}

/**
 * How much new content each step wrote: the mean over units (of the chosen directions) of
 * 1 − z for a GRU (h = (1 − z)·n + z·h_prev), of i for an LSTM. 0 = kept the state, 1 = overwrote it.
 * Undefined when the array or layout does not fit.
 */
export function gateWrite(gates: ArrayLike<number>, steps: number, layout: GateLayout, directions: readonly number[]): Float32Array | undefined {
  const units = checked(gates, steps, layout, directions);
  if (units === undefined) return undefined;
  const gru = layout.kind === 'gru_update';
  const block = gru ? units : 2 * units;
  const out = new Float32Array(steps);
  for (let t = 0; t < steps; t++) {
    let sum = 0;
    for (const d of directions) {
      const start = t * layout.width + d * block;
      // The write gate is the block's first `units` values: z (GRU) or i (LSTM).
      for (let u = 0; u < units; u++) sum += gru ? 1 - gates[start + u] : gates[start + u];
    }
    out[t] = sum / (units * directions.length);
  }
  return out;
}

/**
 * The share of gate values (of the chosen directions: z for a GRU, i and f for an LSTM) at
 * each step that are below SATURATION_MARGIN or above 1 − SATURATION_MARGIN: 1 = every gate
 * was shut or fully open (the RNN acted like a switch), 0 = every gate was in between.
 */
export function gateSaturation(gates: ArrayLike<number>, steps: number, layout: GateLayout, directions: readonly number[]): Float32Array | undefined {
  const units = checked(gates, steps, layout, directions);
  if (units === undefined) return undefined;
  const block = layout.kind === 'gru_update' ? units : 2 * units;
  const out = new Float32Array(steps);
  for (let t = 0; t < steps; t++) {
    let saturated = 0;
    for (const d of directions) {
      const start = t * layout.width + d * block;
      for (let j = 0; j < block; j++) {
        const g = gates[start + j];
        if (g < SATURATION_MARGIN || g > 1 - SATURATION_MARGIN) saturated++;
      }
    }
    out[t] = saturated / (block * directions.length);
  }
  return out;
}
