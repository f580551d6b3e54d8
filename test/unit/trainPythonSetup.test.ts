import { beforeEach, describe, expect, it, vi } from 'vitest';
import { pythonCandidates, pythonExtensionInterpreter, pythonSetting } from '../../src/vscode/training/pythonSetup';

/** What the fake `vscode` answers: trust, the user's rcnnLens.python, a workspace value, the Python extension. */
const fake = vi.hoisted(() => ({
  trusted: true,
  globalPython: undefined as string | undefined,
  workspacePython: undefined as string | undefined,
  pythonExtension: undefined as undefined | { isActive: boolean; exports?: unknown; activate: () => Promise<unknown> },
}));

vi.mock('vscode', async () => ({
  ...(await import('../fixtures/vscodeFake')).vscodeBasics(),
  workspace: {
    get isTrusted() {
      return fake.trusted;
    },
    getConfiguration: () => ({ inspect: () => ({ globalValue: fake.globalPython, workspaceValue: fake.workspacePython }) }),
  },
  extensions: { getExtension: (id: string) => (id === 'ms-python.python' ? fake.pythonExtension : undefined) },
}));

const folder = { fsPath: '/ws' } as never;

function pythonApi(executable: string | undefined, activePath = '/ws/.venv') {
  return {
    environments: {
      getActiveEnvironmentPath: () => ({ path: activePath }),
      resolveEnvironment: async () => (executable ? { executable: { uri: { fsPath: executable } } } : undefined),
    },
  };
}

describe('Python for training, in the extension', () => {
  beforeEach(() => {
    fake.trusted = true;
    fake.globalPython = undefined;
    fake.workspacePython = undefined;
    fake.pythonExtension = undefined;
  });

  it('order: the rcnnLens.python user setting, then the Python extension, then PATH', async () => {
    fake.globalPython = '/opt/py/bin/python';
    fake.pythonExtension = { isActive: true, exports: pythonApi('/ws/.venv/bin/python'), activate: async () => undefined };
    const c = await pythonCandidates(folder);
    expect(c.map((x) => [x.source, x.command])).toEqual([
      ['setting', '/opt/py/bin/python'],
      ['python-extension', '/ws/.venv/bin/python'],
      ['path', 'python3'],
    ]);
  });

  it('a workspace value of rcnnLens.python is never used (machine setting)', async () => {
    fake.workspacePython = '/ws/evil-python';
    expect(pythonSetting()).toBeUndefined();
    expect((await pythonCandidates(folder)).map((x) => x.source)).toEqual(['path']);
  });

  it('a restricted workspace ignores the setting and the Python extension (its interpreter may be a venv in the repository)', async () => {
    fake.trusted = false;
    fake.globalPython = '/opt/py/bin/python';
    fake.pythonExtension = { isActive: true, exports: pythonApi('/ws/.venv/bin/python'), activate: async () => undefined };
    expect((await pythonCandidates(folder)).map((x) => x.source)).toEqual(['path']);
  });

  it('activates the Python extension when needed, and falls back to the environment path without a resolved executable', async () => {
    const activate = vi.fn(async () => pythonApi(undefined, '/usr/bin/python3.11'));
    fake.pythonExtension = { isActive: false, activate };
    expect(await pythonExtensionInterpreter(folder)).toBe('/usr/bin/python3.11');
    expect(activate).toHaveBeenCalled();
  });

  it('an extension without the environments API, or one that throws, gives no candidate', async () => {
    fake.pythonExtension = { isActive: true, exports: {}, activate: async () => ({}) };
    expect(await pythonExtensionInterpreter(folder)).toBeUndefined();
    fake.pythonExtension = { isActive: false, activate: async () => Promise.reject(new Error('activation failed')) };
    expect(await pythonExtensionInterpreter(folder)).toBeUndefined();
  });
});
