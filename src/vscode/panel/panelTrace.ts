/**
 * Wall-clock marks of one classify-panel run on the host side (command, panel created,
 * webview ready, worker answered, result posted), logged as one line so a slow panel can
 * be traced to its stage. Epoch milliseconds, so the marks line up with the webview's own
 * (webview/panel/paintTiming.ts) and with a benchmark driving the browser.
 */
export class PanelTrace {
  private readonly marks: { stage: string; at: number }[] = [];

  readonly startedAt: number;

  constructor(startedAt = Date.now()) {
    this.startedAt = Math.round(startedAt);
  }

  mark(stage: string, at = Date.now()): void {
    if (!this.marks.some((m) => m.stage === stage)) this.marks.push({ stage, at: Math.round(at) });
  }

  has(stage: string): boolean {
    return this.marks.some((m) => m.stage === stage);
  }

  /** "t0=1700000000000 created +3 ready +412 …": each stage's offset from the command. */
  summary(): string {
    const stages = [...this.marks].sort((a, b) => a.at - b.at).map((m) => `${m.stage} +${m.at - this.startedAt}`);
    return `t0=${this.startedAt} ${stages.join(' ')}`;
  }
}
