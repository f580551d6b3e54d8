/**
 * The user's view choices, persisted with setState so a window reload (or the panel
 * being re-created by its serializer) comes back to the same view. Anything read back
 * is validated: state from an older version or another model must not break the panel.
 */
import type { PanelPersistedState, PanelSettingsView } from '../../src/shared/protocol';
import { isColormapName, type ColormapName } from '../../src/shared/heatmap/colormaps';
import { isDirection, isExplainedKind, isQuantityKind, QUANTITY_KINDS, type Direction, type QuantityKind, type QuantitySpec } from '../../src/shared/heatmap/quantities';
import type { ResultModel } from './resultModel';

export interface PanelUiState {
  /** 1-based, 1…L. */
  timestep: number;
  quantity: QuantityKind;
  direction: Direction;
  /** Class for the evidence quantity. */
  classIndex: number;
  /** Hidden unit for the unit quantity, 0…D-1. */
  unit: number;
  colormap: ColormapName;
  opacity: number;
  threshold: number;
  showScanOrder: boolean;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const intIn = (v: unknown, lo: number, hi: number): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? v : undefined;
const unitNumber = (v: unknown): number | undefined => (typeof v === 'number' && v >= 0 && v <= 1 ? v : undefined);

/** The view a fresh result starts with: the whole sequence revealed, the top class, the user's settings. */
export function defaultUiState(model: ResultModel, settings: PanelSettingsView): PanelUiState {
  return {
    timestep: Math.max(1, model.steps),
    // Explanations cost extra model runs: never the default, only on request.
    quantity: QUANTITY_KINDS.find((k) => model.isAvailable(k) && !isExplainedKind(k)) ?? 'norm',
    direction: 'both',
    classIndex: model.result.top[0]?.index ?? 0,
    unit: 0,
    colormap: isColormapName(settings.colormap) ? settings.colormap : 'viridis',
    opacity: unitNumber(settings.opacity) ?? 0.6,
    threshold: unitNumber(settings.threshold) ?? 0,
    showScanOrder: false,
  };
}

/**
 * Merges saved choices into the defaults, keeping only values that are valid for this
 * model. `sameImage` false keeps the look (quantity, colormap, …) but not the position
 * in time or the class, which belong to the previous image. The class is kept only when
 * it names the same label in this model (the saved `classLabel`, or `savedLabels`, the
 * labels of the model the choices were made with): index 3 of another model is another class.
 */
export function restoreUiState(
  base: PanelUiState,
  saved: unknown,
  model: ResultModel,
  sameImage: boolean,
  savedLabels?: readonly string[],
): PanelUiState {
  if (!saved || typeof saved !== 'object') return base;
  const s = saved as Record<string, unknown>;
  const quantity = isQuantityKind(s.quantity) && model.isAvailable(s.quantity) ? s.quantity : base.quantity;
  const savedClass = sameImage ? intIn(s.classIndex, 0, model.classes - 1) : undefined;
  const savedLabel = typeof s.classLabel === 'string' ? s.classLabel : savedClass !== undefined ? savedLabels?.[savedClass] : undefined;
  const sameClass = savedClass !== undefined && savedLabel !== undefined && model.result.model.labels[savedClass] === savedLabel;
  return {
    timestep: (sameImage && intIn(s.timestep, 1, model.steps)) || base.timestep,
    quantity,
    direction: isDirection(s.direction) ? s.direction : base.direction,
    classIndex: sameClass ? savedClass : base.classIndex,
    unit: intIn(s.unit, 0, Math.max(0, model.hiddenWidth - 1)) ?? base.unit,
    colormap: isColormapName(s.colormap) ? s.colormap : base.colormap,
    opacity: unitNumber(s.opacity) ?? base.opacity,
    threshold: unitNumber(s.threshold) ?? base.threshold,
    showScanOrder: typeof s.showScanOrder === 'boolean' ? s.showScanOrder : base.showScanOrder,
  };
}

export function clampTimestep(t: number, steps: number): number {
  return clamp(Math.round(t), 1, Math.max(1, steps));
}

/** What setState stores; with the model's labels, the chosen class is saved by name too (see restoreUiState). */
export function persistedState(imagePath: string, ui: PanelUiState | undefined, labels?: readonly string[]): PanelPersistedState {
  if (!ui) return { imagePath };
  const classLabel = labels?.[ui.classIndex];
  return { imagePath, ui: classLabel === undefined ? { ...ui } : { ...ui, classLabel } };
}

/** Reads back what setState stored, tolerating anything. */
export function readPersistedState(raw: unknown): PanelPersistedState | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.imagePath !== 'string') return undefined;
  return { imagePath: r.imagePath, ui: r.ui && typeof r.ui === 'object' ? (r.ui as Record<string, unknown>) : undefined };
}

export function quantitySpec(ui: PanelUiState): QuantitySpec {
  return { kind: ui.quantity, direction: ui.direction, classIndex: ui.classIndex, unit: ui.unit };
}
