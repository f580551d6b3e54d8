/**
 * An image with canvases stacked exactly over it, laid out in the coordinate system of
 * the model's geometry: the stage is the bounding box of the displayed image and the
 * model's crop (see src/shared/heatmap/alignment.ts), scaled uniformly to fit its host.
 * Positions are set through the CSSOM, which the CSP permits.
 *
 * Canvases get a device-pixel backing store (capped) and the stage calls `onResize`
 * whenever that changes, so layers redraw at the new resolution.
 */
import type { GeometryView } from '../../src/shared/protocol';
import { canvasPixelSize, cropAsRect, imageRectToCanvas, stageBounds, type Rect } from '../../src/shared/heatmap/alignment';
import { unseenRegions } from './unseenRegions';

/** Longest canvas side in device pixels: keeps a full repaint well under a frame. */
const MAX_CANVAS_SIDE = 1280;
/** Images this small are shown with hard pixel edges rather than smoothed. */
const PIXELATED_MAX_SIDE = 128;

export interface StageMetrics {
  /** Canvas backing-store size in device pixels. */
  width: number;
  height: number;
  /** The model's crop on the canvas. */
  crop: Rect;
  /** The displayed image on the canvas. */
  image: Rect;
}

export class ImageStage {
  private geometry: GeometryView | undefined;
  private stageRect: Rect | undefined;
  private metricsCache: StageMetrics | undefined;
  private readonly observer: ResizeObserver;
  onResize: (() => void) | undefined;

  constructor(
    private readonly host: HTMLElement,
    private readonly stage: HTMLElement,
    private readonly image: HTMLImageElement,
    private readonly canvases: readonly HTMLCanvasElement[],
    /** Largest stage height as a fraction of the window height. */
    private readonly maxHeightFraction: number,
    /** Shade and label what the model never saw (the main stage; the small attention copy stays plain). */
    private readonly markUnseen = false,
  ) {
    this.observer = new ResizeObserver(() => this.layout());
    this.observer.observe(host);
    window.addEventListener('resize', () => this.layout());
  }

  /** Shows a result's image (or a neutral stage when the browser cannot display it). Resolves whether the image is shown. */
  show(geometry: GeometryView, src: string | undefined): Promise<boolean> {
    this.geometry = geometry;
    this.stageRect = stageBounds(geometry.width, geometry.height, geometry.crop);
    const s = this.stageRect;
    // The image's place inside the stage, in percent so it follows any stage size.
    this.image.style.left = `${((0 - s.x) / s.width) * 100}%`;
    this.image.style.top = `${((0 - s.y) / s.height) * 100}%`;
    this.image.style.width = `${(geometry.width / s.width) * 100}%`;
    this.image.style.height = `${(geometry.height / s.height) * 100}%`;
    this.image.classList.toggle('pixelated', Math.max(geometry.width, geometry.height) <= PIXELATED_MAX_SIDE);
    if (this.markUnseen) this.showUnseen(geometry, s);
    // New geometry: the crop moves even if the canvas size does not, so always re-derive the metrics.
    this.metricsCache = undefined;
    this.layout();
    return new Promise((resolve) => {
      if (!src) {
        this.image.removeAttribute('src');
        this.image.hidden = true;
        resolve(false);
        return;
      }
      this.image.hidden = false;
      this.image.onload = () => resolve(true);
      this.image.onerror = () => {
        this.image.hidden = true;
        resolve(false);
      };
      if (this.image.getAttribute('src') === src && this.image.complete && this.image.naturalWidth > 0) resolve(true);
      else this.image.src = src;
    });
  }

  /** Hatched boxes over the parts of the stage outside the model's view, positioned in percent like the image. */
  private showUnseen(geometry: GeometryView, s: Rect): void {
    for (const old of Array.from(this.stage.querySelectorAll('.unseen'))) old.remove();
    for (const region of unseenRegions(geometry)) {
      const box = document.createElement('div');
      box.className = `unseen unseen-${region.kind}`;
      box.dataset.testid = 'unseen';
      box.style.left = `${((region.rect.x - s.x) / s.width) * 100}%`;
      box.style.top = `${((region.rect.y - s.y) / s.height) * 100}%`;
      box.style.width = `${(region.rect.width / s.width) * 100}%`;
      box.style.height = `${(region.rect.height / s.height) * 100}%`;
      const label = document.createElement('span');
      label.textContent = region.kind === 'padding' ? 'padding: not seen by the model' : 'not seen by the model';
      box.append(label);
      this.stage.append(box);
    }
  }

  get metrics(): StageMetrics | undefined {
    return this.metricsCache;
  }

  get stageBounds(): Rect | undefined {
    return this.stageRect;
  }

  private layout(): void {
    const s = this.stageRect;
    const g = this.geometry;
    if (!s || !g) return;
    const available = this.host.clientWidth;
    if (available <= 0) return;
    const aspect = s.width / s.height;
    const maxHeight = Math.max(160, window.innerHeight * this.maxHeightFraction);
    const cssWidth = Math.min(available, maxHeight * aspect);
    const cssHeight = cssWidth / aspect;
    this.stage.style.width = `${cssWidth}px`;
    this.stage.style.height = `${cssHeight}px`;
    const { width, height } = canvasPixelSize(cssWidth, cssHeight, window.devicePixelRatio || 1, MAX_CANVAS_SIDE);
    const prev = this.metricsCache;
    if (prev && prev.width === width && prev.height === height) return;
    for (const canvas of this.canvases) {
      canvas.width = width;
      canvas.height = height;
    }
    this.metricsCache = {
      width,
      height,
      crop: imageRectToCanvas(cropAsRect(g.crop), s, width, height),
      image: imageRectToCanvas({ x: 0, y: 0, width: g.width, height: g.height }, s, width, height),
    };
    this.onResize?.();
  }
}
