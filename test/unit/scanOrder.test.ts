import { describe, expect, it } from 'vitest';
import { cellAt, stepOfCell } from '../../src/core/model/scanOrder';

describe('scan orders', () => {
  it('maps timesteps to cells for a 2×3 grid', () => {
    const seq = (order: 'row_major' | 'column_major' | 'snake') =>
      Array.from({ length: 6 }, (_, t) => {
        const c = cellAt(t, 2, 3, order);
        return `${c.row}${c.col}`;
      });
    expect(seq('row_major')).toEqual(['00', '01', '02', '10', '11', '12']);
    expect(seq('column_major')).toEqual(['00', '10', '01', '11', '02', '12']);
    expect(seq('snake')).toEqual(['00', '01', '02', '12', '11', '10']);
  });
  it('stepOfCell inverts cellAt and visits every cell once', () => {
    for (const order of ['row_major', 'column_major', 'snake'] as const) {
      const inv = stepOfCell(3, 4, order);
      expect([...inv].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
      for (let t = 0; t < 12; t++) {
        const { row, col } = cellAt(t, 3, 4, order);
        expect(inv[row * 4 + col]).toBe(t);
      }
    }
  });
});
