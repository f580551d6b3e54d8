// Bundles the extension host, the worker process, the CLI and the webviews with esbuild.
// Host-side bundles target Node and keep native modules external (they ship as
// node_modules in the .vsix); webview bundles target the browser.
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const nodeEntries = [
  { in: 'src/vscode/extension.ts', out: 'extension' },
  { in: 'src/worker/main.ts', out: 'worker' },
  { in: 'src/cli/main.ts', out: 'cli' },
  { in: 'src/worker/labelWorker.ts', out: 'labelWorker' },
  { in: 'src/worker/validateModel.ts', out: 'validateModel' },
].filter((e) => existsSync(e.in));

const webEntries = [
  { in: 'webview/panel/main.ts', out: 'panel' },
  // The toolkit's components, loaded by the panel after its first paint (webview/panel/toolkitLoader.ts).
  { in: 'webview/panel/toolkitChunk.ts', out: 'toolkit' },
  { in: 'webview/review/main.ts', out: 'review' },
  { in: 'webview/training/main.ts', out: 'training' },
  { in: 'webview/compare/main.ts', out: 'compare' },
].filter((e) => existsSync(e.in));

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

const configs = [
  {
    ...common,
    entryPoints: nodeEntries,
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'onnxruntime-node', 'sharp'],
    // dist/cli.js is the package's bin: make it directly executable. Small young-generation semi-spaces:
    // the CLI's garbage is short-lived per-batch records, and V8's default 16 MB semi-spaces grew the
    // labeler's RSS with the run's length (parent peak 78 MB at 10,000 files, 126 MB at 100,000).
    banner: { js: '#!/usr/bin/env -S node --max-semi-space-size=2' },
  },
  {
    ...common,
    entryPoints: webEntries,
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
].filter((c) => c.entryPoints.length);

rmSync('dist', { recursive: true, force: true });
// The WebAssembly libjpeg-turbo (src/core/image/jpegWasm.ts) is loaded from next to the bundles.
mkdirSync('dist', { recursive: true });
copyFileSync(createRequire(import.meta.url).resolve('@cwasm/jpeg-turbo/jpeg-turbo.wasm'), 'dist/jpeg-turbo.wasm');
// The webviews' icons: VS Code's own codicon font, shipped with the bundles (dist/** is packaged).
mkdirSync('dist/webview/codicons', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) {
  copyFileSync(createRequire(import.meta.url).resolve(`@vscode/codicons/dist/${f}`), `dist/webview/codicons/${f}`);
}
if (watch) {
  for (const c of configs) await (await esbuild.context(c)).watch();
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
  chmodSync('dist/cli.js', 0o755); // the bin runs through its #! line (and the Node flags on it)
}
