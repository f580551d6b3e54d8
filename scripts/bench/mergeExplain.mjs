// Merges the --json files of bench-explain shards into one markdown table (same columns as the bench).
// Usage: node scripts/bench/mergeExplain.mjs OUT1.json OUT2.json …
import { readFileSync } from 'node:fs';

const rows = new Map();
let images = 0;
for (const file of process.argv.slice(2)) {
  const part = JSON.parse(readFileSync(file, 'utf8'));
  images += part.images;
  for (const [name, s] of Object.entries(part.rows)) {
    const into = rows.get(name) ?? rows.set(name, { ratio: [], auc: [], ms: [], runs: [] }).get(name);
    for (const k of Object.keys(into)) into[k].push(...s[k]);
  }
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`${images} images\n`);
console.log('| ranking | mean deletion AUC | AUC / random (mean of per-image ratios) | ms per image (median) | model runs per image (mean) |');
console.log('|---|---|---|---|---|');
for (const [name, s] of rows) {
  const ratio = s.ratio.length ? mean(s.ratio).toFixed(3) : '1';
  const ms = s.ms.length ? median(s.ms).toFixed(1) : '–';
  const runs = s.runs.length ? mean(s.runs).toFixed(0) : '–';
  console.log(`| ${name} | ${mean(s.auc).toFixed(4)} | ${ratio} | ${ms} | ${runs} |`);
}
