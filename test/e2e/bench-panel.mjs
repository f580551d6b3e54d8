#!/usr/bin/env node
// Benchmark (not a test): Explorer → "Classify Image" → top label visible in the panel, in a
// real VS Code (code-server + Chromium, the packaged .vsix). Warm: the model is loaded and the
// worker running; each run opens a new panel on another demo image. Cold: the window is
// reloaded first (a new extension host, so a new worker and a fresh model load).
// Prints median and p90 of each.
//
//   npm run package && node test/e2e/bench-panel.mjs [--runs 10]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { codeServerBin, installExtension, startCodeServer } from './lib/code-server.mjs';
import { CHROMIUM_ARGS, explorerRow, expandFolder, poll, waitForWorkbench } from './lib/workbench.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(root, 'package.json'));
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10;

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

/** Right-click → Classify Image; ms from the menu click to the panel's top label showing `name`'s result. */
async function timeClassify(page, name) {
  const row = explorerRow(page, name);
  await row.click({ button: 'right' });
  const entry = page.getByRole('menuitem', { name: 'Classify Image', exact: true });
  await entry.waitFor({ timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 300)); // the menu ignores a click right after it opens
  const t0 = performance.now();
  await entry.click();
  await poll(`the top label for ${name}`, async () => {
    for (const f of page.frames()) {
      const ok = await f.evaluate((n) => {
        const top = document.querySelector('[data-testid=top-label]');
        const file = document.querySelector('[data-testid=file-name]');
        return !!top && top.textContent.trim() !== '' && !!file && file.textContent.includes(n) && top.getBoundingClientRect().height > 0;
      }, name).catch(() => false);
      if (ok) return true;
    }
    return null;
  }, { timeout: 60_000, interval: 10 });
  return performance.now() - t0;
}

async function closeEditors(page) {
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+W');
  await new Promise((r) => setTimeout(r, 300));
}

const pj = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const vsix = path.join(root, `${pj.name}-${pj.version}-${process.platform}-${process.arch}.vsix`);
if (!fs.existsSync(vsix)) throw new Error(`${vsix} missing: npm run package`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rcnn-bench-panel-'));
const ws = path.join(tmp, 'ws');
fs.mkdirSync(ws);
const images = fs.readdirSync(path.join(root, 'samples', 'demo-images')).filter((f) => /^[a-z]+_\d+\.jpg$/.test(f)).slice(0, RUNS * 2 + 1);
for (const f of images) fs.copyFileSync(path.join(root, 'samples', 'demo-images', f), path.join(ws, f));
const bin = codeServerBin(root);
installExtension(bin, vsix, path.join(tmp, 'ext'), path.join(tmp, 'ud-install'), path.join(tmp, 'install.log'));
const server = await startCodeServer({ bin, workspace: ws, userDataDir: path.join(tmp, 'ud'), extensionsDir: path.join(tmp, 'ext'), logFile: path.join(tmp, 'cs.log') });
const { chromium } = require('playwright-core');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 1300 } });
  const cold = [];
  const warm = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto(server.url); // a fresh window: new extension host, new worker
    await waitForWorkbench(page);
    cold.push(await timeClassify(page, images[2 * i]));
    await closeEditors(page);
    warm.push(await timeClassify(page, images[2 * i + 1]));
    await closeEditors(page);
    console.log(`run ${i + 1}: cold ${cold[i].toFixed(0)} ms, warm ${warm[i].toFixed(0)} ms`);
  }
  for (const [what, xs] of [['warm', warm], ['cold', cold]]) {
    console.log(`${what}: median ${pct(xs, 50).toFixed(0)} ms, p90 ${pct(xs, 90).toFixed(0)} ms (n=${xs.length})`);
  }
} finally {
  await browser.close();
  await server.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
