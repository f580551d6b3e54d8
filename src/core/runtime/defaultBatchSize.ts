/**
 * Default batch size per provider. GPUs want big batches. On the CPU, throughput is flat
 * from 16 to 64 images per run (measured: rcnn-cifar10, onnxruntime 1.30) while the
 * session's memory arena grows with the batch (per worker: 122 MB at 16, 135 at 32, 160 at 64), so 16.
 */
export function defaultBatchSize(provider: string): number {
  return provider === 'cpu' || provider === 'none' ? 16 : 256;
}
