/**
 * The webview's stage marks (script running, UI built, ready sent, each host message
 * received, result painted), in epoch milliseconds so they line up with the host's
 * "panel timing" log line. Kept on the page for a benchmark to read; nothing else uses them.
 */
export type PaintMarks = Record<string, number>;

declare global {
  interface Window {
    __rcnnLensMarks?: PaintMarks;
  }
}

const epochNow = (): number => performance.timeOrigin + performance.now();

/** Records `stage` once (the first time it happens in this page). */
export function markStage(stage: string): void {
  const marks = (window.__rcnnLensMarks ??= { navigation: performance.timeOrigin });
  if (!(stage in marks)) marks[stage] = Math.round(epochNow());
}

/** Runs `then` once the frame that shows the current DOM changes has been presented. */
export function afterPaint(then: () => void): void {
  requestAnimationFrame(() => setTimeout(then, 0));
}
