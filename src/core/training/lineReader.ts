/**
 * Splits a child's stdout into lines without trusting it: a line longer than `maxLine`
 * is dropped (reported once through onOverlong) instead of growing a buffer without end.
 */
export class LineReader {
  private buffer = '';
  private skipping = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 1 << 20,
    private readonly onOverlong: () => void = () => {},
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, nl);
      start = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        this.buffer = '';
        continue;
      }
      const line = this.buffer + piece;
      this.buffer = '';
      if (line.length > this.maxLine) this.onOverlong();
      else this.onLine(line.replace(/\r$/, ''));
    }
    if (this.skipping) return;
    this.buffer += chunk.slice(start);
    if (this.buffer.length > this.maxLine) {
      this.buffer = '';
      this.skipping = true;
      this.onOverlong();
    }
  }

  /** The last line when the stream ends without a newline. */
  end(): void {
    if (!this.skipping && this.buffer) this.onLine(this.buffer);
    this.buffer = '';
    this.skipping = false;
  }
}
