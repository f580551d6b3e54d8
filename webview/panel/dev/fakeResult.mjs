// A synthetic classification result for the harness: an 8×8 bidirectional GRU with an
// attention head over a 400×300 image, center-cropped. Values are smooth and structured
// (an "object" blob right of centre) so every view has something to show.
export const LABELS = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

export function fakeResult({ imageSrc, rows = 8, cols = 8, scanOrder = 'snake', bidirectional = true, attention = true, width = 400, height = 300, resize = 'center_crop', imagePath = '/images/cat.png' } = {}) {
  const L = rows * cols;
  const hiddenSize = 16;
  const D = hiddenSize * (bidirectional ? 2 : 1);
  const K = LABELS.length;
  const cellOf = (t) => {
    const row = Math.floor(t / cols);
    const k = t % cols;
    if (scanOrder === 'row_major') return { row, col: k };
    if (scanOrder === 'column_major') return { row: t % rows, col: Math.floor(t / rows) };
    return { row, col: row % 2 === 0 ? k : cols - 1 - k };
  };
  const objectness = (row, col) => Math.exp(-(((row - 3.5) / 2) ** 2 + ((col - 4.8) / 1.8) ** 2));
  const hidden = [];
  let acc = 0;
  for (let t = 0; t < L; t++) {
    const { row, col } = cellOf(t);
    acc = 0.8 * acc + objectness(row, col);
    for (let d = 0; d < D; d++) hidden.push(Math.tanh(acc * Math.sin(0.7 * d + 1) + 0.1 * Math.cos(t * 0.3 + d)));
  }
  const stepLogits = [];
  let evidence = 0;
  for (let t = 0; t < L; t++) {
    const { row, col } = cellOf(t);
    evidence += objectness(row, col);
    for (let k = 0; k < K; k++) stepLogits.push(k === 3 ? 0.9 * evidence : k === 5 ? 0.6 * evidence + 0.3 : 0.2 * Math.sin(t * 0.2 + k));
  }
  const att = [];
  let sum = 0;
  for (let t = 0; t < L; t++) {
    const { row, col } = cellOf(t);
    const v = Math.exp(3 * objectness(row, col));
    att.push(v);
    sum += v;
  }
  const probabilities = (() => {
    const last = stepLogits.slice((L - 1) * K);
    const m = Math.max(...last);
    const e = last.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  })();
  const top = probabilities.map((score, index) => ({ index, label: LABELS[index], score })).sort((a, b) => b.score - a.score).slice(0, 5);
  const scale = resize === 'center_crop' ? Math.max(32 / width, 32 / height) : Math.min(32 / width, 32 / height);
  const crop = resize === 'stretch' ? { left: 0, top: 0, width, height } : { left: (width - 32 / scale) / 2, top: (height - 32 / scale) / 2, width: 32 / scale, height: 32 / scale };
  return {
    imagePath,
    fileName: imagePath.split('/').pop(),
    imageSrc,
    model: {
      name: 'rcnn-cifar10',
      hash: 'abc123',
      path: '/ext/media/models/rcnn-cifar10.onnx',
      labels: LABELS,
      grid: [rows, cols],
      timesteps: L,
      scanOrder,
      rnn: { type: 'gru', hiddenSize, layers: 1, bidirectional },
      head: attention ? 'attention' : 'final',
      hiddenWidth: D,
      outputs: { hidden: true, stepLogits: true, attention },
      missingViews: attention ? [] : ['Attention view: the model has no `attention` output (final-state head).'],
      card: { dataset: 'CIFAR-10' },
      input: { width: 32, height: 32, channels: 3, resize },
    },
    provider: 'cpu',
    providerNote: 'CUDA is not available on this machine',
    top,
    // Float32Array, like the host's message (see toResultView).
    probabilities: Float32Array.from(probabilities),
    hidden: Float32Array.from(hidden),
    stepLogits: Float32Array.from(stepLogits),
    attention: attention ? Float32Array.from(att, (v) => v / sum) : undefined,
    geometry: { width, height, crop, format: 'png' },
    timing: { decodeMs: 2.1, runMs: 3.4, workerMs: 6.0, totalMs: 12.3, modelLoadMs: 180 },
  };
}
