// `npm run demo`: RCNN Lens in a real VS Code (code-server, in your browser) on a copy of
// the sample images that ship with the repository (samples/demo-images), with the bundled
// model. Installs what is missing first: npm packages, the build, the .vsix, code-server.
// Ctrl-C stops it.
//   RCNN_LENS_DEMO_PORT (default 8931)
//   RCNN_LENS_DEMO_FOLDER (default: a copy of samples/demo-images, see below)
//   RCNN_LENS_DEMO_HOME (default ${XDG_CACHE_HOME:-~/.cache}/rcnn-lens-demo): code-server's
//     user data, extensions and the copied images. It is outside this repository on
//     purpose: a folder inside a git checkout makes VS Code offer that repository.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerBin, installExtension } from '../test/e2e/lib/code-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.RCNN_LENS_DEMO_PORT ?? 8931);
const home = path.resolve(
  process.env.RCNN_LENS_DEMO_HOME ?? path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'rcnn-lens-demo'),
);
const samples = path.join(root, 'samples', 'demo-images');

function step(what, cmd, args, opts = {}) {
  console.log(`[demo] ${what}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`[demo] failed: ${cmd} ${args.join(' ')}`);
    process.exit(r.status ?? 1);
  }
}

/** Copies the shipped samples into `folder`, keeping whatever the user already changed there (labels, sorts). */
function copySamples(folder) {
  fs.mkdirSync(folder, { recursive: true });
  for (const name of fs.readdirSync(samples)) {
    if (name === 'README.md') continue;
    const target = path.join(folder, name);
    if (!fs.existsSync(target)) fs.copyFileSync(path.join(samples, name), target);
  }
}

/** The demo's user settings: no Get Started walkthrough, no tips, no git prompts. */
function writeSettings(userData) {
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  const file = path.join(userData, 'User', 'settings.json');
  if (fs.existsSync(file)) return; // the user's own changes to the demo's settings stay
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'git.openRepositoryInParentFolders': 'never',
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
  };
  fs.writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
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
  copySamples(folder);
}

const userData = path.join(home, 'user-data');
const extensions = path.join(home, 'extensions');
writeSettings(userData);
installExtension(bin, vsix, extensions, userData, path.join(home, 'install.log'));
console.log(
  `[demo] RCNN Lens on ${folder}\n` +
    `[demo] open http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}  (Ctrl-C to stop)\n` +
    '[demo] VS Code asks whether you trust the authors of the files in this folder: they are the sample images ' +
    'you just copied, so "Yes, I trust the authors" is right (No opens Restricted Mode: classify and label still work, ' +
    'sorting is off).',
);
const server = spawn(
  bin,
  ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
    '--disable-getting-started-override', '--user-data-dir', userData, '--extensions-dir', extensions, folder],
  { stdio: 'inherit' },
);
process.on('SIGINT', () => server.kill('SIGTERM'));
server.on('exit', (code) => process.exit(code ?? 0));
