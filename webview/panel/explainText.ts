/** Words for the explanation views (legend, readout, explainer): what they mean and what they do not. */
import { type ExplainedKind, isExplainedKind, type QuantityKind } from '../../src/shared/heatmap/quantities';

/** Same fields as quantityText's QuantityWords (kept apart so the two files do not import each other). */
export interface ExplainedWords {
  name: string;
  symbol: string;
  units: string;
  high: string;
}

export function explainedWords(kind: ExplainedKind, label: string | undefined): ExplainedWords {
  const cls = label === undefined ? 'the predicted class' : `“${label}”`;
  switch (kind) {
    case 'occlusion':
      return {
        name: `drop in p(${label ?? 'class'}) when this cell's pixels are replaced by the mean colour`,
        symbol: 'Δp occluded',
        units: 'probability (0…1)',
        high: `hiding this region alone lowers the probability of ${cls}`,
      };
    case 'ablation':
      return {
        name: `drop in p(${label ?? 'class'}) when the RNN skips this step alone`,
        symbol: 'Δp ablated',
        units: 'probability (0…1)',
        high: `the RNN needed to read this step to predict ${cls}`,
      };
    case 'deep':
      return {
        name: `probability of ${cls} this cell adds (random-mask regression)`,
        symbol: 'w (deep)',
        units: 'probability (0…1), averaged over which other cells are there',
        high: `the prediction depends on this cell, alone or together with others`,
      };
  }
}

/** The legend's line when the shown quantity has no values (yet). */
export function missingQuantityText(kind: QuantityKind): string {
  if (!isExplainedKind(kind)) return 'This model returns no per-step outputs to map.';
  return 'Computed on demand by extra model runs: see “Which view points at what the prediction depends on?” for progress.';
}
