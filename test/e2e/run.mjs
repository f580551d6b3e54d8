#!/usr/bin/env node
// End-to-end tests: the packaged .vsix installed into a real VS Code (code-server
// 4.100.3 = VS Code 1.100.3), driven through Debian's Chromium with playwright-core.
// It builds nothing itself but calls `npm run package` (production build + .vsix).
//
//   npm run test:e2e                       # npm run package, then run every test
//   node test/e2e/run.mjs --only classify-image,label-folder
//   node test/e2e/run.mjs --no-package     # reuse the existing .vsix
//   node test/e2e/run.mjs --keep           # keep the temp workspaces and profiles
//
// Needs: code-server (scripts/install-code-server.sh), with --no-package a built dist/,
// /usr/bin/chromium. Env: RCNN_LENS_DATASET (CIFAR-10 JPEG archive, default
// ../shared/datasets/cifar10-train-jpeg.tar.gz), RCNN_LENS_VSIX (test this file,
// no packaging), CODE_SERVER_BIN, CHROMIUM_PATH, RCNN_LENS_E2E_TIMEOUT_S (per test,
// default 300). Screenshots and logs: artifacts/e2e/<test>/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerBin, collectLogs, installExtension, startCodeServer, tmpBase } from './lib/code-server.mjs';
import { cliPredictions, extractCifar, margin, syntheticImages, writeBadFiles } from './lib/fixtures.mjs';
import { CHROMIUM_ARGS, Steps, toastTexts } from './lib/workbench.mjs';
import { compareTests } from './compareTests.mjs';
import { tests as coreTests } from './tests.mjs';
import { trainTests } from './trainTests.mjs';
import { uxTests } from './uxTests.mjs';
import { webgpuTests } from './webgpuTests.mjs';
import { explainTests } from './explainTests.mjs';

const tests = [...coreTests, ...uxTests, ...webgpuTests, ...trainTests, ...explainTests, ...compareTests];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(root, 'package.json'));
const artifacts = path.join(root, 'artifacts', 'e2e');
const started = Date.now();
const log = (msg) => console.log(msg);
const elapsed = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

function parseArgs(argv) {
  const o = { only: null, keep: false, package: !process.env.RCNN_LENS_VSIX };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') o.only = argv[++i].split(',');
    else if (a.startsWith('--only=')) o.only = a.slice(7).split(',');
    else if (a === '--keep') o.keep = true;
    else if (a === '--no-package') o.package = false;
    else if (a === '--list') {
      for (const t of tests) log(`${t.name}: ${t.title}`);
      process.exit(0);
    } else {
      console.error(`unknown argument ${a}`);
      process.exit(2);
    }
  }
  return o;
}

function fail(msg) {
  console.error(`\ne2e: ERROR: ${msg}`);
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}

async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function findVsix() {
  const pj = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const target = `${process.platform}-${process.arch}`;
  return path.join(root, `${pj.name}-${pj.version}-${target}.vsix`);
}

// ---------------------------------------------------------------- fixtures
async function prepareFixtures(tmp) {
  const t0 = Date.now();
  const archive = process.env.RCNN_LENS_DATASET || path.resolve(root, '..', 'shared', 'datasets', 'cifar10-train-jpeg.tar.gz');
  let pool = extractCifar(archive, path.join(tmp, 'pool'), 6);
  if (!pool) {
    log(`  dataset ${archive} not found: using synthetic images (no ground truth)`);
    pool = await syntheticImages(root, path.join(tmp, 'pool'), 24);
  }
  const expected = cliPredictions(root, pool.map((p) => p.file));
  for (const p of pool) {
    const rec = expected[path.resolve(p.file)];
    if (rec.error || !rec.top?.length) throw new Error(`the CLI could not classify ${p.file}: ${rec.error}`);
    p.expected = rec;
  }
  // the known images: the model agrees with the dataset's label, by the widest margin
  const right = pool.filter((p) => p.truth === null || p.expected.top[0].label === p.truth);
  if (pool[0].truth !== null) {
    log(`  bundled model (CLI) agrees with CIFAR-10's label on ${right.length}/${pool.length} extracted images`);
    if (right.length < 2) throw new Error('the bundled model gets fewer than 2 of the test images right: is it trained?');
  }
  right.sort((a, b) => margin(b.expected) - margin(a.expected));
  const known = right[0];
  const second = right.find((p) => p.expected.top[0].label !== known.expected.top[0].label) || right[1];

  const ws = path.join(tmp, 'workspace');
  const images = path.join(ws, 'images');
  const batch = path.join(ws, 'batch');
  fs.mkdirSync(images, { recursive: true });
  fs.mkdirSync(batch, { recursive: true });
  const fx = { expected: {}, batchDir: batch, batchBad: [] };
  for (const [key, p] of [['known', known], ['second', second]]) {
    const dest = path.join(images, p.name);
    fs.copyFileSync(p.file, dest);
    fx[key] = { name: p.name, file: dest, truth: p.truth, expected: p.expected };
  }
  writeBadFiles(images, known.file);
  fs.rmSync(path.join(images, 'notes.jpg'));
  for (const p of pool) {
    fs.copyFileSync(p.file, path.join(batch, p.name));
    fx.expected[path.join(batch, p.name)] = p.expected;
  }
  // Label Folder runs the int8 variant on the CPU by default (rcnnLens.label.precision auto), so its
  // records are compared with the CLI classifying with that variant.
  const int8 = path.join(root, 'media', 'models', 'rcnn-cifar10.int8.onnx');
  const byVariant = cliPredictions(root, pool.map((p) => p.file), ['--model', int8, '--provider', 'cpu']);
  fx.expectedLabeling = Object.fromEntries(pool.map((p) => [path.join(batch, p.name), byVariant[path.resolve(p.file)]]));
  fx.batchBad = Object.values(writeBadFiles(batch, known.file)).map((f) => path.basename(f));
  // The demo images that ship with the repository (samples/demo-images), as `npm run demo` opens them.
  const demo = path.join(ws, 'demo');
  fs.mkdirSync(demo);
  for (const f of fs.readdirSync(path.join(root, 'samples', 'demo-images'))) {
    if (f !== 'README.md') fs.copyFileSync(path.join(root, 'samples', 'demo-images', f), path.join(demo, f));
  }
  fx.demoDir = demo;
  log(`  known image ${known.name}: ${known.expected.top[0].label} ${known.expected.top[0].score.toFixed(3)}; ` +
    `second ${second.name}: ${second.expected.top[0].label} ${second.expected.top[0].score.toFixed(3)}; ` +
    `batch: ${pool.length} images + ${fx.batchBad.join(', ')} (${elapsed(t0)})`);
  fx.workspace = ws;
  return fx;
}

// Each test gets its own copy of the workspace; the expected paths are rebased.
function copyWorkspace(fx, dest) {
  fs.cpSync(fx.workspace, dest, { recursive: true });
  const rebase = (p) => path.join(dest, path.relative(fx.workspace, p));
  return {
    ...fx,
    workspace: dest,
    batchDir: rebase(fx.batchDir),
    demoDir: rebase(fx.demoDir),
    known: { ...fx.known, file: rebase(fx.known.file) },
    second: { ...fx.second, file: rebase(fx.second.file) },
    expected: Object.fromEntries(Object.entries(fx.expected).map(([k, v]) => [rebase(k), v])),
    expectedLabeling: Object.fromEntries(Object.entries(fx.expectedLabeling).map(([k, v]) => [rebase(k), v])),
  };
}

// ---------------------------------------------------------------- one test
async function runTest(test, env) {
  const { chromium } = require('playwright-core');
  const dir = path.join(artifacts, test.name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(env.tmp, test.name);
  const fx = copyWorkspace(env.fx, path.join(base, 'ws'));
  const userDataDir = path.join(base, 'user-data');
  const lines = [];
  const tlog = (m) => {
    lines.push(m);
    log(m);
  };
  const t0 = Date.now();
  let server, browser, steps, page;
  const consoleLines = [];
  let error = null;
  log(`\n▶ ${test.name}: ${test.title}`);
  // A test may need what this machine lacks (a Vulkan driver): it says why it skips, or throws when it must run.
  let skipped;
  try {
    skipped = test.skip ? await test.skip({ root, fx }) : undefined;
  } catch (e) {
    error = e;
  }
  if (skipped || error) {
    const why = skipped ? `SKIP ${test.name}: ${skipped}` : `FAIL ${test.name}: ${error.message}`;
    log(`  ${why}`);
    fs.writeFileSync(path.join(dir, 'test.log'), `${why}\n`);
    return { name: test.name, ok: !error, skipped, secs: (Date.now() - t0) / 1000, error: error?.message.split('\n')[0] };
  }
  try {
    await withTimeout((async () => {
      if (test.prepare) await test.prepare({ ws: fx.workspace, fx });
      server = await startCodeServer({
        workspaceTrust: !!test.workspaceTrust,
        bin: env.codeServer,
        workspace: fx.workspace,
        userDataDir,
        extensionsDir: env.extensionsDir,
        logFile: path.join(dir, 'code-server.log'),
        env: test.env,
        settings: test.settings,
      });
      tlog(`  code-server on port ${server.port} (pid ${server.pid}) after ${elapsed(t0)}`);
      browser = await chromium.launch({ executablePath: env.chromium, args: CHROMIUM_ARGS, headless: true });
      page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
      page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
      steps = new Steps(page, dir, tlog);
      await page.goto(server.url, { timeout: 60_000 });
      await test.run({ page, steps, ws: fx.workspace, fx, log: tlog, root });
    })(), test.timeoutS ? Math.max(env.timeoutMs, test.timeoutS * 1000) : env.timeoutMs, test.name);
  } catch (e) {
    error = e;
    tlog(`  ✗ ${e.message.split('\n').slice(0, 6).join('\n    ')}`);
    if (page && steps) {
      await withTimeout(steps.shot('failure'), 20_000, 'failure screenshot').catch(() => {});
      const toasts = await withTimeout(toastTexts(page), 5000, 'notifications').catch(() => []);
      if (toasts.length) tlog(`  notifications on screen: ${toasts.map((t) => JSON.stringify(t.slice(0, 160))).join(' | ')}`);
    }
  } finally {
    fs.writeFileSync(path.join(dir, 'browser-console.log'), consoleLines.join('\n'));
    if (browser) await withTimeout(browser.close(), 20_000, 'browser close').catch(() => {});
    if (server) await server.stop();
    const logs = collectLogs(userDataDir, dir);
    if (error && logs.length) tlog(`  logs: ${logs.map((l) => path.join('artifacts/e2e', test.name, `log_${l}`)).join(', ')}`);
    fs.writeFileSync(path.join(dir, 'test.log'), lines.join('\n') + (error ? `\n\n${error.stack}` : '') + '\n');
  }
  const secs = (Date.now() - t0) / 1000;
  log(`  ${error ? 'FAIL' : 'PASS'} ${test.name} (${secs.toFixed(1)} s; screenshots: artifacts/e2e/${test.name}/)`);
  return { name: test.name, ok: !error, secs, error: error?.message.split('\n')[0] };
}

// ---------------------------------------------------------------- main
async function main() {
  const o = parseArgs(process.argv.slice(2));
  const selected = o.only ? tests.filter((t) => o.only.includes(t.name)) : tests;
  if (o.only && selected.length !== o.only.length) fail(`unknown test in --only; tests: ${tests.map((t) => t.name).join(', ')}`);

  // preflight
  const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) fail(`${chromiumPath} missing: apt-get install chromium (or set CHROMIUM_PATH)`);
  const codeServer = codeServerBin(root);
  if (!codeServer || !fs.existsSync(codeServer)) fail(`code-server not installed (${codeServer}): run scripts/install-code-server.sh`);

  fs.mkdirSync(artifacts, { recursive: true });
  const tmp = tmpBase();
  log(`e2e: ${selected.length} test(s), code-server ${codeServer}, temp ${tmp}`);

  // the .vsix under test: packaged from the current dist/ every run
  let vsix = process.env.RCNN_LENS_VSIX ? path.resolve(process.env.RCNN_LENS_VSIX) : findVsix();
  if (o.package) {
    const t0 = Date.now();
    // `npm run package` = the production build + scripts/package.mjs: the file users get
    log('e2e: packaging (npm run package)');
    const r = spawnSync('npm', ['run', 'package', '--silent'], { cwd: root, encoding: 'utf8' });
    fs.writeFileSync(path.join(artifacts, 'package.log'), `${r.stdout}\n${r.stderr}`);
    if (r.status !== 0) fail(`packaging failed:\n${(r.stdout + r.stderr).split('\n').filter((l) => /ERROR|error/i.test(l)).slice(-10).join('\n')}\n(see artifacts/e2e/package.log)`);
    for (const l of r.stdout.split('\n').filter((l) => /MiB|runtime modules|check:/.test(l))) log(`  ${l}`);
    log(`  packaged in ${elapsed(t0)}`);
  }
  if (!fs.existsSync(vsix)) fail(`${vsix} missing`);
  if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) fail('dist/cli.js missing (the expected answers come from it): run `npm run build`');

  const results = [];
  try {
    log('e2e: preparing test images');
    let fx;
    try {
      fx = await prepareFixtures(tmp);
    } catch (e) {
      fail(`preparing fixtures: ${e.message}`);
    }
    const extensionsDir = path.join(tmp, 'extensions');
    const t1 = Date.now();
    try {
      const installed = installExtension(codeServer, vsix, extensionsDir, path.join(tmp, 'install-user-data'), path.join(artifacts, 'install-extension.log'));
      log(`e2e: installed ${path.basename(vsix)} into code-server: ${installed.join(', ')} (${elapsed(t1)})`);
    } catch (e) {
      fail(e.message);
    }
    const timeoutMs = Number(process.env.RCNN_LENS_E2E_TIMEOUT_S || 300) * 1000;
    const env = { tmp, fx, codeServer, chromium: chromiumPath, extensionsDir, timeoutMs };
    for (const t of selected) results.push(await runTest(t, env));
  } finally {
    if (!o.keep) fs.rmSync(tmp, { recursive: true, force: true });
    else log(`e2e: kept ${tmp}`);
  }

  const passed = results.filter((r) => r.ok && !r.skipped).length;
  const skippedCount = results.filter((r) => r.skipped).length;
  const failed = results.length - passed - skippedCount;
  log('\n================ e2e summary ================');
  for (const r of results) {
    const verdict = r.skipped ? 'SKIP' : r.ok ? 'PASS' : 'FAIL';
    log(`${verdict}  ${r.name.padEnd(16)} ${r.secs.toFixed(1).padStart(6)} s${r.skipped ? `  ${r.skipped}` : r.ok ? '' : `  ${r.error}`}`);
  }
  log(`total ${elapsed(started)}; artifacts in ${path.relative(process.cwd(), artifacts) || artifacts}/`);
  fs.writeFileSync(path.join(artifacts, 'summary.json'), JSON.stringify({ results, passed, failed, skipped: skippedCount }, null, 2));
  log(`\n${passed} passed, ${failed} failed${skippedCount ? `, ${skippedCount} skipped` : ''}`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  console.log('\n0 passed, 1 failed');
  process.exit(1);
});
