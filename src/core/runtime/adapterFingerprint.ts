/**
 * What identifies "this machine's GPU stack" for the provider-choice cache, without a GPU API:
 * onnxruntime-node does not report which adapter WebGPU picked. A different Vulkan driver, NVIDIA
 * driver or visible-device list gives a different fingerprint, so the choice is measured again.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

const ENV_KEYS = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'CUDA_VISIBLE_DEVICES', 'LD_LIBRARY_PATH', 'RCNN_LENS_CUDA_LIBS'];
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
const SOFTWARE_ICD = /swiftshader|lvp_icd|lavapipe|llvmpipe/i;

function listOr(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(0, 4096);
  } catch {
    return '';
  }
}

export interface AdapterFingerprint {
  /** Short hash of the GPU-related state of this machine and process. */
  id: string;
  /** True when the only Vulkan drivers in sight are CPU emulations (SwiftShader, lavapipe). */
  software: boolean;
}

export function adapterFingerprint(env: NodeJS.ProcessEnv = process.env, platform = process.platform): AdapterFingerprint {
  const icdFiles = platform === 'linux' ? ICD_DIRS.flatMap((d) => listOr(d).map((f) => `${d}/${f}`)) : [];
  const explicitIcds = (env.VK_ICD_FILENAMES ?? env.VK_DRIVER_FILES ?? '').split(/[:;]/).filter(Boolean);
  const drivers = explicitIcds.length ? explicitIcds : icdFiles;
  const parts = [
    platform,
    process.arch,
    ...ENV_KEYS.map((k) => `${k}=${env[k] ?? ''}`),
    ...icdFiles,
    platform === 'linux' ? readOr('/proc/driver/nvidia/version') : '',
  ];
  return {
    id: createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16),
    software: drivers.length > 0 && drivers.every((d) => SOFTWARE_ICD.test(d)),
  };
}
