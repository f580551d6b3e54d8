/**
 * The compare panel's choices (one set for both sides), their defaults for a new pair of
 * results, and what setState keeps of them. Anything read back is validated: saved state
 * may come from another pair of models.
 */
import type { Comparability } from '../../src/shared/comparability';
import { isColormapName, type ColormapName } from '../../src/shared/heatmap/colormaps';
import { isQuantityKind, type QuantityKind } from '../../src/shared/heatmap/quantities';
import type { PanelSettingsView } from '../../src/shared/protocol';

export interface CompareUi {
  /** 1-based, 1…the larger side's step count. */
  timestep: number;
  quantity: QuantityKind;
  /** The evidence quantity's class, by name (the two models may order their classes differently). */
  classLabel: string;
  unit: number;
  colormap: ColormapName;
  opacity: number;
  difference: boolean;
}

const unitNumber = (v: unknown): number | undefined => (typeof v === 'number' && v >= 0 && v <= 1 ? v : undefined);

export function defaultCompareUi(c: Comparability, steps: number, topLabel: string | undefined, settings: PanelSettingsView): CompareUi {
  return {
    timestep: Math.max(1, steps),
    quantity: c.quantities[0] ?? 'norm',
    classLabel: topLabel && c.commonLabels.includes(topLabel) ? topLabel : (c.commonLabels[0] ?? ''),
    unit: 0,
    colormap: isColormapName(settings.colormap) ? settings.colormap : 'viridis',
    opacity: unitNumber(settings.opacity) ?? 0.6,
    difference: false,
  };
}

/** Keeps the saved choices that are valid for this pair of results. */
export function restoreCompareUi(base: CompareUi, saved: unknown, c: Comparability, steps: number): CompareUi {
  if (!saved || typeof saved !== 'object') return base;
  const s = saved as Record<string, unknown>;
  const int = (v: unknown, hi: number) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= hi ? v : undefined);
  return {
    timestep: (int(s.timestep, steps) || undefined) ?? base.timestep,
    quantity: isQuantityKind(s.quantity) && c.quantities.includes(s.quantity) ? s.quantity : base.quantity,
    classLabel: typeof s.classLabel === 'string' && c.commonLabels.includes(s.classLabel) ? s.classLabel : base.classLabel,
    unit: int(s.unit, 1 << 20) ?? base.unit,
    colormap: isColormapName(s.colormap) ? s.colormap : base.colormap,
    opacity: unitNumber(s.opacity) ?? base.opacity,
    difference: typeof s.difference === 'boolean' ? s.difference : base.difference,
  };
}
