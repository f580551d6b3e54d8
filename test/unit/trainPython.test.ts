import { chmodSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertCanTrain, checkPythonEnv, findPython, pathPythonCandidates } from '../../src/core/training/pythonEnv';
import { tmpDir } from '../fixtures/hostile/helpers';

const TRAINING_ROOT = path.join(__dirname, '../../training');

/** A "python" that prints `stdout` whatever it is asked (exit code `code`). */
function fakePython(stdout: string, code = 0): string {
  const file = path.join(tmpDir('rl-py-'), 'python');
  writeFileSync(file, `#!/bin/sh\ncat <<'EOF_'\n${stdout}\nEOF_\nexit ${code}\n`);
  chmodSync(file, 0o755);
  return file;
}
const report = (missing: string[]) =>
  JSON.stringify({ python: '/x/python', version: '3.11.7', python_ok: true, packages: { torch: missing.includes('torch') ? null : '2.13.0', onnx: '1.23.1', onnxruntime: '1.30.0' }, missing });

describe('checkPythonEnv (training/rcnn_lens_train/env_check.py)', () => {
  it('reports the versions of torch, onnx and onnxruntime of a real Python', async () => {
    const r = await checkPythonEnv('python3', TRAINING_ROOT);
    expect(r.pythonOk).toBe(true);
    expect(Object.keys(r.packages).sort()).toEqual(['numpy', 'onnx', 'onnxruntime', 'onnxscript', 'pillow', 'torch']);
    expect(r.missing).toEqual([]);
    expect(r.packages.torch).toMatch(/^\d+\.\d+/);
  });

  it('names a missing package', async () => {
    // This machine's Python has torch: the report is faked, its reading and the message are what is tested.
    const r = await checkPythonEnv(fakePython(report(['torch'])), TRAINING_ROOT);
    expect(r.missing).toEqual(['torch']);
    expect(() => assertCanTrain({ candidate: { command: 'p', source: 'path' }, report: r, skipped: [] }, '/ext/training/requirements.txt')).toThrow(
      expect.objectContaining({ code: 'python_packages_missing', message: expect.stringContaining('lacks torch: install them with /x/python -m pip install -r /ext/training/requirements.txt') }),
    );
  });

  it('refuses a too old Python', async () => {
    const r = JSON.parse(report([]));
    r.python_ok = false;
    r.version = '3.6.9';
    const parsed = await checkPythonEnv(fakePython(JSON.stringify(r)), TRAINING_ROOT);
    expect(() => assertCanTrain({ candidate: { command: 'p', source: 'path' }, report: parsed, skipped: [] }, 'req.txt')).toThrow(expect.objectContaining({ code: 'python_missing', message: expect.stringContaining('3.6.9') }));
  });

  it('says what is wrong with a command that is not there, fails, or is not a Python', async () => {
    await expect(checkPythonEnv('/nonexistent/python3', TRAINING_ROOT)).rejects.toMatchObject({ code: 'python_missing', message: expect.stringContaining('not found') });
    await expect(checkPythonEnv(fakePython('Traceback: SyntaxError', 1), TRAINING_ROOT)).rejects.toMatchObject({ code: 'python_missing', message: expect.stringContaining('SyntaxError') });
    await expect(checkPythonEnv(fakePython('Python 2.7.18'), TRAINING_ROOT)).rejects.toMatchObject({ code: 'python_missing', message: expect.stringContaining('did not answer like a Python 3') });
  });

  it('gives up on a Python that hangs', async () => {
    const file = path.join(tmpDir('rl-py-'), 'python');
    writeFileSync(file, '#!/bin/sh\nsleep 30\n');
    chmodSync(file, 0o755);
    await expect(checkPythonEnv(file, TRAINING_ROOT, 500)).rejects.toMatchObject({ code: 'python_missing', message: expect.stringContaining('no answer') });
  });
});

describe('findPython', () => {
  const good = () => fakePython(report([]));

  it('takes the setting first, then the Python extension’s interpreter, then PATH', async () => {
    const a = good();
    const b = good();
    expect((await findPython([{ command: a, source: 'setting' }, { command: b, source: 'path' }], TRAINING_ROOT)).candidate.command).toBe(a);
    expect((await findPython([{ command: a, source: 'python-extension' }, { command: b, source: 'path' }], TRAINING_ROOT)).candidate.command).toBe(a);
  });

  it('an explicit choice that does not run is an error, not a silent fallback', async () => {
    await expect(findPython([{ command: '/nope/python', source: 'setting' }, { command: good(), source: 'path' }], TRAINING_ROOT)).rejects.toMatchObject({
      code: 'python_missing',
      message: expect.stringContaining('the rcnnLens.python setting (/nope/python) cannot be used'),
    });
    await expect(findPython([{ command: '/nope/python', source: 'option' }], TRAINING_ROOT)).rejects.toMatchObject({ message: expect.stringContaining('--python /nope/python') });
  });

  it('falls back from a broken Python extension interpreter to PATH, and names all it tried when none runs', async () => {
    const b = good();
    const found = await findPython([{ command: '/gone/python', source: 'python-extension' }, { command: b, source: 'path' }], TRAINING_ROOT);
    expect(found.candidate.command).toBe(b);
    expect(found.skipped[0]).toContain("the Python extension's interpreter (/gone/python)");
    await expect(findPython([{ command: '/gone/python', source: 'python-extension' }, { command: '/gone/python3', source: 'path' }], TRAINING_ROOT)).rejects.toMatchObject({
      code: 'python_missing',
      message: expect.stringMatching(/no Python 3 found.*\/gone\/python\).*\/gone\/python3 on PATH/),
    });
  });

  it('uses python3 on PATH, and the py launcher on Windows', () => {
    expect(pathPythonCandidates('linux')).toEqual([{ command: 'python3', source: 'path' }]);
    expect(pathPythonCandidates('win32').map((c) => c.command)).toEqual(['python', 'py']);
  });
});
