import { describe, expect, it } from 'vitest';
import type { ExplainedImage } from '../../src/core/explain/explainFile';
import { parseExplainAsk } from '../../src/shared/explainProtocol';
import type { HostToPanel } from '../../src/shared/protocol';
import { PanelExplainer, toExplainView } from '../../src/vscode/panel/panelExplainer';
import { parsePanelMessage } from '../../src/vscode/panel/panelMessages';

function image(): ExplainedImage {
  const curve = Float32Array.from([0.9, 0.5, 0.1]);
  return {
    path: '/img.png',
    classIndex: 3,
    label: 'cat',
    probability: 0.9,
    logit: 4,
    grid: [1, 2],
    cells: [[0, 0], [0, 1]],
    explanation: {
      methods: { occlusion: { scores: Float32Array.from([0.4, 0.1]), order: [0, 1], curve, deletionAuc: 0.5, runs: 2, ms: 3 } },
      missing: { ablation: 'no step_mask' },
      random: { order: [1, 0], curve, deletionAuc: 0.5 },
    },
    ms: 10,
  };
}

describe('the panel explain request', () => {
  it('is taken only with known views and window 1 or 2', () => {
    expect(parseExplainAsk(['occlusion', 'deep', 'deep'], 2)).toEqual({ methods: ['occlusion', 'deep'], window: 2 });
    expect(parseExplainAsk([], 1)).toBeUndefined();
    expect(parseExplainAsk(['gradcam'], 1)).toBeUndefined();
    expect(parseExplainAsk(['occlusion'], 3)).toBeUndefined();
    expect(parseExplainAsk('occlusion', 1)).toBeUndefined();
    expect(parsePanelMessage({ type: 'explain', requestId: 4, methods: ['norm'], window: 1 })).toEqual({ type: 'explain', requestId: 4, methods: ['norm'], window: 1 });
    expect(parsePanelMessage({ type: 'explain', requestId: 'x', methods: ['norm'], window: 1 })).toBeUndefined();
    expect(parsePanelMessage({ type: 'cancelExplain', extra: 1 })).toEqual({ type: 'cancelExplain' });
  });

  it('the view sent to the webview keeps the scores as Float32Array and says what is missing', () => {
    const v = toExplainView(image(), 1);
    expect(v.methods.occlusion!.scores).toBeInstanceOf(Float32Array);
    expect(v.methods.occlusion!.deletionAuc).toBe(0.5);
    expect(v.missing.ablation).toBe('no step_mask');
    expect(v.label).toBe('cat');
  });

  it('forwards progress of its own job only, and a new job cancels the one in flight', async () => {
    const posted: HostToPanel[] = [];
    const cancelled: number[] = [];
    let next = 1;
    const pending: Array<() => void> = [];
    const backend = {
      newExplainJob: () => next++,
      cancelExplain: async (job: number) => {
        cancelled.push(job);
      },
      explain: (_path: string, options: { onProgress?: (d: number, t: number) => void }) =>
        new Promise<ExplainedImage>((resolve) => {
          options.onProgress?.(1, 2);
          pending.push(() => resolve(image()));
        }),
    };
    const explainer = new PanelExplainer(backend as never, (m) => posted.push(m));
    const first = explainer.run('/img.png', ['occlusion'], 1);
    const second = explainer.run('/img.png', ['occlusion'], 1);
    expect(cancelled).toEqual([1]);
    expect(posted).toEqual([
      { type: 'explainProgress', done: 1, total: 2 },
      { type: 'explainProgress', done: 1, total: 2 },
    ]);
    pending.forEach((resolve) => resolve());
    await Promise.all([first, second]);
    explainer.cancel();
    expect(cancelled).toEqual([1]);
  });
});
