import { describe, expect, it } from 'vitest';
import { readCellsMask, scanPathPoints, timestepsToGrid, topAttendedCells } from '../../src/shared/heatmap/gridMapping';

describe('timestep → grid mapping', () => {
  const values = [10, 11, 12, 13, 14, 15]; // L = 6 on a 2×3 grid

  it('row_major puts timestep t at (t div N, t mod N)', () => {
    expect(Array.from(timestepsToGrid(values, { rows: 2, cols: 3, order: 'row_major' }))).toEqual([10, 11, 12, 13, 14, 15]);
  });

  it('column_major fills columns first', () => {
    // t: (0,0)=0 (1,0)=1 (0,1)=2 (1,1)=3 (0,2)=4 (1,2)=5
    expect(Array.from(timestepsToGrid(values, { rows: 2, cols: 3, order: 'column_major' }))).toEqual([10, 12, 14, 11, 13, 15]);
  });

  it('snake reverses odd rows', () => {
    expect(Array.from(timestepsToGrid(values, { rows: 2, cols: 3, order: 'snake' }))).toEqual([10, 11, 12, 15, 14, 13]);
  });
});

describe('cumulative masking', () => {
  it('reveals exactly the cells read at steps 0…t', () => {
    expect(Array.from(readCellsMask({ rows: 2, cols: 3, order: 'snake' }, 3))).toEqual([1, 1, 1, 0, 0, 1]);
    expect(Array.from(readCellsMask({ rows: 2, cols: 3, order: 'column_major' }, 0))).toEqual([1, 0, 0, 0, 0, 0]);
    expect(Array.from(readCellsMask({ rows: 2, cols: 3, order: 'row_major' }, 5))).toEqual([1, 1, 1, 1, 1, 1]);
  });
});

describe('scan path', () => {
  it('visits cell centres in reading order', () => {
    expect(scanPathPoints({ rows: 2, cols: 2, order: 'snake' })).toEqual([
      { x: 0.5, y: 0.5 },
      { x: 1.5, y: 0.5 },
      { x: 1.5, y: 1.5 },
      { x: 0.5, y: 1.5 },
    ]);
  });
});

describe('top attended cells', () => {
  it('lists the heaviest cells with their position and step', () => {
    const attention = [0.1, 0.4, NaN, 0.3, 0.2, 0]; // 2×3, column_major
    const top = topAttendedCells(attention, { rows: 2, cols: 3, order: 'column_major' }, 2);
    expect(top).toEqual([
      { row: 1, col: 0, step: 1, weight: 0.4 },
      { row: 1, col: 1, step: 3, weight: 0.3 },
    ]);
  });

  it('breaks ties by the earlier step and never returns more than exist', () => {
    const top = topAttendedCells([0.5, 0.5], { rows: 1, cols: 2, order: 'row_major' }, 5);
    expect(top.map((c) => c.step)).toEqual([0, 1]);
  });
});
