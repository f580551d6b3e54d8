/**
 * The panel's explanation card: asks the host for explanations on demand (a button, or a
 * Show option that needs them), shows progress with a Cancel button, hands the scores to
 * the heatmap and draws the faithfulness chart. One request at a time; a new image cancels.
 */
import type { ExplainMethod } from '../../src/core/explain/methods';
import type { ExplainedKind } from '../../src/shared/heatmap/quantities';
import type { ExplainResultView } from '../../src/shared/explainProtocol';
import { byTestId, setShown } from '../shared/dom';
import { renderFaithfulness } from './faithfulnessChart';
import type { ResultModel } from './resultModel';

export interface ExplainHost {
  request(methods: ExplainMethod[], window: 1 | 2): Promise<ExplainResultView>;
  cancel(): void;
  /** The scores arrived for `model`: repaint. */
  explained(model: ResultModel): void;
}

/** Names in the chart's legend. */
const VIEW_NAMES: Record<ExplainMethod, string> = {
  occlusion: 'occlusion',
  ablation: 'timestep ablation',
  attention: 'attention',
  norm: '‖hₜ‖',
  deep: 'deep',
};

export class ExplainSection {
  private model: ResultModel | undefined;
  private result: ExplainResultView | undefined;
  private wantDeep = false;
  private running = false;
  private readonly el;

  constructor(
    root: ParentNode,
    private readonly host: ExplainHost,
  ) {
    this.el = {
      run: byTestId(root, 'explain-run', HTMLElement),
      deep: byTestId(root, 'explain-deep', HTMLElement),
      window: byTestId(root, 'explain-window', HTMLElement) as HTMLElement & { value: string },
      progress: byTestId(root, 'explain-progress', HTMLElement),
      bar: byTestId(root, 'explain-progress-bar', HTMLProgressElement),
      progressText: byTestId(root, 'explain-progress-text', HTMLElement),
      cancel: byTestId(root, 'explain-cancel', HTMLElement),
      chart: byTestId(root, 'faithfulness-chart', SVGSVGElement),
      legend: byTestId(root, 'faithfulness-legend', HTMLElement),
      status: byTestId(root, 'explain-status', HTMLElement),
    };
    this.el.run.addEventListener('click', () => void this.compute());
    this.el.deep.addEventListener('click', () => {
      this.wantDeep = true;
      void this.compute();
    });
    this.el.cancel.addEventListener('click', () => this.host.cancel());
  }

  /** A new result: the old explanation is about another image or model. */
  reset(model: ResultModel): void {
    if (this.running) this.host.cancel();
    this.model = model;
    this.result = undefined;
    this.wantDeep = false;
    this.el.chart.replaceChildren();
    this.el.legend.replaceChildren();
    setShown(this.el.progress, false);
    this.el.status.textContent = 'Not computed yet: it takes extra model runs (in the background, cancellable).';
  }

  /** A Show option needs this view: compute it unless it is there or on its way. */
  ensure(kind: ExplainedKind): void {
    if (!this.model?.isAvailable(kind) || this.result?.methods[kind]) return;
    if (kind === 'deep') this.wantDeep = true;
    // A request already running without the deep view is followed by one with it (see compute).
    if (!this.running) void this.compute();
  }

  progress(done: number, total: number): void {
    if (!this.running) return;
    this.el.bar.max = total;
    this.el.bar.value = done;
    this.el.progressText.textContent = `${done} of ${total} model runs`;
  }

  private methods(model: ResultModel): ExplainMethod[] {
    const out: ExplainMethod[] = ['occlusion'];
    if (model.isAvailable('ablation')) out.push('ablation');
    if (model.outputs.attention) out.push('attention');
    if (model.outputs.hidden) out.push('norm');
    if (this.wantDeep) out.push('deep');
    return out;
  }

  private async compute(): Promise<void> {
    const model = this.model;
    if (!model || this.running) return;
    this.running = true;
    setShown(this.el.progress, true);
    this.progress(0, 1);
    this.el.status.textContent = 'Computing the explanations…';
    try {
      const window = this.el.window.value === '2' ? 2 : 1;
      const view = await this.host.request(this.methods(model), window);
      if (this.model !== model) return;
      this.show(model, view);
    } catch (err) {
      if (this.model === model) this.el.status.textContent = `No explanation: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      this.running = false;
      setShown(this.el.progress, false);
    }
    if (this.model === model && this.result && this.wantDeep && !this.result.methods.deep) void this.compute();
  }

  private show(model: ResultModel, view: ExplainResultView): void {
    this.result = view;
    const { occlusion, ablation, deep } = view.methods;
    model.setExplained({ occlusion: occlusion?.scores, ablation: ablation?.scores, deep: deep?.scores }, view.classIndex);
    const curves = (Object.keys(view.methods) as ExplainMethod[]).map((m) => ({
      name: VIEW_NAMES[m],
      curve: view.methods[m]!.curve,
      area: view.methods[m]!.deletionAuc,
    }));
    renderFaithfulness(this.el.chart, this.el.legend, curves, { name: 'random', curve: view.random.curve, area: view.random.deletionAuc });
    const missing = Object.values(view.missing);
    this.el.status.textContent =
      `For “${view.label}” (${(view.probability * 100).toFixed(1)}%): cells removed in each view's order, region occlusion${view.window === 2 ? ' (scores from 2×2 windows)' : ''}. ` +
      `The faster the probability falls (the smaller the area), the more that view points at what the prediction depends on.` +
      (missing.length ? ` Not available: ${missing.join('; ')}.` : '');
    this.host.explained(model);
  }
}
