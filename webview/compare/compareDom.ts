/** Every element of the compare panel's markup (src/vscode/compare/compareHtml.ts) the script touches. */
import { byTestId } from '../shared/dom';
import type { ToolkitCheckbox, ToolkitDropdown } from '../shared/toolkit';

function sideDom(root: ParentNode, key: 'a' | 'b') {
  const h = (id: string) => byTestId(root, `side-${key}-${id}`, HTMLElement);
  const canvas = (id: string) => byTestId(root, `side-${key}-${id}`, HTMLCanvasElement);
  return {
    title: h('title'),
    model: h('model'),
    error: h('error'),
    body: h('body'),
    stageHost: h('stage-host'),
    stage: h('stage'),
    image: byTestId(root, `side-${key}-image`, HTMLImageElement),
    heatmap: canvas('heatmap'),
    topLabel: h('top-label'),
    predictions: h('predictions'),
    running: {
      step: h('step'),
      note: h('running-note'),
      bars: h('running'),
      chart: canvas('chart'),
      chartLegend: h('chart-legend'),
      unavailable: h('running-unavailable'),
    },
  };
}

export type SideDom = ReturnType<typeof sideDom>;

export function queryCompareDom(root: ParentNode = document) {
  const h = (id: string) => byTestId(root, id, HTMLElement);
  const dropdown = (id: string) => byTestId(root, id, HTMLElement) as ToolkitDropdown;
  return {
    main: h('compare'),
    title: h('compare-title'),
    reclassify: h('reclassify'),
    copySummary: h('copy-summary'),
    loading: h('loading'),
    loadingText: h('loading-text'),
    notes: h('compare-notes'),
    play: h('play'),
    timestep: byTestId(root, 'timestep', HTMLInputElement),
    timestepLabel: h('timestep-label'),
    quantity: dropdown('quantity'),
    classField: h('class-field'),
    classSelect: dropdown('class'),
    unitField: h('unit-field'),
    unit: byTestId(root, 'unit', HTMLInputElement),
    colormap: dropdown('colormap'),
    opacity: byTestId(root, 'opacity', HTMLInputElement),
    difference: byTestId(root, 'difference', HTMLElement) as ToolkitCheckbox,
    legend: { min: h('legend-min'), bar: h('legend-bar'), max: h('legend-max'), caption: h('legend-caption') },
    differenceNote: h('difference-note'),
    a: sideDom(root, 'a'),
    b: sideDom(root, 'b'),
  };
}

export type CompareDom = ReturnType<typeof queryCompareDom>;
