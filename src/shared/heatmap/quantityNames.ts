/** What the Show dropdowns of the classify and compare panels call each quantity. */
import type { QuantityKind } from './quantities';

export const QUANTITY_NAMES: Record<QuantityKind, string> = {
  norm: 'Hidden-state norm ‖hₜ‖',
  change: 'Change ‖hₜ − hₜ₋₁‖',
  evidence: 'Class evidence (step logit)',
  unit: 'One hidden unit',
  attention: 'Attention αₜ',
  gateWrite: 'Gate: write',
  gateSaturation: 'Gate saturation',
  occlusion: 'Region occlusion (drop in p)',
  ablation: 'Timestep ablation (drop in p)',
  deep: 'What the prediction depends on (deep)',
};
