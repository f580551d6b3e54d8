/**
 * The classify panel's explanations: runs one explain job at a time in the worker (never on
 * the extension host), forwards its progress to the webview, cancels it on request or when
 * a new one starts, and turns the answer into the panel's ExplainResultView.
 */
import type { ExplainedImage } from '../../core/explain/explainFile';
import type { ExplainMethod } from '../../core/explain/methods';
import type { ExplainResultView } from '../../shared/explainProtocol';
import type { HostToPanel } from '../../shared/protocol';
import type { ClassifierBackend } from './classifierBackend';

export function toExplainView(image: ExplainedImage, window: 1 | 2): ExplainResultView {
  const methods: ExplainResultView['methods'] = {};
  for (const [name, m] of Object.entries(image.explanation.methods) as Array<[ExplainMethod, NonNullable<ExplainResultView['methods'][ExplainMethod]>]>) {
    methods[name] = { scores: m.scores, curve: m.curve, deletionAuc: m.deletionAuc, runs: m.runs, ms: m.ms };
  }
  const { random, missing } = image.explanation;
  return {
    imagePath: image.path,
    classIndex: image.classIndex,
    label: image.label,
    probability: image.probability,
    window,
    methods,
    random: { curve: random.curve, deletionAuc: random.deletionAuc },
    missing,
  };
}

export class PanelExplainer {
  private job: number | undefined;

  constructor(
    private readonly backend: Pick<ClassifierBackend, 'explain' | 'newExplainJob' | 'cancelExplain'>,
    private readonly post: (message: HostToPanel) => void,
  ) {}

  async run(imagePath: string, methods: ExplainMethod[], window: 1 | 2): Promise<ExplainResultView> {
    this.cancel();
    const job = this.backend.newExplainJob();
    this.job = job;
    try {
      const onProgress = (done: number, total: number) => {
        if (this.job === job) this.post({ type: 'explainProgress', done, total });
      };
      return toExplainView(await this.backend.explain(imagePath, { methods, window, onProgress }, job), window);
    } finally {
      if (this.job === job) this.job = undefined;
    }
  }

  /** Stops the job in flight, if any; its request then fails as cancelled. */
  cancel(): void {
    if (this.job === undefined) return;
    const job = this.job;
    this.job = undefined;
    void this.backend.cancelExplain(job).catch(() => undefined);
  }
}
