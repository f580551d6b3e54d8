import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  checkCudaLibraryFolder,
  explainCudaLoadError,
  openCudaSession,
  withCudaLibraryPath,
} from '../../src/core/runtime/cudaLibraries';
import { bufferReader, readNeededLibraries, readNeededLibrariesOfFile } from '../../src/core/runtime/elfNeeded';
import { workerProcessEnv } from '../../src/core/runtime/workerProcessEnv';
import { BUNDLE_ENV, ROOT, buildBundles } from '../fixtures/hostile/helpers';

const FAKE_PROVIDER = path.join(__dirname, '..', 'fixtures', 'cuda', 'libonnxruntime_providers_cuda.so');
const ORT = '1.30.0';
const opts = (extra = {}) => ({ ortVersion: ORT, env: {}, knownToLoader: new Set(['libc.so.6']), platform: 'linux' as const, ...extra });

function folder(files: Record<string, string | Buffer | 'provider'>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rl-cuda-'));
  for (const [name, content] of Object.entries(files)) {
    if (content === 'provider') copyFileSync(FAKE_PROVIDER, path.join(dir, name));
    else writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe('readNeededLibraries', () => {
  it('lists DT_NEEDED entries of a shared library', () => {
    expect(readNeededLibrariesOfFile(FAKE_PROVIDER)).toEqual(['libcudart.so.12', 'libcudnn.so.9', 'libc.so.6']);
    const ort = path.join(ROOT, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1');
    if (process.platform === 'linux' && process.arch === 'x64') expect(readNeededLibrariesOfFile(ort)).toContain('libstdc++.so.6');
  });
  it('returns undefined, never throws, for files that are not (well-formed) ELF', () => {
    expect(readNeededLibraries(bufferReader(Buffer.from('not an elf at all, just text, long enough to pass 64 bytes of header........')))).toBeUndefined();
    const real = require('node:fs').readFileSync(FAKE_PROVIDER) as Buffer;
    for (const cut of [10, 64, 200, 2000, real.length - 100]) {
      expect(() => readNeededLibraries(bufferReader(real.subarray(0, cut)))).not.toThrow();
    }
    const huge = Buffer.from(real);
    huge.writeUInt16LE(0xffff, 0x3c); // 65,535 section headers
    expect(readNeededLibraries(bufferReader(huge))).toBeUndefined();
  });
});

describe('checkCudaLibraryFolder', () => {
  it('names a missing folder', () => {
    expect(checkCudaLibraryFolder('/nonexistent/cuda', opts()).map((p) => p.code)).toEqual(['cuda_folder_missing']);
  });
  it('names the provider libraries and the onnxruntime library a folder lacks', () => {
    const problems = checkCudaLibraryFolder(folder({}), opts());
    expect(problems.map((p) => p.code)).toEqual(['cuda_provider_missing', 'cuda_provider_missing', 'cuda_ort_version']);
    expect(problems[1].message).toContain('libonnxruntime_providers_cuda.so');
    expect(problems[1].message).toContain('Microsoft.ML.OnnxRuntime.Gpu.Linux 1.30.0');
  });
  it('refuses an onnxruntime library of another version', () => {
    const dir = folder({ 'libonnxruntime_providers_shared.so': 'x', 'libonnxruntime_providers_cuda.so': 'provider', 'libonnxruntime.so.1': 'VERS_1.22.0' });
    const [p] = checkCudaLibraryFolder(dir, opts());
    expect(p.code).toBe('cuda_ort_version');
    expect(p.message).toContain('is not onnxruntime 1.30.0');
  });
  it('names each CUDA library the provider needs and nothing provides, with what to install', () => {
    const dir = folder({ 'libonnxruntime_providers_shared.so': 'x', 'libonnxruntime_providers_cuda.so': 'provider', 'libonnxruntime.so.1': 'VERS_1.30.0' });
    const problems = checkCudaLibraryFolder(dir, opts());
    expect(problems.map((p) => p.details?.library)).toEqual(['libcudart.so.12', 'libcudnn.so.9']);
    expect(problems[0].message).toMatch(/libcudart\.so\.12 is missing .*install the CUDA runtime \(major version 12\)/);
    expect(problems[1].message).toContain('cuDNN 9');
    writeFileSync(path.join(dir, 'libcudart.so.12'), '');
    expect(checkCudaLibraryFolder(dir, opts()).map((p) => p.details?.library)).toEqual(['libcudnn.so.9']);
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'rl-cudnn-'));
    writeFileSync(path.join(elsewhere, 'libcudnn.so.9'), '');
    expect(checkCudaLibraryFolder(dir, opts({ env: { LD_LIBRARY_PATH: elsewhere } }))).toEqual([]);
    expect(checkCudaLibraryFolder(dir, opts({ knownToLoader: new Set(['libc.so.6', 'libcudnn.so.9']) }))).toEqual([]);
  });
  it('says CUDA folders are for Linux elsewhere', () => {
    expect(checkCudaLibraryFolder('C:\\cuda', opts({ platform: 'win32' }))[0].code).toBe('cuda_platform');
  });
});

describe('explainCudaLoadError', () => {
  it('names the library in onnxruntime\'s loader error', () => {
    const raw = 'Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory';
    expect(explainCudaLoadError(raw)).toMatch(/^CUDA could not start: libcublasLt\.so\.12 is missing\. Install cuBLAS \(major version 12\)/);
    expect(explainCudaLoadError('/x/libonnxruntime_providers_shared.so: cannot open shared object file')).toContain('libonnxruntime_providers_shared.so is missing');
    expect(explainCudaLoadError('CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version')).toContain('Update the driver');
    expect(explainCudaLoadError('some other failure')).toBeUndefined();
  });
  it('refuses before onnxruntime is tried when the folder is wrong, and explains a failed load', async () => {
    let opened = false;
    await expect(openCudaSession(async () => { opened = true; }, ORT, { RCNN_LENS_CUDA_LIBS: '/nonexistent/cuda' })).rejects.toThrow('does not exist');
    expect(opened).toBe(false);
    await expect(
      openCudaSession(async () => {
        throw new Error('Failed to load library libonnxruntime_providers_cuda.so with error: libcudart.so.12: cannot open shared object file');
      }, ORT, {}),
    ).rejects.toThrow(/^CUDA could not start: libcudart\.so\.12 is missing/);
  });
});

describe('library path of the worker processes', () => {
  it('puts the CUDA folder first, once', () => {
    expect(withCudaLibraryPath({ LD_LIBRARY_PATH: '/a:/cuda:/b' }, '/cuda').LD_LIBRARY_PATH).toBe('/cuda:/a:/b');
    expect(workerProcessEnv({ LD_LIBRARY_PATH: '/a' }, { RCNN_LENS_CUDA_LIBS: '/cuda' }, 'linux').LD_LIBRARY_PATH).toBe('/cuda:/a');
    expect(workerProcessEnv({ LD_LIBRARY_PATH: '/a' }, {}, 'linux').LD_LIBRARY_PATH).toBe('/a');
  });
});

describe('rcnn-lens --cuda-libs', () => {
  it('falls back to the CPU and says what the folder lacks', async () => {
    const cli = path.join(buildBundles(), 'cli.js');
    const img = path.join(mkdtempSync(path.join(tmpdir(), 'rl-cuda-img-')), 'x.png');
    await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 10, g: 200, b: 10 } } }).png().toFile(img);
    const dir = folder({ 'libonnxruntime_providers_shared.so': 'x', 'libonnxruntime_providers_cuda.so': 'provider' });
    mkdirSync(path.join(dir, 'sub'));
    const r = spawnSync(process.execPath, [cli, 'classify', img, '--json', '--provider', 'cuda', '--cuda-libs', dir, '--model', path.join(ROOT, 'media/models/rcnn-cifar10.onnx')], {
      encoding: 'utf8',
      env: { ...process.env, ...BUNDLE_ENV },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.model.provider).toBe('cpu');
    expect(out.model.attempts[0].provider).toBe('cuda');
    expect(out.model.attempts[0].error).toContain('has no libonnxruntime.so.1');
  }, 60_000);
});
