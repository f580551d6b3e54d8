// End-to-end checks of how the panels explain themselves (issue 21), on the demo images
// that ship with the repository (samples/demo-images, copied to <workspace>/demo):
// codicons rendered, the hover readout, the "not seen by the model" shading, controls that
// stay put when "Show" changes, the panel at 500 and 1400 px, a relabelled review card and
// the messages of a copy sort and its undo. Screenshots feed the README (update-screenshots.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { check, openClassifyPanel, visibleFrameWith } from './tests.mjs';
import { contextMenu, expandFolder, poll, recordToasts, toastTexts, waitForTab, waitForWorkbench } from './lib/workbench.mjs';

/** Controls whose boxes must not move when "Show" changes. */
const FIXED_CONTROLS = ['play', 'timestep', 'quantity', 'colormap', 'opacity', 'threshold', 'scan-order', 'save-png'];
const QUANTITIES = ['norm', 'change', 'evidence', 'unit', 'attention'];

/** The outermost iframe element of a webview frame: its box on the page. */
async function frameBox(page, frame) {
  let top = frame;
  while (top.parentFrame() && top.parentFrame() !== page.mainFrame()) top = top.parentFrame();
  return (await top.frameElement()).boundingBox();
}

async function boxesOf(frame, ids) {
  return frame.evaluate((list) => Object.fromEntries(list.map((id) => {
    const r = document.querySelector(`[data-testid="${id}"]`).getBoundingClientRect();
    return [id, [r.x, r.y, r.width, r.height].map((v) => Math.round(v * 2) / 2)];
  })), ids);
}

async function setShow(frame, value) {
  await frame.evaluate((v) => {
    const dropdown = document.querySelector('[data-testid=quantity]');
    dropdown.value = v;
    dropdown.dispatchEvent(new Event('change'));
  }, value);
  await frame.waitForTimeout(150);
}

async function checkCodicons(frame, log) {
  const glyph = await poll('the codicon font to load in the panel', () => frame.evaluate(async () => {
    await document.fonts.ready;
    const icon = document.querySelector('[data-testid=play] .codicon');
    const before = getComputedStyle(icon, '::before');
    const faces = [...document.fonts].filter((f) => /codicon/i.test(f.family));
    const loaded = faces.some((f) => f.status === 'loaded');
    return loaded ? { content: before.content, family: before.fontFamily, width: icon.getBoundingClientRect().width } : null;
  }), { timeout: 20_000 });
  log(`  play icon: content ${JSON.stringify(glyph.content)}, font ${glyph.family}, ${glyph.width}px wide`);
  check(glyph.content === '"\ueb2c"', `the play icon is not the codicon play glyph: ${glyph.content}`);
  check(/codicon/.test(glyph.family) && glyph.width >= 12, `the play icon is not drawn with the codicon font: ${JSON.stringify(glyph)}`);
  const text = await frame.locator('[data-testid=play]').textContent();
  check(!/[\u23F8\u25B6]/.test(text), `the play button still uses a font character: ${JSON.stringify(text)}`);
}

async function checkHoverAndUnseen(page, frame, steps, log) {
  const unseen = frame.locator('[data-testid=unseen]');
  check((await unseen.count()) >= 2, 'the wide photo has no "not seen by the model" regions');
  check(/not seen by the model/.test(await unseen.first().textContent()), 'the unseen region is not labelled "not seen by the model"');
  check(await unseen.first().isVisible(), 'the unseen region is not visible');
  const stage = frame.locator('[data-testid=stage]');
  await stage.hover(); // the centre: inside the model's crop
  const readout = await poll('the hover readout', async () => {
    const t = (await frame.locator('[data-testid=hover-readout]').textContent()).trim();
    return t.startsWith('Cell (') ? t : null;
  }, { timeout: 10_000 });
  log(`  hover readout: ${readout}`);
  check(/^Cell \(\d+, \d+\) · step \d+ of \d+ · ‖hₜ‖ = [-\d.e]+ · after step \d+: [a-z]+ \d+(\.\d)?%/.test(readout),
    `the hover readout does not give cell, step, value and probabilities: ${readout}`);
  await steps.shot('hover-readout', { clip: await frameBox(page, frame) });
  const box = await stage.boundingBox();
  await page.mouse.move(box.x + 4, box.y + box.height / 2); // the left edge: outside the centre crop
  const outside = await poll('the readout outside the crop', async () => {
    const t = (await frame.locator('[data-testid=hover-readout]').textContent()).trim();
    return /not seen by the model/i.test(t) ? t : null;
  }, { timeout: 10_000 });
  log(`  outside the crop: ${outside}`);
  const legend = await frame.locator('[data-testid=legend-caption]').textContent();
  check(/High = /.test(legend) && /Euclidean/.test(legend), `the legend does not state its units and what high means: ${legend}`);
}

async function checkFixedControls(frame, log) {
  const before = await boxesOf(frame, FIXED_CONTROLS);
  for (const q of QUANTITIES) {
    await setShow(frame, q);
    const now = await boxesOf(frame, FIXED_CONTROLS);
    const moved = FIXED_CONTROLS.filter((id) => JSON.stringify(now[id]) !== JSON.stringify(before[id]));
    check(!moved.length, `with Show = ${q} these controls moved: ${moved.map((id) => `${id} ${before[id]} -> ${now[id]}`).join('; ')}`);
  }
  await setShow(frame, 'norm');
  log(`  ${FIXED_CONTROLS.length} controls kept their boxes across ${QUANTITIES.join(', ')}`);
}

/** Sizes the page so the panel is `width` px wide (the side bar is hidden first), checks the fold, takes a picture. */
async function panelAtWidth(page, frame, width, steps, log) {
  for (let i = 0; i < 3; i++) {
    const box = await frameBox(page, frame);
    if (Math.abs(box.width - width) <= 2) break;
    const vp = page.viewportSize();
    await page.setViewportSize({ width: Math.round(vp.width + width - box.width), height: 900 });
    await page.waitForTimeout(700);
  }
  const box = await frameBox(page, frame);
  const top = await frame.locator('[data-testid=predictions-card]').boundingBox();
  log(`  panel ${box.width.toFixed(0)}×${box.height.toFixed(0)} px: prediction card at y ${(top.y - box.y).toFixed(0)}–${(top.y + top.height - box.y).toFixed(0)}`);
  check(Math.abs(box.width - width) <= 2, `could not size the panel to ${width} px (got ${box.width})`);
  check(top.y + top.height <= box.y + box.height, `at ${width} px the prediction and top-k are below the fold`);
  await steps.shot(`panel-${width}`, { clip: box });
}

async function reviewRelabel(page, frame, demoDir, steps, log) {
  // The keyboard, not a click: clicking a card opens its image in the classify panel.
  await frame.locator('[data-testid=review-scroller]').focus();
  const item = frame.locator('[data-testid=review-item][aria-selected=true]').first();
  await item.waitFor({ timeout: 10_000 });
  const itemPath = await item.getAttribute('data-path');
  const rec = JSON.parse(fs.readFileSync(path.join(demoDir, 'labels.jsonl'), 'utf8').split('\n').filter(Boolean)
    .find((l) => JSON.parse(l).path === itemPath));
  // Relabel to the model's second choice: the card must show that class's own score.
  const second = rec.topk[1];
  const classes = await frame.evaluate(() => [...document.querySelectorAll('[data-testid=class-keys] .key')].map((k) => k.textContent));
  const key = classes.find((k) => k.endsWith(`: ${second.label}`))?.split(':')[0];
  check(key !== undefined, `no key for ${second.label} in ${classes.join(', ')}`);
  await page.keyboard.press(key);
  const card = frame.locator(`[data-testid=review-item][data-path="${itemPath}"] .caption`);
  const want = `${second.label}${Math.round(second.score * 100)}%`;
  const text = await poll('the relabelled card', async () => {
    const t = (await card.textContent()).replace(/\s+/g, '');
    return t.startsWith(second.label) ? t : null;
  }, { timeout: 10_000 });
  log(`  relabelled ${itemPath} (${rec.label} ${(rec.score * 100).toFixed(0)}%) to ${second.label}: card "${text}"`);
  check(text.startsWith(want), `the relabelled card shows "${text}", expected it to start with "${want}" (the model's score for ${second.label})`);
  check(!text.startsWith(`${second.label}${Math.round(rec.score * 100)}%`) || Math.round(rec.score * 100) === Math.round(second.score * 100),
    `the relabelled card shows the old class's score: ${text}`);
  await page.waitForTimeout(800);
  await steps.shot('review-gallery');
}

export const uxTests = [
  {
    name: 'panel-ux',
    title: 'Demo images: codicons, hover readout, "not seen" shading, controls fixed across Show, 500/1400 px; review relabel; copy sort and undo name what they did',
    async run({ page, steps, fx, log }) {
      // Tall enough that the Explorer lists every demo file (its list only renders rows in view).
      await page.setViewportSize({ width: 1360, height: 1300 });
      await waitForWorkbench(page);
      await recordToasts(page);
      await expandFolder(page, 'demo');
      const name = 'photo-chelsea-the-cat.jpg';
      await contextMenu(page, name, 'Classify Image');
      const { frame, top } = await openClassifyPanel(page, name, steps, log);
      log(`  ${name}: top label ${top}`);
      await checkCodicons(frame, log);
      await checkHoverAndUnseen(page, frame, steps, log);
      await checkFixedControls(frame, log);
      await page.keyboard.press('Control+B'); // hide the side bar: the panel gets the width
      await page.waitForTimeout(500);
      await panelAtWidth(page, frame, 500, steps, log);
      await panelAtWidth(page, frame, 1400, steps, log);
      await page.keyboard.press('Control+B');
      await page.setViewportSize({ width: 1360, height: 1300 });

      await contextMenu(page, 'demo', 'Label Folder');
      await waitForTab(page, 'Review: demo', 120_000);
      const review = await visibleFrameWith(page, '[data-testid=review-gallery]', { tabLabel: 'Review: demo' });
      await poll('review items', async () => ((await review.locator('[data-testid=review-item]').count()) > 0 ? true : null), { timeout: 30_000 });
      await reviewRelabel(page, review, fx.demoDir, steps, log);

      await contextMenu(page, 'demo', 'Sort Into Class Folders…');
      const copy = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Copy' }).first();
      await copy.waitFor({ timeout: 20_000 });
      await copy.click();
      const dest = `${fx.demoDir}-sorted`;
      const copied = await poll('a "Copied N image(s)" notification', async () => (await toastTexts(page)).find((t) => /Copied \d+ image/.test(t)) || null, { timeout: 60_000 });
      log(`  sort: ${copied}`);
      check(copied.includes(`into class folders in ${dest}`), `the sort notification does not name its destination ${dest}: ${copied}`);
      await contextMenu(page, 'demo', 'Undo Last Sort');
      // Not anchored: a toast under the mouse shows its source first ("Source: RCNN Lens Undo removed …"),
      // and the sort's own toast reads "… Undo Copied …" (its button), which this must not take.
      const undoToast = async () => (await toastTexts(page)).find((t) => /(^|\s)Undo [a-z]/.test(t)) || null;
      let undone = await poll('the undo notification', undoToast, { timeout: 15_000 }).catch(() => null);
      if (!undone) {
        // The Explorer re-renders when the sort's folder appears, and a right-click can land on the row
        // next to "demo" (CI once ran Undo on demo/.rcnn-lens). Once more: an undo that did run leaves
        // nothing to undo, so this cannot turn a missing notification into a pass.
        log(`  no undo notification after 15 s (toasts: ${JSON.stringify(await toastTexts(page))}); Undo Last Sort again`);
        await contextMenu(page, 'demo', 'Undo Last Sort');
        undone = await poll('the undo notification', undoToast, { timeout: 45_000 });
      }
      log(`  undo: ${undone}`);
      check(/Undo removed the \d+ copied image\(s\) and the class folders from /.test(undone) && undone.includes(dest),
        `the undo notification does not say what it removed: ${undone}`);
    },
  },
];
