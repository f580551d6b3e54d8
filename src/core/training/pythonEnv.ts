/**
 * Which Python trains, and whether it can: the candidates come in order of preference
 * (the `rcnnLens.python` setting or `--python`, the Python extension's interpreter,
 * `python3` on PATH); the first that runs is checked for torch, onnx and onnxruntime by
 * training/rcnn_lens_train/env_check.py, which reads package metadata only (fast, and safe
 * on a Python without them).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { TrainingError } from './errors';

export type PythonSource = 'setting' | 'option' | 'python-extension' | 'path';

export interface PythonCandidate {
  command: string;
  source: PythonSource;
}

export interface PythonEnvReport {
  /** sys.executable of the Python that answered. */
  python: string;
  version: string;
  pythonOk: boolean;
  packages: Record<string, string | null>;
  missing: string[];
}

export interface FoundPython {
  candidate: PythonCandidate;
  report: PythonEnvReport;
  /** Candidates tried before it that did not run, with why. */
  skipped: string[];
}

const CHECK_TIMEOUT_MS = 30_000;

/** The PATH fallback: `python3`, or on Windows the `python` / `py` launchers. */
export function pathPythonCandidates(platform: NodeJS.Platform = process.platform): PythonCandidate[] {
  return (platform === 'win32' ? ['python', 'py'] : ['python3']).map((command) => ({ command, source: 'path' }));
}

export function envCheckScript(trainingRoot: string): string {
  return path.join(trainingRoot, 'rcnn_lens_train', 'env_check.py');
}

export function describeSource(c: PythonCandidate): string {
  switch (c.source) {
    case 'setting':
      return `the rcnnLens.python setting (${c.command})`;
    case 'option':
      return `--python ${c.command}`;
    case 'python-extension':
      return `the Python extension's interpreter (${c.command})`;
    default:
      return `${c.command} on PATH`;
  }
}

/** Runs env_check.py with `command`; a TrainingError('python_missing') when it cannot. */
export function checkPythonEnv(command: string, trainingRoot: string, timeoutMs = CHECK_TIMEOUT_MS): Promise<PythonEnvReport> {
  return new Promise((resolve, reject) => {
    execFile(command, [envCheckScript(trainingRoot)], { timeout: timeoutMs, maxBuffer: 64 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not executable' : err.killed ? `no answer in ${timeoutMs / 1000} s` : firstLine(stderr) || firstLine(stdout) || err.message;
        reject(new TrainingError('python_missing', `cannot run Python ${command}: ${why}`, { python: command }));
        return;
      }
      const report = parseReport(stdout);
      if (!report) reject(new TrainingError('python_missing', `${command} did not answer like a Python 3 (${firstLine(stdout + stderr) || 'no output'})`, { python: command }));
      else resolve(report);
    });
  });
}

function firstLine(text: string): string {
  return text.trim().split(/\r?\n/).pop()?.slice(0, 300) ?? '';
}

function parseReport(stdout: string): PythonEnvReport | undefined {
  try {
    const v = JSON.parse(stdout.trim().split(/\r?\n/).pop() ?? '');
    if (typeof v?.python !== 'string' || typeof v.packages !== 'object' || !Array.isArray(v.missing)) return undefined;
    return { python: v.python, version: String(v.version), pythonOk: v.python_ok === true, packages: v.packages, missing: v.missing.map(String) };
  } catch {
    return undefined;
  }
}

/**
 * The first candidate that runs. An explicit choice (setting, --python) that does not run
 * is an error of its own: falling back silently would train with a Python the user did
 * not pick. The Python extension's interpreter may fall back to PATH.
 */
export async function findPython(candidates: readonly PythonCandidate[], trainingRoot: string, timeoutMs?: number): Promise<FoundPython> {
  const skipped: string[] = [];
  for (const candidate of candidates) {
    try {
      return { candidate, report: await checkPythonEnv(candidate.command, trainingRoot, timeoutMs), skipped };
    } catch (err) {
      const message = (err as Error).message;
      if (candidate.source === 'setting' || candidate.source === 'option') {
        throw new TrainingError('python_missing', `${describeSource(candidate)} cannot be used: ${message}`, { python: candidate.command, source: candidate.source });
      }
      skipped.push(`${describeSource(candidate)}: ${message}`);
    }
  }
  throw new TrainingError(
    'python_missing',
    `no Python 3 found to train with (${skipped.join('; ') || 'no candidates'}). Install Python 3, or set rcnnLens.python (CLI: --python PATH).`,
    { tried: skipped },
  );
}

/** Throws python_packages_missing (naming them) unless the report can train. */
export function assertCanTrain(found: FoundPython, requirementsFile: string): void {
  const { report } = found;
  if (!report.pythonOk) {
    throw new TrainingError('python_missing', `${report.python} is Python ${report.version}; training needs Python 3.9 or newer`, { python: report.python, version: report.version });
  }
  if (report.missing.length) {
    throw new TrainingError(
      'python_packages_missing',
      `${report.python} lacks ${report.missing.join(', ')}: install them with ${report.python} -m pip install -r ${requirementsFile}`,
      { python: report.python, missing: report.missing, packages: report.packages },
    );
  }
}
