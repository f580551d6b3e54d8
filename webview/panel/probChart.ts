/**
 * A small line chart: the probability of the top classes (softmax of step_logits) against
 * the timestep, with a cursor at the current step. Clicking or dragging on it scrubs.
 */
import { el } from '../shared/dom';
import { chartSeriesColors, themeColor } from '../shared/themeColors';

export interface ChartSeries {
  label: string;
  /** One probability per timestep. */
  values: Float32Array;
}

const CSS_HEIGHT = 120;
const PAD = { left: 38, right: 8, top: 8, bottom: 18 };

export class ProbabilityChart {
  private series: ChartSeries[] = [];
  private steps = 0;
  private cursor = 1;
  private dragging = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly legend: HTMLElement,
    private readonly onScrub: (step: number) => void,
  ) {
    new ResizeObserver(() => this.draw()).observe(canvas);
    canvas.addEventListener('pointerdown', (e) => {
      this.dragging = true;
      canvas.setPointerCapture(e.pointerId);
      this.scrubTo(e);
    });
    canvas.addEventListener('pointermove', (e) => this.dragging && this.scrubTo(e));
    canvas.addEventListener('pointerup', () => (this.dragging = false));
    canvas.addEventListener('pointercancel', () => (this.dragging = false));
  }

  setData(series: ChartSeries[], steps: number): void {
    this.series = series;
    this.steps = steps;
    const colors = chartSeriesColors();
    this.legend.replaceChildren(
      ...series.map((s, i) => {
        const swatch = el('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } });
        swatch.style.backgroundColor = colors[i % colors.length];
        return el('li', {}, swatch, el('span', { text: s.label }));
      }),
    );
    this.draw();
  }

  setCursor(step: number): void {
    this.cursor = step;
    this.draw();
  }

  draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const cssWidth = this.canvas.clientWidth;
    if (cssWidth <= 0) return;
    const width = Math.round(cssWidth * dpr);
    const height = Math.round(CSS_HEIGHT * dpr);
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssWidth, CSS_HEIGHT);
    const plotW = cssWidth - PAD.left - PAD.right;
    const plotH = CSS_HEIGHT - PAD.top - PAD.bottom;
    const x = (step: number) => PAD.left + (this.steps <= 1 ? plotW / 2 : ((step - 1) / (this.steps - 1)) * plotW);
    const y = (p: number) => PAD.top + (1 - p) * plotH;
    const fg = themeColor('--vscode-descriptionForeground', '#999');
    const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
    const font = themeColor('--vscode-font-family', 'sans-serif');

    ctx.font = `10px ${font}`;
    ctx.fillStyle = fg;
    ctx.strokeStyle = grid;
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const p of [0, 0.5, 1]) {
      ctx.beginPath();
      ctx.moveTo(PAD.left, Math.round(y(p)) + 0.5);
      ctx.lineTo(PAD.left + plotW, Math.round(y(p)) + 0.5);
      ctx.stroke();
      ctx.fillText(`${p * 100}%`, PAD.left - 4, y(p));
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText('1', x(1), PAD.top + plotH + 4);
    if (this.steps > 1) ctx.fillText(String(this.steps), x(this.steps), PAD.top + plotH + 4);

    const colors = chartSeriesColors();
    ctx.lineWidth = 1.5;
    ctx.lineJoin = 'round';
    this.series.forEach((s, i) => {
      ctx.strokeStyle = colors[i % colors.length];
      ctx.beginPath();
      for (let t = 0; t < s.values.length; t++) {
        const px = x(t + 1);
        const py = y(s.values[t]);
        if (t === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      }
      ctx.stroke();
    });

    if (this.steps > 0) {
      ctx.strokeStyle = themeColor('--vscode-focusBorder', '#007fd4');
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x(this.cursor), PAD.top);
      ctx.lineTo(x(this.cursor), PAD.top + plotH);
      ctx.stroke();
    }
  }

  private scrubTo(e: PointerEvent): void {
    if (this.steps < 1) return;
    const rect = this.canvas.getBoundingClientRect();
    const plotW = rect.width - PAD.left - PAD.right;
    const f = (e.clientX - rect.left - PAD.left) / Math.max(1, plotW);
    this.onScrub(Math.min(this.steps, Math.max(1, Math.round(1 + f * (this.steps - 1)))));
  }
}
