import { describe, expect, it } from 'vitest';
import { computeCrop } from '../../src/core/image/geometry';
import { canvasPixelSize, cellCentre, cellRect, cropAsRect, imageRectToCanvas, stageBounds } from '../../src/shared/heatmap/alignment';
import { sampleAxis } from '../../src/shared/heatmap/upsample';

describe('heatmap alignment with the model crop', () => {
  it('center_crop of a 4000×3000 image: grid cells land on the central 3000×3000 square', () => {
    // A 30×30 input: the scaled size (40×30) is whole, so the crop is exactly the middle square.
    const crop = computeCrop(4000, 3000, 30, 30, 'center_crop');
    expect(crop).toEqual({ left: 500, top: 0, width: 3000, height: 3000 });
    const stage = stageBounds(4000, 3000, crop);
    expect(stage).toEqual({ x: 0, y: 0, width: 4000, height: 3000 });
    // The stage shown on an 800×600 canvas: 0.2 canvas px per image px.
    const onCanvas = imageRectToCanvas(cropAsRect(crop), stage, 800, 600);
    expect(onCanvas).toEqual({ x: 100, y: 0, width: 600, height: 600 });
    // 8×8 grid: each cell is 75 canvas px; cell (0,0)'s centre is at 100 + 37.5.
    expect(cellCentre(0, 0, 8, 8, onCanvas)).toEqual({ x: 137.5, y: 37.5 });
    expect(cellCentre(7, 7, 8, 8, onCanvas)).toEqual({ x: 662.5, y: 562.5 });
    expect(cellCentre(2, 5, 8, 8, onCanvas)).toEqual({ x: 100 + 5.5 * 75, y: 2.5 * 75 });
    expect(cellRect(2, 5, 8, 8, onCanvas)).toEqual({ x: 475, y: 150, width: 75, height: 75 });
  });

  it('center_crop: the pixel under a cell centre samples exactly that cell (weight 0 to the neighbour)', () => {
    const onCanvas = { x: 100, y: 0, width: 600, height: 600 };
    const xs = sampleAxis(8, onCanvas.x, onCanvas.width, 800);
    // Canvas pixel 137 has its centre at 137.5 = cell 0's centre.
    expect(xs.cell[137]).toBe(0);
    expect(xs.i0[137]).toBe(0);
    expect(xs.w[137]).toBeCloseTo(0);
    // Pixels left of the crop are outside the model's view.
    expect(xs.cell[99]).toBe(-1);
    expect(xs.cell[100]).toBe(0);
    expect(xs.cell[699]).toBe(7);
    expect(xs.cell[700]).toBe(-1);
  });

  it('stretch: the grid covers the whole image, cells are not square', () => {
    const crop = computeCrop(4000, 3000, 32, 32, 'stretch');
    const stage = stageBounds(4000, 3000, crop);
    const onCanvas = imageRectToCanvas(cropAsRect(crop), stage, 800, 600);
    expect(onCanvas).toEqual({ x: 0, y: 0, width: 800, height: 600 });
    expect(cellCentre(0, 0, 8, 8, onCanvas)).toEqual({ x: 50, y: 37.5 });
  });

  it('letterbox: the crop extends past the image, the stage includes the padding', () => {
    const crop = computeCrop(4000, 3000, 32, 32, 'letterbox');
    expect(crop).toEqual({ left: 0, top: -500, width: 4000, height: 4000 });
    const stage = stageBounds(4000, 3000, crop);
    expect(stage).toEqual({ x: 0, y: -500, width: 4000, height: 4000 });
    // On a 400×400 canvas the image itself sits 50 px down, and the grid fills the canvas.
    expect(imageRectToCanvas({ x: 0, y: 0, width: 4000, height: 3000 }, stage, 400, 400)).toEqual({ x: 0, y: 50, width: 400, height: 300 });
    const onCanvas = imageRectToCanvas(cropAsRect(crop), stage, 400, 400);
    expect(onCanvas).toEqual({ x: 0, y: 0, width: 400, height: 400 });
    // The top row of cells lies (partly) over padding, not over the image.
    expect(cellRect(0, 0, 8, 8, onCanvas)).toEqual({ x: 0, y: 0, width: 50, height: 50 });
  });
});

describe('canvasPixelSize', () => {
  it('applies the device pixel ratio', () => {
    expect(canvasPixelSize(400, 300, 2, 2048)).toEqual({ width: 800, height: 600 });
  });
  it('caps the longer side', () => {
    expect(canvasPixelSize(2000, 1000, 2, 1024)).toEqual({ width: 1024, height: 512 });
  });
});
