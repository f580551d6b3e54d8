// Benchmark of the single-image classify path (issue 2, "Performance").
// Bundles scripts/bench/classifyBench.ts with esbuild and runs it; needs dist/worker.js
// (`npm run build`). Usage: node scripts/bench-classify.mjs [--runs N] [--model PATH]
import { runBundledBench } from './bench/runBundled.mjs';

await runBundledBench('scripts/bench/classifyBench.ts', process.argv.slice(2));
