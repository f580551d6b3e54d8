#!/usr/bin/env node
// Benchmark (not a test): Explorer → "Classify Image" → top label visible in the panel, in a
// real VS Code (code-server + Chromium, the packaged .vsix).
//   cold: a fresh code-server and window (so a new extension host process: the extension
//         activates, the worker process starts and loads the model). code-server's web
//         workbench has no "Restart Extension Host", and reloading the page reconnects to the
//         same extension host;
//   further: right after the cold one, another image while its panel is still open (with
//         rcnnLens.panel.reuse, the default, that panel shows it: no new webview);
//   warm: the model is loaded and the worker running, all editors closed; a new panel on
//         another demo image.
// Prints median and p90 of each, and the median time of every stage (host marks from the
// "panel timing" log line, webview marks from webview/panel/paintTiming.ts), so a slow
// panel shows where its time goes.
//
//   npm run package && node test/e2e/bench-panel.mjs [--runs 10] [--vsix other.vsix ...] [--json out.json]
// Several --vsix are measured interleaved in one sitting (a baseline beside a change).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { codeServerBin, installExtension, startCodeServer } from './lib/code-server.mjs';
import { CHROMIUM_ARGS, waitForWorkbench } from './lib/workbench.mjs';
import { stageTable, summarize, timeClassify, closeEditors } from './lib/panelTiming.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(root, 'package.json'));
const args = process.argv.slice(2);
const argValues = (name) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
const RUNS = Number(argValues('--runs')[0] ?? 10);
const WARM_PER_RUN = Number(argValues('--warm-per-run')[0] ?? 1);
const jsonOut = argValues('--json')[0];

const pj = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const defaultVsix = path.join(root, `${pj.name}-${pj.version}-${process.platform}-${process.arch}.vsix`);
const vsixes = argValues('--vsix').length ? argValues('--vsix').map((v) => path.resolve(v)) : [defaultVsix];
for (const v of vsixes) if (!fs.existsSync(v)) throw new Error(`${v} missing: npm run package`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rcnn-bench-panel-'));
const demo = path.join(root, 'samples', 'demo-images');
const images = fs.readdirSync(demo).filter((f) => /^[a-z]+_\d+\.jpg$/.test(f));
const bin = codeServerBin(root);
const { chromium } = require('playwright-core');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });

/** One build of the extension, installed once; each run starts its own code-server with it. */
function installSubject(vsix, index) {
  const dir = path.join(tmp, `s${index}`);
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws, { recursive: true });
  for (const f of images) fs.copyFileSync(path.join(demo, f), path.join(ws, f));
  installExtension(bin, vsix, path.join(dir, 'ext'), path.join(dir, 'ud-install'), path.join(dir, 'install.log'));
  return { name: path.basename(vsix), dir, ws, cold: [], further: [], warm: [], next: 0 };
}

async function measureRun(s, run) {
  const pick = () => images[s.next++ % images.length];
  const userDataDir = path.join(s.dir, `ud-${run}`);
  const server = await startCodeServer({ bin, workspace: s.ws, userDataDir, extensionsDir: path.join(s.dir, 'ext'), logFile: path.join(s.dir, 'cs.log') });
  const page = await browser.newPage({ viewport: { width: 1360, height: 1300 } });
  try {
    await page.goto(server.url);
    await waitForWorkbench(page);
    s.cold.push(await timeClassify(page, pick(), userDataDir));
    s.further.push(await timeClassify(page, pick(), userDataDir));
    await closeEditors(page);
    for (let k = 0; k < WARM_PER_RUN; k++) {
      s.warm.push(await timeClassify(page, pick(), userDataDir));
      await closeEditors(page);
    }
  } finally {
    await page.close();
    await server.stop();
  }
}

const subjects = [];
try {
  for (const [i, v] of vsixes.entries()) subjects.push(installSubject(v, i));
  for (let run = 1; run <= RUNS; run++) {
    for (const s of subjects) {
      await measureRun(s, run);
      const c = s.cold.at(-1).visible;
      const f = s.further.at(-1).visible;
      const w = s.warm.slice(-WARM_PER_RUN).map((x) => x.visible.toFixed(0)).join('/');
      console.log(`run ${run} ${s.name}: cold ${c.toFixed(0)} ms, further ${f.toFixed(0)} ms, warm ${w} ms`);
    }
  }
  for (const s of subjects) {
    console.log(`\n${s.name}`);
    for (const [what, xs] of [['further (panel open)', s.further], ['warm (new panel)', s.warm], ['cold', s.cold]]) {
      const v = summarize(xs.map((x) => x.visible));
      console.log(`${what}: median ${v.median} ms, p90 ${v.p90} ms (n=${v.n})`);
    }
    // (a reused page was loaded for the panel's first image, so only the host's stages are its own)
    const hostOnly = s.further.map((x) => ({ ...x, stages: Object.fromEntries(Object.entries(x.stages).filter(([k]) => !k.startsWith('page:') || /result|details/.test(k))) }));
    for (const [what, xs] of [['further', hostOnly], ['warm', s.warm], ['cold', s.cold]]) console.log(`\n${what} stages (median ms after the click):\n${stageTable(xs)}`);
  }
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(subjects.map(({ name, cold, further, warm }) => ({ name, cold, further, warm })), null, 2));
} finally {
  await browser.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
