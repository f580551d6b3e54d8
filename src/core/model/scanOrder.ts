/** How the RNN reads the M×N feature map as a sequence (docs/model-contract.md, "Scan order"). */
export type ScanOrder = 'row_major' | 'column_major' | 'snake';

export const SCAN_ORDERS: readonly ScanOrder[] = ['row_major', 'column_major', 'snake'];

export function isScanOrder(v: unknown): v is ScanOrder {
  return typeof v === 'string' && (SCAN_ORDERS as readonly string[]).includes(v);
}

/** Grid cell read at timestep t (0-based). */
export function cellAt(t: number, rows: number, cols: number, order: ScanOrder): { row: number; col: number } {
  switch (order) {
    case 'row_major':
      return { row: Math.floor(t / cols), col: t % cols };
    case 'column_major':
      return { row: t % rows, col: Math.floor(t / rows) };
    case 'snake': {
      const row = Math.floor(t / cols);
      const k = t % cols;
      return { row, col: row % 2 === 0 ? k : cols - 1 - k };
    }
  }
}

/** stepOfCell[row * cols + col] = the timestep at which that cell is read. */
export function stepOfCell(rows: number, cols: number, order: ScanOrder): Int32Array {
  const out = new Int32Array(rows * cols);
  for (let t = 0; t < rows * cols; t++) {
    const { row, col } = cellAt(t, rows, cols, order);
    out[row * cols + col] = t;
  }
  return out;
}
