import * as path from 'node:path';

/** File name of the default model shipped in media/models/. */
export const BUNDLED_MODEL_FILE = 'rcnn-cifar10.onnx';

/** The bundled model's path, given the extension's (or package's) root folder. */
export function bundledModelPath(packageRoot: string): string {
  return path.join(packageRoot, 'media', 'models', BUNDLED_MODEL_FILE);
}

/** The package root of a bundle in dist/ (dist/cli.js, dist/extension.js). */
export function packageRootFromDist(distDir: string): string {
  return path.resolve(distDir, '..');
}
