// Timing one "Classify Image" in the workbench, stage by stage: the click, the host's marks
// (its "panel timing" log line) and the webview's marks (window.__rcnnLensMarks), all as
// milliseconds after the click. Used by test/e2e/bench-panel.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { explorerRow, poll } from './workbench.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function summarize(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return { median: Math.round(at(50)), p90: Math.round(at(90)), n: xs.length };
}

/** Files under `dir` whose name matches `re`, newest first. */
function findFiles(dir, re, found = []) {
  if (!fs.existsSync(dir)) return found;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) findFiles(p, re, found);
    else if (re.test(e.name)) found.push(p);
  }
  return found.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
}

/** The host's marks for `name` from its newest "panel timing" line, as epoch ms by stage. */
function hostMarks(userDataDir, name) {
  for (const file of findFiles(path.join(userDataDir, 'logs'), /RCNN Lens\.log$/)) {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes(`panel timing ${name}: `));
    const line = lines.at(-1);
    if (!line) continue;
    const t0 = Number(/t0=(\d+)/.exec(line)[1]);
    const marks = { command: t0 };
    for (const [, stage, offset] of line.matchAll(/ ([\w-]+) \+(\d+)/g)) marks[stage] = t0 + Number(offset);
    return marks;
  }
  return undefined;
}

async function panelFrameShowing(page, name) {
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue;
    const marks = await f.evaluate((n) => {
      const top = document.querySelector('[data-testid=top-label]');
      const file = document.querySelector('[data-testid=file-name]');
      const ok = !!top && top.textContent.trim() !== '' && !!file && file.textContent.includes(n) && top.getBoundingClientRect().height > 0;
      if (!ok) return null;
      // When the page's own files arrived (the service worker fetches them from the host).
      const at = (t) => Math.round(performance.timeOrigin + t);
      const files = {};
      for (const r of performance.getEntriesByType('resource')) {
        const base = r.name.split('?')[0].split('/').pop();
        files[`${base}:start`] = at(r.startTime);
        files[`${base}:end`] = at(r.responseEnd);
      }
      const nav = performance.getEntriesByType('navigation')[0];
      if (nav) Object.assign(files, { 'html:end': at(nav.responseEnd), domInteractive: at(nav.domInteractive), domContentLoaded: at(nav.domContentLoadedEventEnd) });
      return { ...files, ...(window.__rcnnLensMarks ?? {}) };
    }, name).catch(() => null);
    if (marks) return marks;
  }
  return null;
}

/** Right-clicks `name` until its menu has "Classify Image" (the entries come a little after the window). */
async function openClassifyMenu(page, name) {
  const row = explorerRow(page, name);
  const entry = page.getByRole('menuitem', { name: 'Classify Image', exact: true });
  for (let attempt = 1; ; attempt++) {
    await row.click({ button: 'right' });
    try {
      await entry.waitFor({ timeout: 3000 });
      return entry;
    } catch (e) {
      if (attempt >= 10) throw e;
      await page.keyboard.press('Escape');
      await sleep(1000);
    }
  }
}

/**
 * Right-click → Classify Image; `visible` is the ms from the menu click to the panel's top
 * label showing `name`'s result, `stages` each mark's ms after the click.
 */
export async function timeClassify(page, name, userDataDir) {
  const entry = await openClassifyMenu(page, name);
  await sleep(300); // the menu ignores a click right after it opens
  const t0 = Date.now();
  await entry.click();
  const pageMarks = await poll(`the top label for ${name}`, () => panelFrameShowing(page, name), { timeout: 60_000, interval: 10 });
  const visible = Date.now() - t0;
  // As a person would: the panel finishes loading (heatmap and controls) before it is closed.
  await poll(`the details of ${name}`, async () => {
    for (const f of page.frames()) {
      // (a build without the deferred toolkit, a baseline, has loaded everything by then)
      const done = () => {
        const p = document.querySelector('[data-testid=panel]');
        return !!p && (p.dataset.details === 'shown' || !p.dataset.toolkitSrc);
      };
      if (await f.evaluate(done).catch(() => false)) return true;
    }
    return null;
  }, { timeout: 30_000, interval: 50 }).catch(() => undefined);
  const host = await poll(`the host's panel timing line for ${name}`, async () => hostMarks(userDataDir, name), { timeout: 10_000, interval: 100 }).catch(() => ({}));
  const stages = {};
  for (const [stage, at] of Object.entries(host)) stages[`host:${stage}`] = at - t0;
  for (const [stage, at] of Object.entries(pageMarks)) stages[`page:${stage}`] = at - t0;
  stages.visible = visible;
  return { name, visible, stages };
}

/** Each stage's median (and p90) over `runs`, in the order the stages happen. */
export function stageTable(runs) {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.stages)))];
  const rows = names.map((stage) => ({ stage, ...summarize(runs.map((r) => r.stages[stage]).filter((v) => v !== undefined)) }));
  rows.sort((a, b) => a.median - b.median);
  return rows.map((r) => `  ${r.stage.padEnd(26)} ${String(r.median).padStart(6)}  (p90 ${r.p90}, n=${r.n})`).join('\n');
}

export async function closeEditors(page) {
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+W');
  await sleep(300);
}
