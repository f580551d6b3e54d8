export const EXPLAIN_USAGE =
  'usage: rcnn-lens explain <image…> [--method occlusion|ablation|attention|norm|deep|all] [--class LABEL] [--window 1|2] [--json] [--model PATH] [--provider auto|cpu|webgpu|cuda|dml|coreml]';
