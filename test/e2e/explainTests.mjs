// End-to-end check of the explanation views (issue 18): in code-server, Show → region
// occlusion and Show → deep are computed on demand in the worker (progress shown), paint
// the heatmap, change with the scrubber, and the faithfulness chart lists every view with
// its area next to the random order's. Screenshots feed the README ("Reading the explanations").
// Gate maps (contract v2 `gates`): Show → gate: write / gate saturation paint, follow the
// scrubber, say what they mean, and move no other part of the panel.
import { check, openClassifyPanel } from './tests.mjs';
import { canvasStats, contextMenu, expandFolder, poll, waitForWorkbench } from './lib/workbench.mjs';

const HEAT = '[data-testid=heatmap]';

async function setShow(frame, value) {
  await frame.evaluate((v) => {
    const dropdown = document.querySelector('[data-testid=quantity]');
    dropdown.value = v;
    dropdown.dispatchEvent(new Event('change'));
  }, value);
}

async function painted(frame, label, differentFrom) {
  return poll(label, async () => {
    const s = await canvasStats(frame, HEAT);
    return s && s.opaque > 0 && s.colours >= 2 && s.hash !== differentFrom ? s : null;
  }, { timeout: 120_000 });
}

async function legendViews(frame) {
  return frame.$$eval('[data-testid=faithfulness-legend] li', (items) => items.map((li) => [li.dataset.view, li.textContent]));
}

async function scrubChanges(page, frame, before, log) {
  const slider = frame.locator('input[type=range][data-testid=timestep]');
  const [v0, min] = await slider.evaluate((el) => [el.value, el.min]);
  await slider.focus();
  await page.keyboard.press(v0 === min ? 'End' : 'Home');
  const after = await poll('the explanation heatmap to change with the scrubber', async () => {
    const s = await canvasStats(frame, HEAT);
    return s && s.hash !== before.hash ? s : null;
  }, { timeout: 10_000 });
  log(`  scrubbed from step ${v0}: heatmap changed (${after.opaque} painted px)`);
  await page.keyboard.press('End');
}

/** Parts of the panel that must keep their place whatever Show is set to. */
const FIXED = ['predictions-card', 'stage', 'play', 'timestep', 'quantity', 'colormap', 'opacity', 'threshold', 'scan-order', 'save-png', 'explain-section'];

async function boxesOf(frame) {
  return frame.evaluate((ids) => Object.fromEntries(ids.map((id) => {
    const r = document.querySelector(`[data-testid="${id}"]`).getBoundingClientRect();
    return [id, [r.x, r.y, r.width, r.height].map((v) => Math.round(v * 2) / 2)];
  })), FIXED);
}

function checkNotMoved(before, now, what) {
  const moved = FIXED.filter((id) => JSON.stringify(now[id]) !== JSON.stringify(before[id]));
  check(!moved.length, `with Show = ${what} these moved: ${moved.map((id) => `${id} ${before[id]} -> ${now[id]}`).join('; ')}`);
}

async function gateMaps({ page, steps, fx, log }) {
  await page.setViewportSize({ width: 1360, height: 1100 });
  await waitForWorkbench(page);
  await expandFolder(page, 'images');
  await contextMenu(page, fx.known.name, 'Classify Image', steps);
  const { frame } = await openClassifyPanel(page, fx.known.name, steps, log);
  const norm = await painted(frame, 'the default heatmap to be drawn');
  const before = await boxesOf(frame);
  for (const kind of ['gateWrite', 'gateSaturation']) {
    const disabled = await frame.$eval(`vscode-option[value=${kind}]`, (o) => o.hasAttribute('disabled'));
    check(!disabled, `${kind} is disabled for the bundled (contract v2, gates) model`);
  }

  await setShow(frame, 'gateWrite');
  const write = await painted(frame, 'the gate write map to be drawn', norm.hash);
  const caption = await frame.locator('[data-testid=legend-caption]').textContent();
  log(`  write map painted (${write.colours} colours); legend: ${caption}`);
  check(/^gate: write, mean over units of 1 − z \(GRU update gate\)/.test(caption) && /High = /.test(caption), `the legend does not say what the write map is: ${caption}`);
  checkNotMoved(before, await boxesOf(frame), 'gateWrite');
  await steps.shot('gate-write');
  await scrubChanges(page, frame, await canvasStats(frame, HEAT), log);

  await setShow(frame, 'gateSaturation');
  // The fixture images are drawn at random: on some, no gate value is below 0.05 or above 0.95 at
  // any step, and the map is a constant 0 that the legend states (min = max) instead of painting.
  const text = async (id) => ((await frame.locator(`[data-testid=${id}]`).textContent()) ?? '').trim();
  const sat = await poll('the gate saturation map to be drawn, or stated constant in its legend', async () => {
    if (!/share of gate values/.test(await text('legend-caption'))) return null;
    const s = await canvasStats(frame, HEAT);
    if (s && s.opaque > 0 && s.colours >= 2 && s.hash !== write.hash) return `painted (${s.colours} colours)`;
    const [lo, hi] = [await text('legend-min'), await text('legend-max')];
    return lo !== '' && lo === hi ? `constant ${lo} at every step` : null;
  }, { timeout: 120_000 });
  log(`  saturation ${sat}; legend: ${await text('legend-caption')}`);
  checkNotMoved(before, await boxesOf(frame), 'gateSaturation');
}

export const explainTests = [
  {
    name: 'explain-views',
    title: 'Show → occlusion / deep: computed on demand with progress, painted, follows the scrubber; faithfulness chart',
    async run({ page, steps, fx, log }) {
      await page.setViewportSize({ width: 1360, height: 1100 });
      await waitForWorkbench(page);
      await expandFolder(page, 'images');
      const img = fx.known;
      await contextMenu(page, img.name, 'Classify Image', steps);
      const { frame } = await openClassifyPanel(page, img.name, steps, log);
      const norm = await painted(frame, 'the default heatmap to be drawn');

      // The bundled model is contract v2 (step_mask): timestep ablation is offered.
      const ablation = await frame.$eval('vscode-option[value=ablation]', (o) => o.hasAttribute('disabled'));
      check(!ablation, 'timestep ablation is disabled for the bundled (contract v2) model');

      await setShow(frame, 'occlusion');
      const occ = await painted(frame, 'the occlusion heatmap to be drawn', norm.hash);
      const views = await poll('the faithfulness chart to list the views', async () => {
        const v = await legendViews(frame);
        return v.length >= 3 ? v : null;
      }, { timeout: 120_000 });
      log(`  occlusion painted (${occ.colours} colours); chart: ${views.map((v) => v[1]).join(' | ')}`);
      check(views.some(([v]) => v === 'occlusion') && views.some(([v]) => v === 'random'), `the chart lacks occlusion or random: ${JSON.stringify(views)}`);
      const paths = await frame.$$eval('[data-testid=faithfulness-chart] path', (p) => p.length);
      check(paths === views.length, `the chart draws ${paths} curves for ${views.length} legend entries`);
      const title = await frame.locator('#explain-heading').textContent();
      check(title === 'Which view points at what the prediction depends on?', `chart title: ${title}`);
      await scrubChanges(page, frame, await canvasStats(frame, HEAT), log);
      check(views.some(([v]) => v === 'timestep ablation'), `the chart lacks timestep ablation: ${JSON.stringify(views)}`);
      await setShow(frame, 'ablation');
      const abl = await painted(frame, 'the ablation heatmap to be drawn', occ.hash);
      log(`  ablation painted (${abl.colours} colours)`);

      await setShow(frame, 'deep');
      const progressSeen = await poll('the progress of the deep view', async () => {
        const shown = await frame.$eval('[data-testid=explain-progress]', (e) => !e.hidden);
        const done = (await legendViews(frame)).some(([v]) => v === 'deep');
        return shown || done ? { shown } : null;
      }, { timeout: 30_000 });
      log(`  deep view: progress ${progressSeen.shown ? 'shown' : 'already finished when polled'}`);
      const deepViews = await poll('the deep view in the chart', async () => {
        const v = await legendViews(frame);
        return v.some(([name]) => name === 'deep') ? v : null;
      }, { timeout: 180_000 });
      const deep = await painted(frame, 'the deep heatmap to be drawn', abl.hash);
      log(`  deep painted (${deep.colours} colours); chart: ${deepViews.map((v) => v[1]).join(' | ')}`);
      await steps.shot('explain-deep');
      await scrubChanges(page, frame, await canvasStats(frame, HEAT), log);
      await frame.locator('[data-testid=explain-section]').scrollIntoViewIfNeeded({ timeout: 10_000 });
      await steps.shot('explain-chart');
    },
  },
  {
    name: 'gate-maps',
    title: 'Show → gate: write / gate saturation (contract v2 gates): painted, follow the scrubber, legend with units, nothing else moves',
    run: gateMaps,
  },
];
