#!/usr/bin/env node
// Copy the README's screenshots from the last e2e run (artifacts/e2e/) into
// docs/screenshots/, shrunk to small palette PNGs. Only tests that passed in that
// run are used, so the pictures show what the tests checked.
//
//   npm run test:e2e && node test/e2e/update-screenshots.mjs
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(root, 'package.json'));
const sharp = require('sharp');
const artifacts = path.join(root, 'artifacts', 'e2e');
const dest = path.join(root, 'docs', 'screenshots');

// [test, step-name pattern, output file]
const PICKS = [
  ['classify-image', /^\d+-context-menu-.*\.png$/, 'explorer-classify-image.png'],
  ['classify-image', /^\d+-panel\.png$/, 'classify-panel.png'],
  ['classify-image', /^\d+-attention\.png$/, 'classify-attention.png'],
  ['corrupt-image', /^\d+-good-after-bad\.png$/, 'corrupt-image-error.png'],
  ['label-folder', /^\d+-progress\.png$/, 'label-folder-progress.png'],
  ['panel-ux', /^\d+-review-gallery\.png$/, 'review-gallery.png'],
  ['panel-ux', /^\d+-panel-500\.png$/, 'panel-500.png'],
  ['panel-ux', /^\d+-panel-1400\.png$/, 'panel-1400.png'],
  ['panel-ux', /^\d+-hover-readout\.png$/, 'hover-readout.png'],
  ['explain-views', /^\d+-explain-deep\.png$/, 'explain-deep.png'],
  ['explain-views', /^\d+-explain-chart\.png$/, 'explain-chart.png'],
  ['compare', /^\d+-compare-difference\.png$/, 'compare-panel.png'],
];

const summary = JSON.parse(fs.readFileSync(path.join(artifacts, 'summary.json'), 'utf8'));
const passed = new Set(summary.results.filter((r) => r.ok).map((r) => r.name));
fs.mkdirSync(dest, { recursive: true });
for (const [test, re, out] of PICKS) {
  if (!passed.has(test)) {
    console.log(`skip ${out}: ${test} did not pass (or did not run) in the last run`);
    continue;
  }
  const dir = path.join(artifacts, test);
  const src = fs.readdirSync(dir).filter((f) => re.test(f)).sort().pop();
  if (!src) {
    console.log(`skip ${out}: no ${re} in ${path.relative(root, dir)}`);
    continue;
  }
  await sharp(path.join(dir, src))
    .resize({ width: 1100, withoutEnlargement: true })
    .png({ palette: true, colours: 256, quality: 90, compressionLevel: 9, effort: 10 })
    .toFile(path.join(dest, out));
  const kb = (fs.statSync(path.join(dest, out)).size / 1024).toFixed(0);
  console.log(`${path.relative(root, path.join(dest, out))} (${kb} KB) ← artifacts/e2e/${test}/${src}`);
}
