// End-to-end: Train Model on Folder… on a small generated folder (2 classes, 200 images),
// one epoch, through the Explorer menu and the quick picks, the Training panel until it
// shows the confusion matrix, "Use this model", then the classify panel with the new model.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { contextMenu, expandFolder, poll, toastTexts, waitForTab, waitForWorkbench } from './lib/workbench.mjs';
import { check, openClassifyPanel, visibleFrameWith } from './tests.mjs';

const CLASSES = ['reds', 'blues'];
const PER_CLASS = 100;

// Noisy 32x32 PNGs around one colour per class (Pillow: the Python that trains has it).
function writeTrainingFolder(dir) {
  const code = `
import os, sys, numpy as np
from PIL import Image
rng = np.random.default_rng(0)
root, per = sys.argv[1], int(sys.argv[2])
for cls, colour in (("reds", (200, 40, 40)), ("blues", (40, 60, 200))):
    os.makedirs(os.path.join(root, cls), exist_ok=True)
    for i in range(per):
        a = np.clip(np.array(colour)[None, None, :] + rng.normal(0, 40, (32, 32, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(a).save(os.path.join(root, cls, f"{i}.png"))
`;
  const r = spawnSync('python3', ['-c', code, dir, String(PER_CLASS)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`generating the training images failed: ${r.stderr}`);
}

// Accept the quick pick now shown with its first (default) item.
async function acceptQuickPick(page, titlePart, steps) {
  const box = page.locator('.quick-input-widget');
  await poll(`the quick pick "${titlePart}"`, async () => {
    if (!(await box.isVisible().catch(() => false))) return null;
    const t = (await box.innerText().catch(() => '')) || '';
    return t.includes(titlePart) ? t : null;
  }, { timeout: 30_000 });
  if (steps) await steps.shot(`pick-${titlePart.replace(/\W+/g, '_').slice(0, 30)}`);
  await page.keyboard.press('Enter');
}

export const trainTests = [
  {
    name: 'train-folder',
    title: 'Explorer → Train Model on Folder… → Training panel (curves, confusion) → Use this model → classify with it',
    settings: { 'rcnnLens.train.epochs': 1 },
    // Python start, one epoch and the ONNX export: well under 2 minutes on an idle 2-core machine, far
    // more when other work shares it, so the test's own limit is generous.
    timeoutS: 600,
    async prepare({ ws }) {
      writeTrainingFolder(path.join(ws, 'trainset'));
    },
    async run({ page, steps, log }) {
      await waitForWorkbench(page);
      const t0 = Date.now();
      await contextMenu(page, 'trainset', 'Train Model on Folder…', steps);
      await acceptQuickPick(page, 'start from which model', steps);
      await acceptQuickPick(page, 'fine-tune which layers', steps);
      await waitForTab(page, 'Training: trainset', 60_000);
      const frame = await visibleFrameWith(page, '[data-testid=training]', { tabLabel: 'Training: trainset' });
      await steps.shot('training-started');
      const status = await poll('the training to end', async () => {
        const s = await frame.locator('[data-testid=training]').getAttribute('data-status').catch(() => null);
        return s === 'done' || s === 'failed' || s === 'cancelled' ? s : null;
      }, { timeout: 480_000, interval: 1000 });
      const message = (await frame.locator('[data-testid=training-status]').textContent()).trim();
      log(`  training ${status} after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${message}`);
      await steps.shot('training-ended');
      check(status === 'done', `the training ended ${status}: ${message}`);
      const epoch = (await frame.locator('[data-testid=training-epoch]').textContent()).trim();
      check(epoch === '1 / 1', `the panel shows epoch "${epoch}", not 1 / 1`);
      const cells = await frame.locator('[data-testid=confusion] tbody td').allTextContents();
      const total = cells.reduce((a, c) => a + Number(c), 0);
      log(`  confusion matrix: ${cells.join(' ')} (${total} validation images)`);
      check(cells.length === 4 && total > 0, `the confusion matrix is not 2x2 with validation images: ${cells.join(' ')}`);
      const classes = (await frame.locator('[data-testid=training-classes]').textContent()).trim();
      check(CLASSES.every((c) => classes.includes(`${c} (${PER_CLASS})`)), `the panel's classes are "${classes}"`);

      // "Use this model" in the closing notification.
      const use = page.locator('.notification-toast').getByRole('button', { name: 'Use this model' });
      await use.waitFor({ timeout: 30_000 }).catch(async (e) => {
        throw new Error(`${e.message}; notifications: ${JSON.stringify(await toastTexts(page))}`);
      });
      check((await page.locator('.notification-toast').getByRole('button', { name: 'Label the folder with it' }).count()) > 0, 'no "Label the folder with it" action');
      await use.click();

      // Classify one of the training images with the new model: its labels are the folder's classes.
      await expandFolder(page, 'trainset');
      await expandFolder(page, 'reds');
      await contextMenu(page, '0.png', 'Classify Image');
      const { frame: panel, top } = await openClassifyPanel(page, '0.png', steps, log);
      const model = ((await panel.locator('[data-testid=model-name]').textContent({ timeout: 10_000 })) || '').trim();
      log(`  classify panel: top label "${top}", model "${model}"`);
      check(CLASSES.some((c) => top.toLowerCase().includes(c)), `the panel's top label "${top}" is not one of the new model's classes ${CLASSES.join(', ')}`);
      check(model.startsWith('trainset-'), `the panel's model is "${model}", not the trained trainset-… model`);
      await steps.shot('classified-with-new-model');
    },
  },
];
