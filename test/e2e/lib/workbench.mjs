// Helpers that drive the VS Code web workbench (code-server) with playwright-core.
import fs from 'node:fs';
import path from 'node:path';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// fn returns a truthy value when done; an error with .abort = true stops at once.
export async function poll(what, fn, { timeout = 30_000, interval = 250 } = {}) {
  const until = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      if (e?.abort) throw e; // give up at once
      last = e;
    }
    if (Date.now() > until) {
      const why = last instanceof Error ? `: ${last.message}` : last !== undefined ? ` (last: ${JSON.stringify(last)})` : '';
      throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}${why}`);
    }
    await sleep(interval);
  }
}

// Screenshots numbered in step order into the test's artifact folder.
export class Steps {
  constructor(page, dir, log) {
    this.page = page;
    this.dir = dir;
    this.n = 0;
    this.log = log;
    this.shots = [];
  }
  /** `options`: Playwright screenshot options, e.g. { clip } for one panel. */
  async shot(name, options = {}) {
    const file = path.join(this.dir, `${String(++this.n).padStart(2, '0')}-${name}.png`);
    try {
      await this.page.screenshot({ path: file, timeout: 15_000, ...options });
      this.shots.push(file);
    } catch (e) {
      this.log(`  (screenshot ${name} failed: ${e.message.split('\n')[0]})`);
    }
    return file;
  }
}

export async function waitForWorkbench(page, timeout = 120_000) {
  await page.waitForSelector('.monaco-workbench', { timeout });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout });
  // The extension's menu entries are registered a little after the tree shows.
  await sleep(4000);
}

export function explorerRow(page, name) {
  return page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"]`);
}

export async function expandFolder(page, name) {
  const row = explorerRow(page, name);
  await row.waitFor({ timeout: 20_000 });
  if ((await row.getAttribute('aria-expanded')) !== 'true') {
    await row.click();
    await poll(`folder ${name} to expand`, async () => (await row.getAttribute('aria-expanded')) === 'true', { timeout: 10_000 });
  }
}

// Right-click an Explorer row and choose a context-menu entry. The extension's
// entries can appear late: reopen the menu a few times before giving up.
export async function contextMenu(page, rowName, item, steps) {
  const row = explorerRow(page, rowName);
  await row.waitFor({ timeout: 20_000 });
  let seen = [];
  for (let attempt = 1; attempt <= 5; attempt++) {
    await row.click({ button: 'right' });
    const entry = page.getByRole('menuitem', { name: item, exact: true });
    try {
      await entry.waitFor({ timeout: 3000 });
    } catch {
      seen = (await page.getByRole('menuitem').allTextContents()).map((s) => s.trim()).filter(Boolean);
      await page.keyboard.press('Escape');
      await sleep(2000);
      continue;
    }
    if (steps) await steps.shot(`context-menu-${rowName.replace(/[^\w.-]/g, '_')}`);
    // A click right after the menu opens can be swallowed (the menu ignores a
    // mouse-up too close to its opening): click, and again if it stays open.
    await sleep(300);
    for (let i = 0; i < 3; i++) {
      await entry.click().catch(() => {});
      try {
        await entry.waitFor({ state: 'detached', timeout: 2000 });
        return;
      } catch {
        /* still open */
      }
    }
    throw new Error(`clicking "${item}" in the context menu of ${rowName} did not close the menu`);
  }
  throw new Error(`no "${item}" in the Explorer context menu of ${rowName}; the menu had: ${seen.join(' | ')}`);
}

// Webview content is in nested iframes; find the frame that has `selector`.
export async function findFrame(page, selector, { timeout = 60_000 } = {}) {
  return poll(`a webview frame with ${selector}`, async () => {
    for (const f of page.frames()) {
      try {
        if (await f.$(selector)) return f;
      } catch {
        /* detached or navigating */
      }
    }
    return null;
  }, { timeout });
}

export async function activeTabLabel(page) {
  const tab = page.locator('.tabs-container .tab.active');
  return (await tab.count()) ? tab.first().getAttribute('aria-label') : null;
}

export async function waitForTab(page, label, timeout = 60_000) {
  return poll(`an editor tab "${label}"`, async () => {
    const labels = await page.$$eval('.tabs-container .tab', (els) => els.map((e) => e.getAttribute('aria-label') || e.textContent));
    return labels.find((l) => l && l.startsWith(label)) || null;
  }, { timeout });
}

// Pixels of a canvas inside a frame (drawn onto a 2D canvas first, so WebGL
// canvases can be read too): size, non-transparent pixels, distinct colours, a hash.
export async function canvasStats(frame, selector) {
  return frame.evaluate((sel) => {
    const c = document.querySelector(sel);
    if (!c) return null;
    const w = c.width, h = c.height;
    if (!w || !h) return { w, h, opaque: 0, colours: 0, hash: 0 };
    const t = document.createElement('canvas');
    t.width = w;
    t.height = h;
    const x = t.getContext('2d');
    x.drawImage(c, 0, 0);
    const d = x.getImageData(0, 0, w, h).data;
    let opaque = 0, hash = 2166136261;
    const colours = new Set();
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0) opaque++;
      if (colours.size < 4096) colours.add(((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0);
      for (let k = 0; k < 4; k++) hash = Math.imul(hash ^ d[i + k], 16777619) >>> 0;
    }
    const r = c.getBoundingClientRect();
    return { w, h, opaque, colours: colours.size, hash, shownW: Math.round(r.width), shownH: Math.round(r.height) };
  }, selector);
}

export async function toastTexts(page) {
  return page.$$eval('.notifications-toasts .notification-toast', (els) => els.map((e) => (e.innerText || '').replace(/\s+/g, ' ').trim()));
}

// Records every notification toast that appears from now on (text, whether it
// had a progress bar), so a short-lived progress notification is not missed.
export async function recordToasts(page) {
  await page.evaluate(() => {
    const seen = (window.__rcnnToasts = []);
    const note = (el) => {
      const text = (el.innerText || '').replace(/\s+/g, ' ').trim();
      const pc = el.querySelector('.monaco-progress-container.active');
      const progress = !!pc && getComputedStyle(pc).display !== 'none';
      const prev = seen.find((s) => s.el === el);
      if (prev) {
        prev.texts.add(text);
        prev.progress ||= progress;
      } else seen.push({ el, texts: new Set([text]), progress, at: Date.now() });
    };
    const scan = () => document.querySelectorAll('.notification-toast').forEach(note);
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['class', 'style'] });
    scan();
  });
}

export async function recordedToasts(page) {
  return page.evaluate(() => (window.__rcnnToasts || []).map((s) => ({ texts: [...s.texts], progress: s.progress })));
}

export function saveText(dir, name, text) {
  fs.writeFileSync(path.join(dir, name), typeof text === 'string' ? text : JSON.stringify(text, null, 2));
}
