// Faithfulness and cost of the explanation views (issue 18).
// Bundles scripts/bench/explainBench.ts with esbuild and runs it; needs dist/worker.js
// (`npm run build`). Usage: node scripts/bench-explain.mjs --list FILE [--model PATH] [--limit N] (see explainBench.ts)
import { runBundledBench } from './bench/runBundled.mjs';

await runBundledBench('scripts/bench/explainBench.ts', process.argv.slice(2));
