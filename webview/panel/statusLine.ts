/** A one-line, polite live region for the outcome of actions (copied, saved, cancelled, failed). */

const CLEAR_AFTER_MS = 6000;

export class StatusLine {
  private timer: number | undefined;

  constructor(private readonly node: HTMLElement) {}

  show(text: string, isError = false): void {
    this.node.textContent = text;
    this.node.classList.toggle('status-error', isError);
    if (this.timer !== undefined) window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => (this.node.textContent = ''), CLEAR_AFTER_MS);
  }
}
