// `npm run demo`: RCNN Lens in a real VS Code (code-server, in your browser) on a folder
// of sample images, with the bundled model. Installs what is missing first: npm
// packages, the build, the .vsix, code-server. Ctrl-C stops it.
//   RCNN_LENS_DEMO_PORT (default 8931), RCNN_LENS_DEMO_FOLDER (default: sample images)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerBin, installExtension } from '../test/e2e/lib/code-server.mjs';
import { extractCifar, syntheticImages } from '../test/e2e/lib/fixtures.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.RCNN_LENS_DEMO_PORT ?? 8931);
const home = path.join(root, '.cache', 'demo');

function step(what, cmd, args, opts = {}) {
  console.log(`[demo] ${what}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`[demo] failed: ${cmd} ${args.join(' ')}`);
    process.exit(r.status ?? 1);
  }
}

if (!fs.existsSync(path.join(root, 'node_modules', 'onnxruntime-node'))) step('npm ci', 'npm', ['ci']);
step('packaging the extension (.vsix)', 'npm', ['run', '--silent', 'package']);
const vsix = fs
  .readdirSync(root)
  .filter((f) => f.endsWith('.vsix'))
  .map((f) => path.join(root, f))
  .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
if (!fs.existsSync(codeServerBin(root))) step('installing code-server (a few minutes, once)', 'bash', ['scripts/install-code-server.sh']);
const bin = codeServerBin(root);

let folder = process.env.RCNN_LENS_DEMO_FOLDER;
if (!folder) {
  folder = path.join(home, 'sample-images');
  if (!fs.existsSync(folder)) {
    const archive = process.env.RCNN_LENS_DATASET ?? path.resolve(root, '..', 'shared', 'datasets', 'cifar10-train-jpeg.tar.gz');
    const extracted = extractCifar(archive, path.join(home, 'cifar'), 3);
    fs.mkdirSync(folder, { recursive: true });
    if (extracted) for (const img of extracted) fs.copyFileSync(img.file, path.join(folder, img.name));
    else await syntheticImages(root, folder, 12);
  }
}

const userData = path.join(home, 'user-data');
const extensions = path.join(home, 'extensions');
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
installExtension(bin, vsix, extensions, userData, path.join(home, 'install.log'));
console.log(`[demo] RCNN Lens on ${folder}\n[demo] open http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}  (Ctrl-C to stop)`);
const server = spawn(
  bin,
  ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
    '--user-data-dir', userData, '--extensions-dir', extensions, folder],
  { stdio: 'inherit' },
);
process.on('SIGINT', () => server.kill('SIGTERM'));
server.on('exit', (code) => process.exit(code ?? 0));
