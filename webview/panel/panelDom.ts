/** Every element of the panel's markup (src/vscode/panel/panelHtml.ts) the script touches, looked up once. */
import { byTestId } from '../shared/dom';
import type { ToolkitCheckbox, ToolkitDropdown } from '../shared/toolkit';

export function queryPanelDom(root: ParentNode = document) {
  const q = <T extends Element>(id: string, ctor: abstract new (...args: never[]) => T) => byTestId(root, id, ctor);
  const h = (id: string) => q(id, HTMLElement);
  const canvas = (id: string) => q(id, HTMLCanvasElement);
  const input = (id: string) => q(id, HTMLInputElement);
  return {
    panel: h('panel'),
    header: {
      fileName: h('file-name'),
      facts: h('facts'),
      modelName: h('model-name'),
      provider: h('provider'),
      timing: h('timing'),
      missingViews: h('missing-views'),
    },
    reclassify: h('reclassify'),
    openSettings: h('open-settings'),
    loading: h('loading'),
    loadingText: h('loading-text'),
    error: h('error'),
    status: h('status'),
    result: h('result'),
    stageHost: h('stage-host'),
    stage: h('stage'),
    image: q('image', HTMLImageElement),
    heatmap: canvas('heatmap'),
    annotations: canvas('annotations'),
    noImage: h('no-image'),
    readout: h('hover-readout'),
    explainerText: h('heatmap-explainer-text'),
    explainerMore: h('heatmap-more'),
    play: h('play'),
    timestep: input('timestep'),
    timestepLabel: h('timestep-label'),
    controls: {
      quantity: h('quantity') as ToolkitDropdown,
      classField: h('class-field'),
      classSelect: h('class') as ToolkitDropdown,
      unitField: h('unit-field'),
      unit: input('unit'),
      unitHint: h('unit-hint'),
      directionField: h('direction-field'),
      direction: h('direction') as ToolkitDropdown,
      colormap: h('colormap') as ToolkitDropdown,
      opacity: input('opacity'),
      opacityValue: q('opacity-value', HTMLOutputElement),
      threshold: input('threshold'),
      thresholdValue: q('threshold-value', HTMLOutputElement),
      scanOrder: h('scan-order') as ToolkitCheckbox,
    },
    savePng: h('save-png'),
    legend: {
      min: h('legend-min'),
      bar: h('legend-bar'),
      max: h('legend-max'),
      caption: h('legend-caption'),
    },
    topLabel: h('top-label'),
    copyJson: h('copy-json'),
    predictions: h('predictions'),
    runningSection: h('running-section'),
    runningStep: h('running-step'),
    runningNote: h('running-note'),
    runningPrediction: h('running-prediction'),
    probChart: canvas('prob-chart'),
    probChartLegend: h('prob-chart-legend'),
    runningUnavailable: h('running-unavailable'),
    attention: {
      stageHost: h('attention-stage-host'),
      stage: h('attention-stage'),
      image: q('attention-image', HTMLImageElement),
      canvas: canvas('attention-canvas'),
      range: h('attention-range'),
      table: q('attention-top', HTMLTableElement),
      unavailable: h('attention-unavailable'),
    },
  };
}

export type PanelDom = ReturnType<typeof queryPanelDom>;
