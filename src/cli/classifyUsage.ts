export const CLASSIFY_USAGE =
  'usage: rcnn-lens classify <image…> [--json] [--model PATH] [--provider auto|cpu|webgpu|cuda|dml|coreml] [--top K]';
