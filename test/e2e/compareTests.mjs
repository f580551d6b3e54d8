// End-to-end: Explorer → "Compare with…" on a demo image, pick a second demo image in the
// quick pick, and check the compare panel: both sides classified as the CLI classifies them,
// one scrubber moving both sides, the Difference toggle switching both to the A − B scale.
// Its last screenshot feeds the README (update-screenshots.mjs: compare-panel.png).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliPredictions } from './lib/fixtures.mjs';
import { canvasStats, contextMenu, expandFolder, poll, toastTexts, waitForTab, waitForWorkbench } from './lib/workbench.mjs';
import { check, visibleFrameWith } from './tests.mjs';

const FIRST = 'cat_0000.jpg';
const SECOND = 'dog_0000.jpg';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** A contract model with another grid (7×7) and other classes (Fashion-MNIST) than the bundled one. */
const OTHER_MODEL = 'tiny-grey-lstm-snake-final.onnx';

async function pickInQuickPick(page, titlePart, text, steps, shot = 'quick-pick-second-image') {
  const box = page.locator('.quick-input-widget');
  await poll(`the quick pick "${titlePart}"`, async () => {
    if (!(await box.isVisible().catch(() => false))) return null;
    return ((await box.innerText().catch(() => '')) || '').includes(titlePart);
  }, { timeout: 30_000 });
  await page.keyboard.type(text);
  await poll(`"${text}" to be the first entry`, async () => {
    const row = page.locator('.quick-input-list .monaco-list-row.focused');
    return ((await row.innerText().catch(() => '')) || '').includes(text);
  }, { timeout: 10_000 });
  await steps.shot(shot);
  await page.keyboard.press('Enter');
}

const attr = (frame, selector, name) => frame.locator(selector).getAttribute(name);
const text = async (frame, selector) => ((await frame.locator(selector).textContent()) || '').replace(/\s+/g, ' ').trim();

async function setTimestep(frame, step) {
  await frame.evaluate((s) => {
    const range = document.querySelector('[data-testid=timestep]');
    range.value = String(s);
    range.dispatchEvent(new Event('input'));
  }, step);
}

async function checkSides(frame, expected, log) {
  for (const [key, file] of [['a', FIRST], ['b', SECOND]]) {
    const top = await text(frame, `[data-testid=side-${key}-top-label]`);
    const want = expected[file].top[0].label;
    log(`  side ${key.toUpperCase()} (${file}): top "${top}", CLI says ${want}`);
    check(top === want, `side ${key} shows "${top}", the CLI classifies ${file} as "${want}"`);
    const chart = await canvasStats(frame, `[data-testid=side-${key}-chart]`);
    check(chart && chart.colours > 2, `side ${key}'s running-prediction chart is empty: ${JSON.stringify(chart)}`);
    const bars = await frame.locator(`[data-testid=side-${key}-running] li`).count();
    check(bars > 0, `side ${key} shows no running prediction`);
  }
}

async function checkScrubber(frame, steps, log) {
  const max = Number(await attr(frame, '[data-testid=timestep]', 'max'));
  check(max > 4, `the scrubber has only ${max} steps`);
  const before = await canvasStats(frame, '[data-testid=side-a-heatmap]');
  const beforeB = await canvasStats(frame, '[data-testid=side-b-heatmap]');
  await setTimestep(frame, 3);
  await poll('both sides to move to step 3', async () =>
    (await attr(frame, '[data-testid=side-a-heatmap]', 'data-step')) === '3' && (await attr(frame, '[data-testid=side-b-heatmap]', 'data-step')) === '3',
  { timeout: 10_000 });
  const stepA = await text(frame, '[data-testid=side-a-step]');
  const stepB = await text(frame, '[data-testid=side-b-step]');
  log(`  after the scrubber moved to 3: A "After step ${stepA}", B "After step ${stepB}"`);
  check(stepA === `3 of ${max}` && stepB === `3 of ${max}`, `the running predictions did not follow the scrubber: A "${stepA}", B "${stepB}"`);
  const after = await canvasStats(frame, '[data-testid=side-a-heatmap]');
  const afterB = await canvasStats(frame, '[data-testid=side-b-heatmap]');
  check(after.hash !== before.hash && afterB.hash !== beforeB.hash, 'a heatmap did not change when the scrubber moved');
  await steps.shot('compare-step-3');
  await setTimestep(frame, max);
}

async function checkDifference(frame, log) {
  const sharedLegend = [await text(frame, '[data-testid=legend-min]'), await text(frame, '[data-testid=legend-max]')];
  const before = await canvasStats(frame, '[data-testid=side-a-heatmap]');
  await frame.locator('[data-testid=difference]').click();
  await poll('the difference map', async () => (await attr(frame, '[data-testid=compare]', 'data-difference')) === 'on', { timeout: 10_000 });
  check((await attr(frame, '[data-testid=legend-bar]', 'data-scale')) === 'difference', 'the legend did not switch to the difference scale');
  const [min, max] = [await text(frame, '[data-testid=legend-min]'), await text(frame, '[data-testid=legend-max]')];
  const caption = await text(frame, '[data-testid=legend-caption]');
  log(`  shared scale ${sharedLegend.join(' … ')}; difference scale ${min} … ${max}: ${caption}`);
  check(Number(min) === -Number(max) && Number(max) > 0, `the difference scale is not symmetric about 0: ${min} … ${max}`);
  check(/A − B/.test(caption), `the difference legend does not say A − B: ${caption}`);
  await poll('side A to repaint with the difference', async () => (await canvasStats(frame, '[data-testid=side-a-heatmap]')).hash !== before.hash, { timeout: 10_000 });
}

export const compareTests = [
  {
    name: 'compare',
    title: 'Explorer → Compare with… → second image from the quick pick → one scrubber moves both → Difference A − B',
    async run({ page, steps, fx, log, root }) {
      // Tall enough for both columns' running-prediction charts in the README's screenshot.
      await page.setViewportSize({ width: 1360, height: 1300 });
      await waitForWorkbench(page);
      const files = [FIRST, SECOND].map((f) => path.join(fx.demoDir, f));
      const cli = cliPredictions(root, files);
      const expected = Object.fromEntries(files.map((f) => [path.basename(f), cli[path.resolve(f)]]));
      await expandFolder(page, 'demo');
      await contextMenu(page, FIRST, 'Compare with…', steps);
      await pickInQuickPick(page, `compare ${FIRST} with`, SECOND, steps);
      const tab = `Compare: ${FIRST} ↔ ${SECOND}`;
      await waitForTab(page, tab, 60_000);
      const frame = await visibleFrameWith(page, '[data-testid=compare]', { tabLabel: tab });
      await poll('both sides to be classified', async () => (await attr(frame, '[data-testid=compare]', 'data-state')) === 'result', { timeout: 90_000 });
      await steps.shot('compare');
      await checkSides(frame, expected, log);
      await checkScrubber(frame, steps, log);
      await checkDifference(frame, log);
      await steps.shot('compare-difference');
      await frame.locator('[data-testid=difference]').click();
      await poll('the shared scale again', async () => (await attr(frame, '[data-testid=compare]', 'data-difference')) === 'off', { timeout: 10_000 });
    },
  },
];

// Compare with… → Another model… → the file dialog (code-server's own: a path typed into the quick input).
async function compareWithModel(page, modelPath, steps) {
  await contextMenu(page, FIRST, 'Compare with…');
  await pickInQuickPick(page, `compare ${FIRST} with`, 'Another model', steps, 'quick-pick-another-model');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await poll('the file dialog', async () => (await input.isVisible().catch(() => false)) && (await input.inputValue()).startsWith('/'), { timeout: 20_000 });
  await input.fill(modelPath);
  await page.waitForTimeout(500);
  await steps.shot('model-dialog');
  await page.keyboard.press('Enter');
}

compareTests.push({
  name: 'compare-models',
  title: 'Compare with… → Another model…: a bad file is refused and nothing opens; a model with another grid and classes is shown beside the current one, with what cannot be compared',
  async prepare({ ws }) {
    fs.mkdirSync(path.join(ws, 'models'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'models', 'notes.onnx'), 'these are notes, not a model\n');
    fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'models', OTHER_MODEL), path.join(ws, 'models', OTHER_MODEL));
  },
  async run({ page, steps, ws, log }) {
    await page.setViewportSize({ width: 1360, height: 1300 });
    await waitForWorkbench(page);
    await expandFolder(page, 'demo');
    await compareWithModel(page, path.join(ws, 'models', 'notes.onnx'), steps);
    const refusal = await poll('the refusal of notes.onnx', async () => (await toastTexts(page)).find((t) => /cannot compare with notes\.onnx/.test(t)), { timeout: 30_000 });
    log(`  refused: ${refusal.slice(0, 200)}`);
    check(/not an ONNX model/.test(refusal) && /Nothing was changed/.test(refusal), `the refusal does not say what is wrong: ${refusal}`);
    const tabs = await page.$$eval('.tabs-container .tab', (els) => els.map((e) => e.getAttribute('aria-label') || ''));
    check(!tabs.some((t) => t.startsWith('Compare:')), `a compare panel opened for a bad model: ${tabs.join(' | ')}`);
    await steps.shot('bad-model-refused');

    await compareWithModel(page, path.join(ws, 'models', OTHER_MODEL), steps);
    const tab = `Compare: ${FIRST} (current model ↔ ${OTHER_MODEL})`;
    await waitForTab(page, tab, 60_000);
    const frame = await visibleFrameWith(page, '[data-testid=compare]', { tabLabel: tab });
    await poll('both sides to be classified', async () => (await attr(frame, '[data-testid=compare]', 'data-state')) === 'result', { timeout: 90_000 });
    const notes = await text(frame, '[data-testid=compare-notes]');
    log(`  notes: ${notes}`);
    check(/different grids \(A 8×8, B 7×7\)/.test(notes), `the panel does not say the grids differ: ${notes}`);
    check(/different classes/.test(notes), `the panel does not say the classes differ: ${notes}`);
    for (const key of ['a', 'b']) {
      const top = await text(frame, `[data-testid=side-${key}-top-label]`);
      check(top.length > 0, `side ${key} shows no prediction`);
      log(`  side ${key.toUpperCase()}: ${top}; ${await text(frame, `[data-testid=side-${key}-model]`)}`);
    }
    await frame.locator('[data-testid=difference]').click();
    await poll('Difference to say why it cannot be drawn', async () => (await attr(frame, '[data-testid=compare]', 'data-difference')) === 'unavailable', { timeout: 10_000 });
    const why = await text(frame, '[data-testid=difference-note]');
    check(/different grids/.test(why), `the difference note does not say why: ${why}`);
    await steps.shot('compare-models');
  },
});
