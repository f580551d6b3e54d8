// The end-to-end tests. Each gets { page, steps, ws, fx, log } from run.mjs, which
// starts a fresh code-server + Chromium for it and always tears both down.
import fs from 'node:fs';
import path from 'node:path';
import {
  canvasStats,
  contextMenu,
  expandFolder,
  findFrame,
  poll,
  recordedToasts,
  recordToasts,
  saveText,
  toastTexts,
  waitForTab,
  waitForWorkbench,
} from './lib/workbench.mjs';
import { margin } from './lib/fixtures.mjs';

export function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

// Is this frame shown (every iframe up the chain visible)? Hidden panels keep their frames.
async function frameVisible(frame) {
  for (let f = frame; f && f.parentFrame(); f = f.parentFrame()) {
    const el = await f.frameElement().catch(() => null);
    if (!el || !(await el.isVisible().catch(() => false))) return false;
  }
  return true;
}

// The editor area (x, y, width, height) of the group whose active tab starts with `tabLabel`.
async function editorAreaOfTab(page, tabLabel) {
  return page.evaluate((label) => {
    for (const g of document.querySelectorAll('.editor-group-container')) {
      const tab = g.querySelector('.tab.active');
      if (!tab || !(tab.getAttribute('aria-label') || '').startsWith(label)) continue;
      const r = (g.querySelector('.editor-container') || g).getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }
    return null;
  }, tabLabel);
}

// The visible webview frame that has `selector`; with `tabLabel`, the one shown in
// that tab's editor group (several panels can be visible side by side, and the
// webview iframes are not inside the group's DOM: match them by position).
export async function visibleFrameWith(page, selector, { tabLabel = null, text = null, timeout = 90_000 } = {}) {
  return poll(`a visible webview frame with ${selector}${tabLabel ? ` in the editor of "${tabLabel}"` : ''}`, async () => {
    const area = tabLabel ? await editorAreaOfTab(page, tabLabel) : null;
    if (tabLabel && !area) return null;
    for (const f of page.frames()) {
      try {
        if (!(await f.$(selector)) || !(await frameVisible(f))) continue;
        // the page names its file: not a previous panel still shown while the tab switches
        if (text && !(await f.evaluate((t) => document.body.innerText.includes(t), text))) continue;
        if (area) {
          let top = f;
          while (top.parentFrame() && top.parentFrame() !== page.mainFrame()) top = top.parentFrame();
          const box = await (await top.frameElement()).boundingBox();
          const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
          if (cx < area.x || cx > area.x + area.width || cy < area.y || cy > area.y + area.height) continue;
        }
        return f;
      } catch {
        /* detached */
      }
    }
    return null;
  }, { timeout });
}

// Wait for the classify panel of `fileName` to show a result (or its error element).
export async function openClassifyPanel(page, fileName, steps, log) {
  const tab = await waitForTab(page, `RCNN: ${fileName}`, 60_000);
  log(`  panel tab: "${tab}"`);
  const frame = await visibleFrameWith(page, '[data-testid=top-label], [data-testid=error]', { tabLabel: `RCNN: ${fileName}`, text: fileName });
  const state = await poll('the panel to show a top label or an error', async () => {
    const err = await frame.$('[data-testid=error]');
    if (err && (await err.isVisible())) {
      const t = (await err.textContent()).trim();
      if (t) return { error: t };
    }
    const top = await frame.$('[data-testid=top-label]');
    const t = top ? (await top.textContent()).trim() : '';
    return t ? { top: t } : null;
  }, { timeout: 90_000 }).catch(async (e) => {
    const body = await frame.evaluate(() => document.body.innerText).catch(() => '(frame gone)');
    throw new Error(`${e.message}; the panel shows: ${JSON.stringify(body.replace(/\s+/g, ' ').slice(0, 300))}`);
  });
  if (state.error) {
    await steps.shot('panel-error');
    throw new Error(`the panel for ${fileName} shows an error: ${state.error}`);
  }
  return { frame, top: state.top };
}

// A number shown in `text` that matches `score` as a probability or a percentage.
function showsScore(text, score) {
  const nums = (text.match(/\d+(?:\.\d+)?/g) || []).map(Number);
  return nums.some((n) => Math.abs(n - score) < 0.011 || Math.abs(n - 100 * score) < 1.01);
}

// Explorer → Classify Image on a known image, then the panel must show the CLI's top label.
async function classifyFromExplorer(page, img, steps, log) {
  await contextMenu(page, img.name, 'Classify Image');
  const { frame, top } = await openClassifyPanel(page, img.name, steps, log);
  await checkTopLabel(frame, top, img.expected, img.name, log);
}

async function checkTopLabel(frame, top, expected, fileName, log) {
  const want = expected.top[0];
  log(`  panel top label "${top}"; CLI says ${want.label} ${want.score.toFixed(4)} (margin ${margin(expected).toFixed(3)})`);
  check(top.toLowerCase().includes(want.label.toLowerCase()),
    `panel's top label for ${fileName} is "${top}", the model (CLI run) says "${want.label}"`);
  const preds = (await frame.locator('[data-testid=predictions]').textContent({ timeout: 10_000 })).replace(/\s+/g, ' ').trim();
  log(`  predictions: ${preds.slice(0, 160)}`);
  check(preds.toLowerCase().includes(want.label.toLowerCase()), `predictions list lacks "${want.label}": ${preds}`);
  check(showsScore(preds, want.score), `predictions show no score close to the CLI's ${want.score.toFixed(4)} for ${want.label}: ${preds}`);
  const timing = ((await frame.locator('[data-testid=timing]').textContent({ timeout: 10_000 })) || '').replace(/\s+/g, ' ').trim();
  log(`  timing: "${timing}"`);
  check(/\d/.test(timing), `the timing element shows no number: "${timing}"`);
  check(!/(^|[^\w.])-\s*\d/.test(timing), `the timing element shows a negative time: "${timing}"`);
}

// `error` in a labels record (and the CLI's): { code, message }.
const errorText = (e) => (typeof e === 'string' ? e : e ? [e.code, e.message].filter(Boolean).join(': ') : '');
const BAD_REASON = {
  'corrupt.jpg': /truncat|corrupt|premature/i,
  'empty.png': /empty|0 bytes|zero/i,
  'notes.jpg': /unsupported|not an image|unknown|unrecogni[sz]ed|format/i,
};

async function explorerRowClick(page, name) {
  const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"]`);
  await row.click();
}

// A workspace setting that points rcnnLens.model.path at a file that is no model.
function writeWorkspaceModelPath(ws) {
  const evil = path.join(ws, 'models', 'evil.onnx');
  fs.mkdirSync(path.dirname(evil), { recursive: true });
  fs.writeFileSync(evil, 'this is not an ONNX model\n'.repeat(20));
  fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'rcnnLens.model.path': evil }, null, 2));
}

// ---------------------------------------------------------------- tests
export const tests = [
  {
    name: 'classify-image',
    title: 'Explorer → Classify Image → panel with prediction, heatmap, scrubber, attention',
    async run({ page, steps, fx, log }) {
      await waitForWorkbench(page);
      await steps.shot('workbench');
      await expandFolder(page, 'images');
      const img = fx.known;
      await contextMenu(page, img.name, 'Classify Image', steps);
      const { frame, top } = await openClassifyPanel(page, img.name, steps, log);
      await checkTopLabel(frame, top, img.expected, img.name, log);

      // heatmap overlay drawn
      const heat = '[data-testid=heatmap]';
      const s0 = await poll('the heatmap canvas to be drawn', async () => {
        const s = await canvasStats(frame, heat);
        return s && s.opaque > 0 && s.colours >= 2 ? s : null;
      }, { timeout: 20_000 }).catch(async (e) => {
        throw new Error(`${e.message}; canvas: ${JSON.stringify(await canvasStats(frame, heat))}`);
      });
      log(`  heatmap ${s0.w}x${s0.h} (shown ${s0.shownW}x${s0.shownH}): ${s0.opaque} painted px, ${s0.colours} colours`);
      check(s0.shownW > 0 && s0.shownH > 0, 'heatmap canvas is not displayed (zero size)');
      await steps.shot('panel');

      // timestep scrubber: keyboard to the other end, the overlay must change
      const slider = frame.locator('input[type=range][data-testid=timestep]');
      await slider.waitFor({ timeout: 10_000 });
      const [v0, min, max] = await slider.evaluate((el) => [el.value, el.min, el.max]);
      log(`  scrubber at ${v0} of [${min}, ${max}]`);
      check(Number(max) > Number(min), `scrubber range is empty: [${min}, ${max}]`);
      await slider.focus();
      await page.keyboard.press(v0 === min ? 'End' : 'Home');
      const v1 = await slider.evaluate((el) => el.value);
      check(v1 !== v0, `the scrubber did not move with the keyboard (still ${v1})`);
      const s1 = await poll('the heatmap to change after scrubbing', async () => {
        const s = await canvasStats(frame, heat);
        return s && s.hash !== s0.hash ? s : null;
      }, { timeout: 10_000 });
      log(`  scrubbed ${v0} → ${v1}: heatmap changed (${s1.opaque} painted px, ${s1.colours} colours)`);
      // a middle step too, with an input event as a pointer drag would send
      const mid = String(Math.round((Number(min) + Number(max)) / 2));
      await slider.evaluate((el, v) => {
        el.value = v;
        el.dispatchEvent(new Event('input', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
      }, mid);
      const s2 = await poll('the heatmap to change at the middle step', async () => {
        const s = await canvasStats(frame, heat);
        return s && s.hash !== s1.hash ? s : null;
      }, { timeout: 10_000 });
      log(`  step ${mid}: heatmap changed again (${s2.opaque} painted px)`);
      await steps.shot('scrubbed');

      // attention view
      const att = frame.locator('[data-testid=attention-view]');
      await att.scrollIntoViewIfNeeded({ timeout: 10_000 });
      check(await att.isVisible(), 'the attention view is not visible');
      const sa = await poll('the attention canvas to be drawn', async () => {
        const s = await canvasStats(frame, '[data-testid=attention-view] canvas[data-testid=attention-canvas]');
        return s && s.opaque > 0 && s.colours >= 2 ? s : null;
      }, { timeout: 15_000 });
      log(`  attention canvas ${sa.w}x${sa.h}: ${sa.colours} colours`);
      await steps.shot('attention');

      const provider = ((await frame.locator('[data-testid=provider]').textContent({ timeout: 5000 })) || '').trim();
      log(`  provider: "${provider}"`);
      check(/cpu|cuda|webgpu|dml|directml|coreml/i.test(provider), `the provider element names no execution provider: "${provider}"`);

      // the editor title entry: open another image, classify it from its editor's title bar
      const img2 = fx.second;
      await explorerRowClick(page, img2.name);
      await waitForTab(page, img2.name, 30_000);
      const action = page.locator('.editor-actions [aria-label^="Classify Image"]').first();
      await action.waitFor({ timeout: 15_000 }).catch(async () => {
        const labels = await page.$$eval('.editor-actions [aria-label]', (els) => els.map((e) => e.getAttribute('aria-label')));
        throw new Error(`no "Classify Image" in the editor title of ${img2.name}; it has: ${labels.join(' | ')}`);
      });
      await steps.shot('editor-title');
      await action.click();
      const second = await openClassifyPanel(page, img2.name, steps, log);
      await checkTopLabel(second.frame, second.top, img2.expected, img2.name, log);
      // rcnnLens.panel.reuse (default): the second image went to the open panel, no new webview
      const rcnnTabs = await page.$$eval('.tabs-container .tab', (els) =>
        els.map((e) => e.getAttribute('aria-label') || e.textContent || '').filter((l) => l.startsWith('RCNN: ')));
      log(`  classify tabs: ${JSON.stringify(rcnnTabs)}`);
      check(rcnnTabs.length === 1 && rcnnTabs[0].startsWith(`RCNN: ${img2.name}`), `expected one classify panel, now showing ${img2.name}; tabs: ${JSON.stringify(rcnnTabs)}`);
      await steps.shot('editor-title-panel');
    },
  },
  {
    name: 'corrupt-image',
    title: 'corrupt and empty images → clear error naming the file; host keeps working',
    async run({ page, steps, fx, log }) {
      await waitForWorkbench(page);
      await expandFolder(page, 'images');
      for (const [file, why] of [
        ['corrupt.jpg', /corrupt|truncat|premature|invalid|damaged|decode|unsupported|not a valid|bad|unexpected end/i],
        ['empty.png', /empty|0 bytes|zero|no data|truncat|corrupt|invalid|unsupported/i],
      ]) {
        const before = new Set(await toastTexts(page));
        await contextMenu(page, file, 'Classify Image');
        const toast = await poll(`an error notification naming ${file}`, async () => {
          const t = (await toastTexts(page)).find((x) => x.includes(file) && !before.has(x));
          return t || null;
        }, { timeout: 60_000 }).catch(async (e) => {
          await steps.shot(`no-toast-${file}`);
          throw new Error(`${e.message}; notifications: ${JSON.stringify(await toastTexts(page))}`);
        });
        log(`  ${file}: "${toast.slice(0, 200)}"`);
        check(why.test(toast.replace(file, '')), `the notification for ${file} gives no reason: "${toast}"`);
        const isError = await page.locator('.notification-toast', { hasText: file }).locator('.codicon-error').count();
        check(isError > 0, `the notification for ${file} is not an error notification`);
        await steps.shot(`error-${file.replace(/\W/g, '_')}`);
      }
      // the extension host is still alive: a good image classifies
      const img = fx.second;
      await classifyFromExplorer(page, img, steps, log);
      await steps.shot('good-after-bad');
    },
  },
  {
    name: 'workspace-model',
    title: 'trusted workspace: its rcnnLens.model.path is used (a file that is no model → clear error naming it)',
    prepare: ({ ws }) => writeWorkspaceModelPath(ws),
    async run({ page, steps, fx, log }) {
      await waitForWorkbench(page);
      await expandFolder(page, 'images');
      const img = fx.known;
      await contextMenu(page, img.name, 'Classify Image');
      // the error may show in the panel, in a notification, or both
      const where = await poll('an error naming evil.onnx (panel or notification)', async () => {
        const toast = (await toastTexts(page)).find((t) => t.includes('evil.onnx'));
        if (toast) return `notification: ${toast}`;
        for (const f of page.frames()) {
          const t = await f.$eval('[data-testid=error]', (e) => e.innerText).catch(() => '');
          if (t.includes('evil.onnx')) return `panel: ${t}`;
          const top = await f.$eval('[data-testid=top-label]', (e) => e.innerText).catch(() => '');
          if (top) throw Object.assign(new Error(`the panel classified ${img.name} ("${top}") instead of failing on the workspace's model evil.onnx`), { abort: true });
        }
        return null;
      }, { timeout: 90_000 });
      log(`  ${where.replace(/\s+/g, ' ').slice(0, 240)}`);
      await steps.shot('workspace-model-error');
    },
  },
  {
    name: 'restricted-mode',
    title: 'Restricted Mode: the workspace model path is ignored, the bundled model classifies',
    workspaceTrust: true,
    prepare: ({ ws }) => writeWorkspaceModelPath(ws),
    async run({ page, steps, fx, log }) {
      await waitForWorkbench(page);
      await poll('the Restricted Mode indicator', () => page.getByText('Restricted Mode').first().isVisible(), { timeout: 30_000 });
      log('  workspace opened in Restricted Mode');
      await expandFolder(page, 'images');
      const img = fx.known;
      await classifyFromExplorer(page, img, steps, log);
      await steps.shot('restricted-classified');
    },
  },
  {
    name: 'label-folder',
    title: 'Explorer → Label Folder → progress → labels.jsonl (one record per image, error rows) → review view → Sort (move) → Undo Last Sort',
    async run({ page, steps, ws, fx, log }) {
      const folder = path.join(ws, 'batch');
      const files = fs.readdirSync(folder).sort();
      const out = path.join(folder, 'labels.jsonl');
      check(!fs.existsSync(out), 'labels.jsonl exists before the run');
      await waitForWorkbench(page);
      await steps.shot('workbench');
      await recordToasts(page);
      const t0 = Date.now();
      await contextMenu(page, 'batch', 'Label Folder', steps);
      // screenshot the progress notification while it is up (best effort: a fast run may end first)
      const progressUp = await poll('a progress notification', async () => {
        if (await page.locator('.notification-toast .monaco-progress-container.active').first().isVisible().catch(() => false)) return 'up';
        return fs.existsSync(out) ? 'done' : null;
      }, { timeout: 60_000, interval: 100 }).catch(() => 'none');
      if (progressUp === 'up') {
        await page.waitForTimeout(400); // the toast slides in
        await steps.shot('progress');
      }

      await poll('batch/labels.jsonl', async () => {
        if (fs.existsSync(out)) return true;
        if (Date.now() - t0 > 60_000 && !(await recordedToasts(page)).length) {
          throw Object.assign(new Error('Label Folder showed no notification and wrote no labels.jsonl within 60 s'), { abort: true });
        }
        return false;
      }, { timeout: 180_000 });
      log(`  labels.jsonl appeared after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      // complete when its size holds still for a second (it should appear whole: temp + rename)
      let lastSize = -1;
      await poll('labels.jsonl to stop growing', () => {
        const size = fs.statSync(out).size;
        const still = size === lastSize && size > 0;
        lastSize = size;
        return still;
      }, { timeout: 60_000, interval: 1000 });
      const toasts = await recordedToasts(page);
      saveText(steps.dir, 'toasts.json', toasts);
      const prog = toasts.find((t) => t.progress);
      log(`  notifications seen: ${toasts.map((t) => `${t.progress ? '[progress] ' : ''}${t.texts[t.texts.length - 1].slice(0, 80)}`).join(' | ') || '(none)'}`);
      check(prog, 'no progress notification was shown while labeling');
      check(prog.texts.some((t) => /label|batch/i.test(t)), `the progress notification does not say what it does: ${prog.texts.join(' / ')}`);

      // labels.jsonl: one record per file, error rows for the bad ones, labels as the CLI's
      const text = fs.readFileSync(out, 'utf8');
      saveText(steps.dir, 'labels.jsonl', text);
      const recs = text.split('\n').filter((l) => l.trim()).map((l, i) => {
        try {
          return JSON.parse(l);
        } catch {
          throw new Error(`labels.jsonl line ${i + 1} is not JSON: ${l.slice(0, 200)}`);
        }
      });
      const byName = new Map();
      for (const r of recs) {
        check(typeof r.path === 'string' && !path.isAbsolute(r.path), `record path is not relative to the folder: ${JSON.stringify(r.path)}`);
        check(!byName.has(r.path), `two records for ${r.path}`);
        byName.set(r.path, r);
      }
      const missing = files.filter((f) => !byName.has(f));
      const extra = [...byName.keys()].filter((p) => !files.includes(p));
      check(!missing.length, `no record for ${missing.length} of ${files.length} files: ${missing.slice(0, 5).join(', ')}`);
      check(!extra.length, `records for files that are not in the folder: ${extra.slice(0, 5).join(', ')}`);
      const badNames = new Set(fx.batchBad);
      let agree = 0, nearTies = 0;
      for (const [p, r] of byName) {
        if (badNames.has(p)) {
          check(r.error && typeof r.error.code === 'string' && typeof r.error.message === 'string' && r.error.message,
            `bad file ${p} has no error {code, message}: ${JSON.stringify(r)}`);
          const reason = errorText(r.error);
          check(BAD_REASON[p].test(reason), `the error row for ${p} does not say why (${BAD_REASON[p]}): ${reason}`);
          check(r.label === undefined || r.label === null, `bad file ${p} got a label: ${JSON.stringify(r)}`);
          continue;
        }
        check(!r.error, `good image ${p} has an error: ${r.error}`);
        check(typeof r.label === 'string' && typeof r.score === 'number' && r.score > 0 && r.score <= 1, `bad label/score in ${JSON.stringify(r)}`);
        check(Array.isArray(r.topk) && r.topk.length >= 1, `no topk in ${JSON.stringify(r)}`);
        const k0 = r.topk[0];
        const k0label = k0.label ?? k0[0];
        check(k0label === r.label, `topk[0] (${JSON.stringify(k0)}) is not the label ${r.label}`);
        check(r.model !== undefined && r.model !== null && JSON.stringify(r.model).length > 2, `no model in ${JSON.stringify(r)}`);
        const cli = fx.expectedLabeling[path.join(fx.batchDir, p)];
        const want = cli.top[0];
        if (r.label === want.label) {
          agree++;
          check(Math.abs(r.score - want.score) < 0.01, `${p}: score ${r.score} differs from the CLI's ${want.score}`);
        } else if (margin(cli) < 0.02) {
          nearTies++;
        } else {
          throw new Error(`${p}: labeled ${r.label} ${r.score}, the CLI says ${want.label} ${want.score}`);
        }
      }
      log(`  ${recs.length} records for ${files.length} files: ${files.length - badNames.size} labeled (${agree} as the CLI, ${nearTies} near-ties), ${badNames.size} error rows: ${[...badNames].map((b) => `${b}: ${errorText(byName.get(b).error)}`).join('; ')}`);
      const counts = {};
      for (const r of recs) if (r.label) counts[r.label] = (counts[r.label] || 0) + 1;
      log(`  per label: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);

      // the review view
      const tab = await waitForTab(page, 'Review: batch', 60_000);
      log(`  review tab: "${tab}"`);
      const frame = await visibleFrameWith(page, '[data-testid=review-gallery]', { tabLabel: 'Review: batch' });
      const n = await poll('review items', async () => {
        const c = await frame.locator('[data-testid=review-item]').count();
        return c > 0 ? c : null;
      }, { timeout: 30_000 });
      log(`  review gallery shows ${n} items`);
      await page.waitForTimeout(1000); // thumbnails
      await steps.shot('review');

      // clicking a review item opens that image in the classify panel
      const item = frame.locator('[data-testid=review-item]').first();
      const itemPath = (await item.getAttribute('data-path')) || '';
      const name = path.basename(itemPath);
      check(files.includes(name), `the first review item's data-path "${itemPath}" is not a file of the folder`);
      await item.click();
      const opened = await openClassifyPanel(page, name, steps, log);
      await checkTopLabel(opened.frame, opened.top, { top: fx.expected[path.join(fx.batchDir, name)].top }, name, log);
      await steps.shot('review-opened');

      await sortThenUndo(page, steps, folder, out, log);
    },
  },
  {
    name: 'label-cancel',
    title: 'Label Folder on ≥ 2,400 images → Cancel mid-run → no labels file, a journal → Label Folder again resumes and labels only the rest',
    prepare: ({ ws, fx }) => {
      // At least 2,400 files (hard links to the good batch images, in 8 sub-folders): long enough a run to cancel.
      const good = fs.readdirSync(fx.batchDir).filter((f) => !fx.batchBad.includes(f));
      for (let k = 0; k < Math.ceil(2400 / good.length); k++) {
        const dir = path.join(ws, 'many', `part${k % 8}`);
        fs.mkdirSync(dir, { recursive: true });
        for (const f of good) fs.linkSync(path.join(fx.batchDir, f), path.join(dir, `${k}_${f}`));
      }
    },
    async run({ page, steps, ws, log }) {
      const folder = path.join(ws, 'many');
      const total = fs.readdirSync(folder).reduce((n, d) => n + fs.readdirSync(path.join(folder, d)).length, 0);
      const out = path.join(folder, 'labels.jsonl');
      const journal = path.join(folder, '.rcnn-lens', 'labels.jsonl.partial.jsonl');
      await waitForWorkbench(page);
      await recordToasts(page);
      await contextMenu(page, 'many', 'Label Folder', steps);
      const progressToast = page.locator('.notification-toast', { hasText: 'Labeling many' });
      const done = await poll('the labeling progress to pass 200 images', async () => {
        const text = (await progressToast.first().innerText().catch(() => '')).replace(/\s+/g, ' ');
        const m = /([\d,]+) \/ ([\d,]+) images/.exec(text);
        const n = m ? Number(m[1].replace(/,/g, '')) : 0;
        if (fs.existsSync(out)) throw Object.assign(new Error(`the run finished before it could be cancelled (${text})`), { abort: true });
        return n >= 200 ? n : null;
      }, { timeout: 120_000, interval: 100 });
      await steps.shot('before-cancel');
      await progressToast.first().getByRole('button', { name: 'Cancel' }).click();
      log(`  cancelled at about ${done} / ${total} images`);
      const said = await poll('a "was cancelled" notification', async () => (await toastTexts(page)).find((t) => /was cancelled/.test(t)) || null, { timeout: 60_000 });
      log(`  ${said.slice(0, 140)}`);
      await steps.shot('cancelled');
      check(!fs.existsSync(out), 'a cancelled first run left a labels.jsonl behind');
      const journaled = fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('\n').filter((l) => l.trim()).length : 0;
      check(journaled > 0 && journaled < total, `the cancelled run's journal has ${journaled} of ${total} records`);
      log(`  no labels.jsonl; the journal keeps ${journaled} results to resume from`);

      await contextMenu(page, 'many', 'Label Folder', steps);
      await poll('many/labels.jsonl', () => fs.existsSync(out), { timeout: 180_000 });
      const recs = fs.readFileSync(out, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
      check(recs.length === total && new Set(recs.map((r) => r.path)).size === total, `labels.jsonl has ${recs.length} records (${new Set(recs.map((r) => r.path)).size} distinct) for ${total} files`);
      check(recs.every((r) => typeof r.label === 'string' && !r.error), 'a record of the resumed run has no label');
      check(!fs.existsSync(journal), 'the journal is still there after the run completed');
      const rest = (total - journaled).toLocaleString('en-US');
      const texts = (await recordedToasts(page)).flatMap((t) => t.texts);
      check(texts.some((t) => t.includes(`/ ${rest} images`)), `the second run did not label just the remaining ${rest} images; its progress said: ${texts.filter((t) => /images/.test(t)).slice(-3).join(' | ')}`);
      log(`  the second run labeled the remaining ${rest} images; labels.jsonl has all ${total} records`);
      await steps.shot('resumed');
    },
  },
];

/** The folder's files (outside our state folder and the labels file) with size and mtime. */
function layoutOf(folder) {
  const out = {};
  const walk = (dir, rel) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== '.rcnn-lens') walk(path.join(dir, e.name), r);
      } else if (r !== 'labels.jsonl') {
        const st = fs.statSync(path.join(dir, e.name));
        out[r] = `${st.size} ${Math.floor(st.mtimeMs)}`;
      }
    }
  };
  walk(folder, '');
  return out;
}

// Explorer → Sort Into Class Folders… → Move: every labeled image lands in <label>/ and the labels
// file follows it; then Explorer → Undo Last Sort gives back the exact layout (names, sizes, mtimes).
async function sortThenUndo(page, steps, folder, labelsFile, log) {
  const before = layoutOf(folder);
  await contextMenu(page, 'batch', 'Sort Into Class Folders…', steps);
  const move = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Move' }).first();
  await move.waitFor({ timeout: 20_000 });
  await steps.shot('sort-move-or-copy');
  await move.click();
  const moved = await poll('a "Moved N image(s)" notification', async () => (await toastTexts(page)).find((t) => /Moved \d+ image/.test(t)) || null, { timeout: 60_000 });
  log(`  sort: ${moved.slice(0, 120)}`);
  await steps.shot('sorted');
  const recs = fs.readFileSync(labelsFile, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  let inClassFolders = 0;
  for (const r of recs) {
    check(fs.existsSync(path.join(folder, ...r.path.split('/'))), `after the sort, labels.jsonl points at ${r.path}, which does not exist`);
    if (r.error) continue;
    const group = r.path.split('/')[0];
    check(group === r.label || group === '_review', `after the sort, ${r.path} (labeled ${r.label}) is not in its class folder`);
    inClassFolders++;
  }
  check(moved.includes(`into class folders in ${folder}`), `the sort notification does not name the destination ${folder}: "${moved}"`);
  const m = /Moved (\d+) image/.exec(moved);
  check(m && Number(m[1]) === inClassFolders, `the notification says "${moved}", but ${inClassFolders} labeled images are in class folders`);
  log(`  ${inClassFolders} labeled images now in class folders; error rows stayed in place`);
  // The open review follows the move: its items carry the new paths and get thumbnails again.
  const frame = await visibleFrameWith(page, '[data-testid=review-gallery]', { tabLabel: 'Review: batch' });
  const firstPath = await poll('the review gallery to show the sorted paths', async () => {
    const p = await frame.locator('[data-testid=review-item]').first().getAttribute('data-path').catch(() => null);
    return p && p.includes('/') ? p : null;
  }, { timeout: 30_000 });
  await poll('a thumbnail of a moved image in the review gallery', () =>
    frame.locator('[data-testid=review-item] img.thumb').first().evaluate((img) => img.complete && img.naturalWidth > 0).catch(() => false), { timeout: 60_000 });
  log(`  the review gallery shows the moved files (first: ${firstPath}) with thumbnails`);
  await steps.shot('sorted-review');

  await contextMenu(page, 'batch', 'Undo Last Sort', steps);
  const restored = await poll('an "Undo moved N image(s) … back" notification', async () => (await toastTexts(page)).find((t) => /Undo moved \d+ image\(s\) out of the class folders back/.test(t)) || null, { timeout: 60_000 });
  log(`  undo: ${restored.slice(0, 120)}`);
  await steps.shot('undone');
  const after = layoutOf(folder);
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k]);
  check(!changed.length, `after Undo Last Sort the folder differs from before the sort: ${changed.slice(0, 5).map((k) => `${k}: ${before[k]} -> ${after[k]}`).join('; ')}`);
  const back = fs.readFileSync(labelsFile, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l).path);
  check(back.every((p) => p in before), `after the undo, labels.jsonl still has sorted paths: ${back.filter((p) => !(p in before)).slice(0, 3).join(', ')}`);
  log(`  undo restored all ${Object.keys(before).length} files exactly (names, sizes, mtimes) and the labels file's paths`);
}
