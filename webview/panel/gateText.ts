/** Words for the gate views (legend, readout, explainer): what they mean and what they do not. */
import type { GateQuantityKind } from '../../src/shared/heatmap/quantities';

/** Same fields as quantityText's QuantityWords (kept apart so the two files do not import each other). */
export interface GateWords {
  name: string;
  symbol: string;
  units: string;
  high: string;
}

/** `rnnType` picks the gate's name: GRU update gate z, LSTM input gate i (and forget gate f). */
export function gateWords(kind: GateQuantityKind, rnnType: 'gru' | 'lstm', direction: string): GateWords {
  const gru = rnnType === 'gru';
  if (kind === 'gateWrite') {
    return {
      name: `gate: write, mean over units of ${gru ? '1 − z (GRU update gate)' : 'i (LSTM input gate)'}${direction}`,
      symbol: gru ? 'mean(1 − z)' : 'mean(i)',
      units: 'gate value (0 = kept the state, 1 = wrote new content)',
      high: 'reading this cell replaced much of the RNN’s state (not: that the cell mattered for the answer)',
    };
  }
  return {
    name: `gate saturation, share of ${gru ? 'update gates z' : 'input and forget gates (i, f)'} below 0.05 or above 0.95${direction}`,
    symbol: 'saturated share',
    units: 'share of gate values (0…1)',
    high: 'at this cell most gates were shut or fully open: the RNN switched rather than blended',
  };
}
