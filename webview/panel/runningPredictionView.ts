/**
 * "After step t": the classifier applied to the state after each step (softmax of
 * step_logits[t]) as bars, and the top classes' probability against t as a chart.
 */
import { classTrajectory } from '../../src/shared/heatmap/stepPredictions';
import { topK } from '../../src/core/math/softmax';
import { setShown } from '../shared/dom';
import { renderBars } from '../shared/probabilityBars';
import { ProbabilityChart } from './probChart';
import type { ResultModel } from './resultModel';

/** How many classes the chart follows: the final top ones. */
const CHART_CLASSES = 3;

export interface RunningPredictionElements {
  step: HTMLElement;
  note: HTMLElement;
  bars: HTMLElement;
  chart: HTMLCanvasElement;
  chartLegend: HTMLElement;
  unavailable: HTMLElement;
}

export class RunningPredictionView {
  private readonly chart: ProbabilityChart;
  private model: ResultModel | undefined;
  private topCount = 5;

  constructor(
    private readonly e: RunningPredictionElements,
    onScrub: (step: number) => void,
  ) {
    this.chart = new ProbabilityChart(e.chart, e.chartLegend, onScrub);
  }

  show(model: ResultModel, topCount: number): void {
    this.model = model;
    this.topCount = topCount;
    const probs = model.stepProbabilities();
    for (const node of [this.e.bars, this.e.chart, this.e.chartLegend]) setShown(node, !!probs);
    setShown(this.e.unavailable, !probs);
    this.e.unavailable.textContent = probs ? '' : 'This model has no `step_logits` output, so there is no running prediction.';
    // With an attention head the final prediction pools every step, so it need not equal the last step's.
    const attentionHead = !!probs && model.result.model.head === 'attention';
    // A bidirectional state at step t joins the forward pass (cells 1…t) and the backward
    // pass (cells t…L): saying "after step t" without this would overstate causality.
    const bidirectional = !!probs && model.bidirectional;
    const notes = [
      attentionHead
        ? 'The classifier applied to the state after each step. The final prediction above pools all steps with attention, so it can differ from the last step.'
        : '',
      bidirectional
        ? 'This RNN is bidirectional: the state at step t joins the forward pass (cells 1…t) and the backward pass (cells t…L), so every step’s prediction has seen the whole image. Unread cells are dimmed and hatched along the forward pass.'
        : '',
    ].filter(Boolean);
    setShown(this.e.note, notes.length > 0);
    this.e.note.textContent = notes.join(' ');
    if (!probs) return;
    this.chart.setData(
      model.result.top.slice(0, CHART_CLASSES).map((p) => ({ label: p.label, values: classTrajectory(probs, model.steps, model.classes, p.index) })),
      model.steps,
    );
  }

  /** Shows the prediction after `timestep` (1-based). */
  showStep(timestep: number): void {
    const model = this.model;
    if (!model) return;
    this.e.step.textContent = `${timestep} of ${model.steps}`;
    const probs = model.stepProbabilities();
    if (!probs) return;
    const t = timestep - 1;
    const finalTop = model.result.top[0]?.index;
    renderBars(
      this.e.bars,
      topK(probs.subarray(t * model.classes, (t + 1) * model.classes), model.result.model.labels, this.topCount).map((p) => ({
        label: p.label,
        probability: p.score,
        highlight: p.index === finalTop,
      })),
    );
    this.chart.setCursor(timestep);
  }

  /** Theme changed: the chart reads its colours when drawing. */
  redraw(): void {
    this.chart.draw();
  }
}
