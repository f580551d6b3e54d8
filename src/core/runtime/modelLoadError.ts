/** A model file that cannot be read or is not ONNX. Kept apart from modelSession so that
 * code which only reports errors does not load onnxruntime. */
export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}
