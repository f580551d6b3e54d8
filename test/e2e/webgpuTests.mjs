// The classify panel on the WebGPU provider, in code-server: onnxruntime-node's WebGPU on the
// software Vulkan driver Debian's chromium ships (SwiftShader), reached through the environment
// the extension host inherits. Skipped, with the reason, where WebGPU cannot start, unless
// RCNN_LENS_REQUIRE_WEBGPU=1 (.ci/run sets it), which makes that a failure.
import fs from 'node:fs';
import path from 'node:path';
import { cliClassifyJson, cliPredictions } from './lib/fixtures.mjs';
import { contextMenu, expandFolder, waitForWorkbench } from './lib/workbench.mjs';
import { check, openClassifyPanel } from './tests.mjs';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
export const SOFTWARE_VULKAN_ENV = { VK_ICD_FILENAMES: ICD, XDG_RUNTIME_DIR: '/tmp' };

/** Why WebGPU cannot run here (undefined when it can): the CLI classifies with it, as the extension host will. */
function webgpuUnavailable(root, image) {
  if (!fs.existsSync(ICD)) return `${ICD} is missing (apt-get install chromium libvulkan1)`;
  try {
    const { model } = cliClassifyJson(root, [image], ['--provider', 'webgpu'], SOFTWARE_VULKAN_ENV);
    if (model?.provider === 'webgpu') return undefined;
    const errors = (model?.attempts ?? []).map((a) => String(a.error).split('\n')[0]).join('; ');
    return `onnxruntime's WebGPU provider did not start${errors ? `: ${errors}` : ` (the model ran on ${model?.provider})`}`;
  } catch (e) {
    return `the CLI could not classify with --provider webgpu: ${e.message.split('\n')[0]}`;
  }
}

export const webgpuTests = [
  {
    name: 'webgpu-provider',
    title: 'rcnnLens.executionProvider webgpu (SwiftShader): the panel names webgpu and shows the CPU top-1',
    env: SOFTWARE_VULKAN_ENV,
    skip({ root, fx }) {
      const why = webgpuUnavailable(root, fx.known.file);
      if (why && process.env.RCNN_LENS_REQUIRE_WEBGPU === '1') throw new Error(`WebGPU is required (RCNN_LENS_REQUIRE_WEBGPU=1) but ${why}`);
      return why;
    },
    prepare({ ws }) {
      fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'rcnnLens.executionProvider': 'webgpu' }, null, 2));
    },
    async run({ page, steps, fx, log, root }) {
      const img = fx.known;
      const cpu = cliPredictions(root, [img.file], ['--provider', 'cpu'])[path.resolve(img.file)].top[0];
      await waitForWorkbench(page);
      await expandFolder(page, 'images');
      await contextMenu(page, img.name, 'Classify Image');
      const { frame, top } = await openClassifyPanel(page, img.name, steps, log);
      const provider = ((await frame.locator('[data-testid=provider]').textContent({ timeout: 10_000 })) || '').trim();
      log(`  provider: "${provider}"; top label "${top}"; CLI on cpu: ${cpu.label} ${cpu.score.toFixed(4)}`);
      check(/^webgpu\b/i.test(provider), `the panel does not name webgpu as the provider: "${provider}"`);
      check(top.toLowerCase().includes(cpu.label.toLowerCase()), `the top label on webgpu is "${top}", on cpu "${cpu.label}"`);
      await steps.shot('webgpu-panel');
    },
  },
];
