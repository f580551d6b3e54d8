/**
 * Where things go on the canvas. Everything starts in displayed-image pixels (EXIF
 * orientation applied): the image occupies [0, width) × [0, height) and the model's
 * input maps onto `crop`, which lies inside the image for center_crop, equals it for
 * stretch, and extends past it on one axis for letterbox (the padding the model saw).
 *
 * The panel draws a "stage" — the smallest rectangle holding both the image and the
 * crop — scaled uniformly onto the canvas, so the heatmap lands exactly on the pixels
 * the model looked at, and letterbox padding stays visible as part of the stage.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CropRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Bounding box of the image and the crop, in image pixels. */
export function stageBounds(imageWidth: number, imageHeight: number, crop: CropRect): Rect {
  const x0 = Math.min(0, crop.left);
  const y0 = Math.min(0, crop.top);
  const x1 = Math.max(imageWidth, crop.left + crop.width);
  const y1 = Math.max(imageHeight, crop.top + crop.height);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Maps a rectangle in image pixels to canvas pixels, the stage filling a canvasWidth × canvasHeight canvas. */
export function imageRectToCanvas(rect: Rect, stage: Rect, canvasWidth: number, canvasHeight: number): Rect {
  const sx = canvasWidth / stage.width;
  const sy = canvasHeight / stage.height;
  return { x: (rect.x - stage.x) * sx, y: (rect.y - stage.y) * sy, width: rect.width * sx, height: rect.height * sy };
}

export function cropAsRect(crop: CropRect): Rect {
  return { x: crop.left, y: crop.top, width: crop.width, height: crop.height };
}

/** The rectangle of grid cell (row, col) inside the crop's canvas rectangle. */
export function cellRect(row: number, col: number, rows: number, cols: number, crop: Rect): Rect {
  const width = crop.width / cols;
  const height = crop.height / rows;
  return { x: crop.x + col * width, y: crop.y + row * height, width, height };
}

/** Centre of grid cell (row, col) inside the crop's canvas rectangle. */
export function cellCentre(row: number, col: number, rows: number, cols: number, crop: Rect): { x: number; y: number } {
  return { x: crop.x + ((col + 0.5) * crop.width) / cols, y: crop.y + ((row + 0.5) * crop.height) / rows };
}

/**
 * A canvas size in device pixels for a stage shown at cssWidth × cssHeight: the device
 * pixel ratio applied, but the longer side capped so a redraw stays cheap on big panels.
 */
export function canvasPixelSize(cssWidth: number, cssHeight: number, pixelRatio: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(pixelRatio, maxSide / Math.max(1, cssWidth, cssHeight));
  return { width: Math.max(1, Math.round(cssWidth * scale)), height: Math.max(1, Math.round(cssHeight * scale)) };
}
