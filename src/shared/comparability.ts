/**
 * What two classifications (two images with one model, or one image with two models)
 * have in common, so the compare panel offers only what both sides can show and says
 * plainly what cannot be compared. Pure and browser-safe.
 */
import type { ScanOrder } from '../core/model/scanOrder';
import { QUANTITY_KINDS, isExplainedKind, isQuantityAvailable, type AvailableOutputs, type QuantityKind, type QuantitySpec } from './heatmap/quantities';

/** The parts of a model (protocol.ts ModelView) that decide comparability. */
export interface ComparedModel {
  name: string;
  hash: string;
  labels: readonly string[];
  grid: readonly [number, number];
  scanOrder: ScanOrder;
  hiddenWidth?: number;
}

export interface ComparedSide {
  model: ComparedModel;
  /** Which per-step outputs arrived complete. */
  outputs: AvailableOutputs;
}

export interface Comparability {
  sameModel: boolean;
  sameGrid: boolean;
  sameLabels: boolean;
  /** Quantities both sides can show, in the panel's order. */
  quantities: QuantityKind[];
  /** Class names both models have, in A's order: the evidence quantity picks among these. */
  commonLabels: string[];
  /** Sentences for the user: what is not comparable, and why. */
  notes: string[];
}

const QUANTITY_WORDS: Record<QuantityKind, string> = {
  norm: 'the hidden-state norm',
  change: 'the change of the hidden state',
  evidence: 'class evidence',
  unit: 'one hidden unit',
  attention: 'attention',
  gateWrite: 'the gates\' write share',
  gateSaturation: 'gate saturation',
  occlusion: 'region occlusion',
  ablation: 'timestep ablation',
  deep: 'the deep explanation',
};

const gridText = (g: readonly [number, number]) => `${g[0]}×${g[1]}`;

export function compareSides(a: ComparedSide, b: ComparedSide): Comparability {
  const sameModel = a.model.hash === b.model.hash;
  const sameGrid = a.model.grid[0] === b.model.grid[0] && a.model.grid[1] === b.model.grid[1];
  const sameLabels = a.model.labels.length === b.model.labels.length && a.model.labels.every((l, i) => l === b.model.labels[i]);
  const inB = new Set(b.model.labels);
  const commonLabels = a.model.labels.filter((l) => inB.has(l));
  // The explanation views need extra model runs per side, which this panel does not make.
  const comparable = QUANTITY_KINDS.filter((k) => !isExplainedKind(k));
  const quantities = comparable.filter((k) => isQuantityAvailable(k, a.outputs) && isQuantityAvailable(k, b.outputs))
    .filter((k) => k !== 'evidence' || commonLabels.length > 0);
  const notes: string[] = [];
  if (!sameGrid) {
    notes.push(
      `The models read different grids (A ${gridText(a.model.grid)}, B ${gridText(b.model.grid)}): the scrubber moves both, ` +
        'a side with fewer timesteps stays at its last one, and there is no difference map.',
    );
  } else if (a.model.scanOrder !== b.model.scanOrder) {
    notes.push(`The models scan in different orders (A ${a.model.scanOrder}, B ${b.model.scanOrder}): at one timestep they have read different cells.`);
  }
  if (!sameLabels) {
    const onlyA = a.model.labels.filter((l) => !inB.has(l));
    const onlyB = b.model.labels.filter((l) => !a.model.labels.includes(l));
    const which = [onlyA.length ? `only A has ${listed(onlyA)}` : '', onlyB.length ? `only B has ${listed(onlyB)}` : ''].filter(Boolean).join('; ');
    notes.push(`The models have different classes${which ? ` (${which})` : ' (in another order)'}: classes are matched by name.`);
  }
  const oneSided = comparable.filter((k) => isQuantityAvailable(k, a.outputs) !== isQuantityAvailable(k, b.outputs));
  if (oneSided.length) notes.push(`Only one side can show ${oneSided.map((k) => QUANTITY_WORDS[k]).join(', ')}, so it is not offered.`);
  if (commonLabels.length === 0 && a.outputs.stepLogits && b.outputs.stepLogits) notes.push('The models share no class, so class evidence is not offered.');
  if (!sameModel && a.model.hiddenWidth !== b.model.hiddenWidth && quantities.some((k) => k === 'norm' || k === 'change')) {
    notes.push(`The hidden states differ in size (A ${a.model.hiddenWidth ?? '?'}, B ${b.model.hiddenWidth ?? '?'}), so their norms are on different footings.`);
  }
  return { sameModel, sameGrid, sameLabels, quantities, commonLabels, notes };
}

/** Why the difference map cannot be drawn for this quantity, or undefined when it can. */
export function differenceUnavailable(c: Comparability, spec: QuantitySpec): string | undefined {
  if (!c.sameGrid) return 'The two sides read different grids, so their cells do not line up.';
  if (!c.quantities.includes(spec.kind)) return 'Both sides must show this quantity.';
  if (spec.kind === 'unit' && !c.sameModel) return 'Hidden unit n of one model has nothing to do with unit n of another, so their difference means nothing.';
  return undefined;
}

/** A class's index on each side, matched by name; undefined when a side lacks it. */
export function classOnBothSides(label: string, a: ComparedModel, b: ComparedModel): { a: number; b: number } | undefined {
  const ia = a.labels.indexOf(label);
  const ib = b.labels.indexOf(label);
  return ia >= 0 && ib >= 0 ? { a: ia, b: ib } : undefined;
}

function listed(labels: string[]): string {
  const shown = labels.slice(0, 4).join(', ');
  return labels.length > 4 ? `${shown} and ${labels.length - 4} more` : shown;
}
