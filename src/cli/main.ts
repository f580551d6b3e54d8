/**
 * rcnn-lens: the command-line face of the same core the extension uses.
 */
import { bundledModelPath, packageRootFromDist } from '../core/bundledModel';
import { printable } from '../core/util/printable';
import { UsageError } from './args';
import { CLASSIFY_USAGE } from './classifyUsage';
import { EXPLAIN_USAGE } from './explainUsage';
import { relaunchWithCudaLibs, takeCudaLibs } from './cudaFlag';
import { exitCodeFor } from './exitCodes';
import { LABEL_USAGE, runLabelCommand } from './labelCommand';
import { TRAIN_USAGE, runTrainCommand } from './trainCommand';

const USAGE = `rcnn-lens: classify images with a recurrent convolutional network

${CLASSIFY_USAGE}
${EXPLAIN_USAGE}
${LABEL_USAGE}
${TRAIN_USAGE}`;

async function main(cliArgs: string[]): Promise<number> {
  const defaultModel = bundledModelPath(packageRootFromDist(__dirname));
  try {
    const { argv, dir: cudaLibs } = takeCudaLibs(cliArgs);
    const relaunched = cudaLibs ? relaunchWithCudaLibs(cudaLibs, argv) : undefined;
    if (relaunched !== undefined) return relaunched;
    const [command, ...rest] = argv;
    switch (command) {
      case 'classify': {
        // Loaded on demand: `label` runs its native work in workers and its parent
        // process should not carry onnxruntime and sharp.
        const { runClassifyCommand } = await import('./classifyCommand');
        return await runClassifyCommand(rest, defaultModel);
      }
      case 'explain': {
        const { runExplainCommand } = await import('./explainCommand');
        return await runExplainCommand(rest, defaultModel);
      }
      case 'label':
        return await runLabelCommand(rest, defaultModel);
      case 'train':
        return await runTrainCommand(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    // Messages quote file names, class names and model text: no control characters reach the terminal.
    const message = printable(err instanceof Error ? err.message : String(err));
    process.stderr.write(`rcnn-lens: ${message}\n${err instanceof UsageError ? `${USAGE}\n` : ''}`);
    return exitCodeFor(err);
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
