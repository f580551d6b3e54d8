import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelContractError } from '../../src/core/model/contract';
import { LoadedModel } from '../../src/core/runtime/modelSession';
import { describeModelChoiceFailure } from '../../src/vscode/commands/modelChoiceMessage';
import { tmpDir } from '../fixtures/hostile/helpers';

async function loadError(file: string): Promise<unknown> {
  try {
    await LoadedModel.load(file, { provider: 'cpu' });
  } catch (err) {
    return err;
  }
  throw new Error(`${file} loaded`);
}

describe('Select Model with a file that cannot be used', () => {
  it('says in plain words that it is not an ONNX model, names the file once, and that the previous model stays', async () => {
    const file = path.join(tmpDir('rcnn-model-choice-'), 'notes.onnx');
    writeFileSync(file, 'this is not an ONNX model\n'.repeat(20));
    const f = describeModelChoiceFailure(await loadError(file), file, undefined);
    expect(f.message).toBe(
      "RCNN Lens cannot use notes.onnx: not an ONNX model: the file's bytes are not a valid ONNX protobuf. The bundled model is still in use.",
    );
    expect(f.message).not.toMatch(/wire type/);
    expect(f.message.split(file).length - 1).toBe(0); // the full path belongs in the log
    expect(f.logText).toContain(file);
    expect(f.logText).toMatch(/wire type/); // the technical reason is kept for Show Details
  });

  it('lists the contract problems of an ONNX model that does not follow the contract', () => {
    const problems = Array.from({ length: 6 }, (_, i) => ({ where: `output ${i}`, message: `problem ${i}` }));
    const f = describeModelChoiceFailure(new ModelContractError('/m/odd.onnx', problems), '/m/odd.onnx', 'old.onnx');
    expect(f.message).toContain('odd.onnx: an ONNX model that does not follow the RCNN Lens model contract (6 problems: output 0: problem 0;');
    expect(f.message).toContain('and 2 more (Show Details)');
    expect(f.message).toMatch(/The previous model, old\.onnx, is still in use\.$/);
    expect(f.logText).toContain('output 5: problem 5');
  });
});
