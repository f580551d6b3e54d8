/**
 * "Save PNG": the image with the current overlay, composited at (up to) the image's own
 * resolution rather than the on-screen size, and handed to the host as a data URL.
 *
 * The image is loaded again with CORS so drawing it does not taint the canvas; a host
 * that serves webview resources without CORS headers (or an image the browser cannot
 * decode) gives an overlay-on-neutral export instead of a failed one, and says so.
 */
import { canvasPixelSize, cropAsRect, imageRectToCanvas, type Rect } from '../../src/shared/heatmap/alignment';
import { paintHeatmap } from '../../src/shared/heatmap/raster';
import { sampleAxis } from '../../src/shared/heatmap/upsample';
import { colormapLut } from '../../src/shared/heatmap/colormaps';
import type { GeometryView } from '../../src/shared/protocol';
import { drawAnnotations, type AnnotationColors } from './annotationLayer';
import type { HeatmapFrame } from './heatmapLayer';
import type { GridShape } from '../../src/shared/heatmap/gridMapping';

const MIN_EXPORT_SIDE = 512;
const MAX_EXPORT_SIDE = 2048;

export interface ExportRequest {
  geometry: GeometryView;
  stage: Rect;
  imageSrc: string | undefined;
  frame: HeatmapFrame | undefined;
  shape: GridShape;
  step: number | undefined;
  showScanOrder: boolean;
  colors: AnnotationColors & { background: string };
}

export interface ExportedPng {
  dataUrl: string;
  /** False when the image could not be drawn (only the overlay is in the PNG). */
  includesImage: boolean;
}

export async function composePng(req: ExportRequest): Promise<ExportedPng> {
  const image = req.imageSrc ? await loadCorsImage(req.imageSrc) : undefined;
  if (image) {
    try {
      return { dataUrl: composite(req, image).toDataURL('image/png'), includesImage: true };
    } catch {
      // Tainted by a cross-origin image: a tainted canvas stays tainted, so start over without it.
    }
  }
  return { dataUrl: composite(req, undefined).toDataURL('image/png'), includesImage: false };
}

function composite(req: ExportRequest, image: HTMLImageElement | undefined): HTMLCanvasElement {
  const longSide = Math.max(req.stage.width, req.stage.height);
  const target = Math.min(MAX_EXPORT_SIDE, Math.max(MIN_EXPORT_SIDE, longSide));
  const { width, height } = canvasPixelSize(req.stage.width, req.stage.height, target / longSide, MAX_EXPORT_SIDE);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this webview cannot create a 2D canvas');
  const crop = imageRectToCanvas(cropAsRect(req.geometry.crop), req.stage, width, height);
  const imageRect = imageRectToCanvas({ x: 0, y: 0, width: req.geometry.width, height: req.geometry.height }, req.stage, width, height);

  ctx.fillStyle = req.colors.background;
  ctx.fillRect(0, 0, width, height);
  if (image) {
    // A tiny image blown up (32×32 → 512) keeps its hard pixels, as the panel shows it.
    ctx.imageSmoothingEnabled = imageRect.width < 4 * req.geometry.width;
    ctx.drawImage(image, imageRect.x, imageRect.y, imageRect.width, imageRect.height);
    ctx.imageSmoothingEnabled = true;
  }
  if (req.frame) {
    // putImageData ignores alpha compositing, so the heatmap goes through its own canvas.
    const layer = document.createElement('canvas');
    layer.width = width;
    layer.height = height;
    const lctx = layer.getContext('2d')!;
    const pixels = lctx.createImageData(width, height);
    paintHeatmap(
      {
        grid: req.frame.grid,
        cols: req.frame.cols,
        xs: sampleAxis(req.frame.cols, crop.x, crop.width, width),
        ys: sampleAxis(req.frame.rows, crop.y, crop.height, height),
        visible: req.frame.visible,
        lut: colormapLut(req.frame.style.colormap),
        opacity: req.frame.style.opacity,
        threshold: req.frame.style.threshold,
        unreadVeil: req.frame.unreadVeil,
        unreadHatch: req.frame.unreadHatch,
      },
      pixels.data,
    );
    lctx.putImageData(pixels, 0, 0);
    ctx.drawImage(layer, 0, 0);
  }
  // Line widths as they look on a ~600 px wide panel.
  drawAnnotations(ctx, req.shape, crop, req.step, req.showScanOrder, req.colors, Math.max(1, Math.max(width, height) / 600));
  return canvas;
}

function loadCorsImage(src: string): Promise<HTMLImageElement | undefined> {
  return new Promise((resolve) => {
    const img = new Image();
    img.crossOrigin = 'anonymous';
    img.onload = () => resolve(img);
    img.onerror = () => resolve(undefined);
    img.src = src;
  });
}
