import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTrainingVenv, venvPython } from '../../src/core/training/venv';
import { tmpDir } from '../fixtures/hostile/helpers';

/**
 * A "python" whose `-m venv DIR` makes DIR/bin/python: a copy of a script that logs its
 * arguments and fails pip when FAKE_PIP_FAIL is set. No network, no real venv.
 */
function fakeBasePython(): { python: string; log: string } {
  const dir = tmpDir('rl-venv-');
  const log = path.join(dir, 'calls.log');
  const python = path.join(dir, 'python');
  const script = `#!/bin/sh
echo "$0 $*" >> ${log}
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && echo "created"; exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "Collecting torch"; if [ -n "$FAKE_PIP_FAIL" ]; then echo "ERROR: No matching distribution found for torch" >&2; exit 1; fi; echo "Successfully installed torch"; exit 0; fi
exit 3
`;
  writeFileSync(python, script);
  chmodSync(python, 0o755);
  return { python, log };
}

describe('createTrainingVenv', () => {
  it('makes a venv and pip-installs the requirements into it, logging every line', async () => {
    const { python, log } = fakeBasePython();
    const dir = path.join(tmpDir('rl-venv-'), 'env');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'stale'), 'x');
    const lines: string[] = [];
    const got = await createTrainingVenv({ basePython: python, dir, requirementsFile: '/ext/training/requirements.txt', onLog: (l) => lines.push(l) });
    expect(got).toBe(venvPython(dir));
    expect(existsSync(path.join(dir, 'stale'))).toBe(false);
    expect(lines).toEqual(['created', 'Collecting torch', 'Successfully installed torch']);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls[0]).toBe(`${python} -m venv ${dir}`);
    expect(calls[1]).toBe(`${venvPython(dir)} -m pip install --disable-pip-version-check -r /ext/training/requirements.txt`);
  });

  it('a failing pip is an error with pip’s last lines', async () => {
    const { python } = fakeBasePython();
    const dir = path.join(tmpDir('rl-venv-'), 'env');
    await expect(createTrainingVenv({ basePython: python, dir, requirementsFile: 'r.txt', env: { FAKE_PIP_FAIL: '1' } })).rejects.toMatchObject({
      code: 'venv_failed',
      message: expect.stringContaining('No matching distribution found for torch'),
    });
  });

  it('a base Python that does not exist is python_missing', async () => {
    await expect(createTrainingVenv({ basePython: '/no/python3', dir: path.join(tmpDir('rl-venv-'), 'env'), requirementsFile: 'r.txt' })).rejects.toMatchObject({ code: 'python_missing' });
  });
});
