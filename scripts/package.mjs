#!/usr/bin/env node
// Build a platform-specific .vsix with only what the extension needs at run time.
//
//   npm run package                         # target = this machine (e.g. linux-x64)
//   npm run package -- --target win32-x64   # cross-package for another platform
//   node scripts/package.mjs --target darwin-arm64 --out /tmp/x.vsix
//
// Targets (VS Code platform names): linux-x64, linux-arm64, win32-x64,
// win32-arm64, darwin-arm64 (onnxruntime-node 1.30 ships binaries for exactly
// these); darwin-x64, linux-armhf, alpine-* are refused because
// onnxruntime-node has no binary for them.
//
// What goes in (staged in a temp folder, then `vsce package --target T` there):
//   package.json   (devDependencies, scripts, files stripped; dependencies =
//                   the packaged runtime modules)
//   README.md, LICENSE*, CHANGELOG.md if present
//   dist/**        (esbuild output; *.map and *.d.ts left out unless --sourcemaps)
//   media/**       (icons, css, models and model cards)
//   node_modules/  only the packages the bundles load at run time (found by
//                  scanning dist/*.js for require()/import of bare names), with
//                  their dependency closure for the target platform:
//                  - onnxruntime-node: only bin/napi-v*/<os>/<arch>, no install
//                    script or its install-only deps (adm-zip, global-agent)
//                  - sharp: its @img/sharp-<plat> + @img/sharp-libvips-<plat>
//                    (copied from node_modules when installed, else fetched once
//                    with `npm pack` from the registry into a cache)
// For the host platform the staged native modules are loaded once as a check
// (sharp decodes a tiny image, onnxruntime creates a session on the bundled
// model when there is one), so a broken package fails here, not at a user's.
//
// Options: --target T, --out FILE, --keep-stage (print and keep the staging
// folder), --sourcemaps (include dist/**/*.map), --no-check (skip the load check).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const o = { target: null, out: null, keepStage: false, sourcemaps: false, check: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (a.includes('=')) return a.slice(a.indexOf('=') + 1);
      if (i + 1 >= argv.length) die(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--target' || a.startsWith('--target=') || a === '-t') o.target = val();
    else if (a === '--out' || a.startsWith('--out=') || a === '-o') o.out = val();
    else if (a === '--keep-stage') o.keepStage = true;
    else if (a === '--sourcemaps') o.sourcemaps = true;
    else if (a === '--no-check') o.check = false;
    else if (a === '-h' || a === '--help') {
      const src = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8');
      console.log(src.split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
      process.exit(0);
    } else die(`unknown argument ${a}`);
  }
  return o;
}

function die(msg) {
  console.error(`package: ERROR: ${msg}`);
  process.exit(1);
}
const log = (msg) => console.log(`package: ${msg}`);

function hostLibc() {
  if (process.platform !== 'linux') return null;
  const report = process.report?.getReport?.();
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

function hostTarget() {
  const { platform, arch } = process;
  if (platform === 'linux' && hostLibc() === 'musl') return `alpine-${arch}`;
  if (platform === 'linux' && arch === 'arm') return 'linux-armhf';
  return `${platform}-${arch}`;
}

// vsce target -> node's os/cpu + libc, and sharp's platform name
const TARGETS = {
  'linux-x64': { os: 'linux', cpu: 'x64', libc: 'glibc' },
  'linux-arm64': { os: 'linux', cpu: 'arm64', libc: 'glibc' },
  'linux-armhf': { os: 'linux', cpu: 'arm', libc: 'glibc' },
  'alpine-x64': { os: 'linux', cpu: 'x64', libc: 'musl' },
  'alpine-arm64': { os: 'linux', cpu: 'arm64', libc: 'musl' },
  'win32-x64': { os: 'win32', cpu: 'x64', libc: null },
  'win32-arm64': { os: 'win32', cpu: 'arm64', libc: null },
  'darwin-x64': { os: 'darwin', cpu: 'x64', libc: null },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64', libc: null },
};

// Dependencies that a runtime package declares but only uses at install time.
const INSTALL_ONLY_DEPS = {
  'onnxruntime-node': ['adm-zip', 'global-agent'],
};
// Files never shipped from node_modules (sources, docs, build inputs).
const NM_DROP = [
  /\.map$/, /\.tsbuildinfo$/, /(^|\/)\.[^/]*$/, /\.(md|markdown)$/i, /(^|\/)(CHANGELOG|HISTORY)(\.|$)/i,
  /\.(cc|cpp|h|hpp|gyp|gypi|c)$/, /\.[cm]?ts$/, /(^|\/)(test|tests|__tests__|docs|example|examples)\//,
];
const NM_KEEP = [/(^|\/)(LICEN[CS]E|NOTICE|COPYING|ThirdPartyNotices)[^/]*$/i];
// Per-package subtrees never shipped.
const PKG_DROP_DIRS = {
  'onnxruntime-node': ['lib', 'script'],
  sharp: ['src', 'install'],
};

// ---------------------------------------------------------------- helpers
const readJson = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));

function walk(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(dir, r));
    else if (e.isFile() || e.isSymbolicLink()) out.push(r);
  }
  return out;
}

function copyFile(src, dst) {
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.copyFileSync(fs.realpathSync(src), dst);
  fs.chmodSync(dst, fs.statSync(src).mode & 0o777);
}

function matchesList(list, value) {
  // npm semantics for os/cpu/libc: ["a","b"] allow-list, ["!a"] deny-list.
  if (!Array.isArray(list) || list.length === 0 || value == null) return true;
  const deny = list.filter((x) => x.startsWith('!')).map((x) => x.slice(1));
  const allow = list.filter((x) => !x.startsWith('!'));
  if (deny.includes(value)) return false;
  return allow.length === 0 || allow.includes(value);
}

function pkgFitsTarget(pj, t) {
  return matchesList(pj.os, t.os) && matchesList(pj.cpu, t.cpu) && (t.os !== 'linux' || matchesList(pj.libc, t.libc));
}

// For an optional dependency that is not installed here: does its name say it
// is for the target? (sharp's scheme: @img/sharp-<os>[musl]-<cpu>, @img/sharp-libvips-...)
function nameFitsTarget(name, t) {
  const m = /-(darwin|linux|linuxmusl|win32|freebsd|wasm32|webcontainers)-?([a-z0-9]*)$/.exec(name);
  if (!m) return null; // unknown naming: cannot tell
  let osName = m[1];
  const cpu = m[2];
  let libc = null;
  if (osName === 'linuxmusl') { osName = 'linux'; libc = 'musl'; } else if (osName === 'linux') libc = 'glibc';
  if (osName !== t.os || cpu !== t.cpu) return false;
  return t.os !== 'linux' || libc === t.libc;
}

// Node resolution of a package folder from a directory (walks up node_modules).
function resolvePkgDir(name, fromDir) {
  let d = fromDir;
  for (;;) {
    const cand = path.join(d, 'node_modules', name);
    if (fs.existsSync(path.join(cand, 'package.json'))) return cand;
    const up = path.dirname(d);
    if (up === d || !up.startsWith(root)) return null;
    d = up;
  }
}

// Bare module names required by the host bundles (the esbuild externals).
function scanExternals(distDir) {
  const names = new Set();
  const builtins = new Set(builtinModules);
  const files = fs.existsSync(distDir) ? walk(distDir).filter((f) => /\.(c|m)?js$/.test(f) && !f.startsWith('webview/')) : [];
  const re = /(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|\bimport\s+)(['"])([^'"\n]+)\1/g;
  for (const f of files) {
    const src = fs.readFileSync(path.join(distDir, f), 'utf8');
    for (const m of src.matchAll(re)) {
      const spec = m[2];
      if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || spec === 'vscode') continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (builtins.has(name) || !/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/i.test(name)) continue;
      names.add(name);
    }
  }
  return { names: [...names].sort(), files };
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) die(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  return r;
}

// Fetch name@version with `npm pack` into a cache, return the extracted folder.
function fetchPackage(name, version) {
  const cache = path.join(root, 'node_modules', '.cache', 'rcnn-lens-package', `${name.replace('/', '+')}@${version}`);
  if (fs.existsSync(path.join(cache, 'package', 'package.json'))) return path.join(cache, 'package');
  fs.rmSync(cache, { recursive: true, force: true });
  fs.mkdirSync(cache, { recursive: true });
  log(`fetching ${name}@${version} (npm pack) for the target platform`);
  const r = spawnSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', cache], { encoding: 'utf8', cwd: cache });
  if (r.status !== 0) die(`npm pack ${name}@${version} failed:\n${r.stderr}`);
  const tgz = fs.readdirSync(cache).find((f) => f.endsWith('.tgz'));
  run('tar', ['-xzf', path.join(cache, tgz), '-C', cache]);
  fs.rmSync(path.join(cache, tgz));
  return path.join(cache, 'package');
}

// ---------------------------------------------------------------- staging
function stageNodeModules(stage, externals, t) {
  const staged = new Map(); // stage-relative dir -> {name, version}
  const queue = externals.map((name) => ({ name, from: root, dir: resolvePkgDir(name, root), optional: false, parent: '(dist)' }));
  while (queue.length) {
    const { name, dir, optional, parent, fetchVersion } = queue.shift();
    let srcDir = dir;
    if (!srcDir && fetchVersion) srcDir = fetchPackage(name, fetchVersion);
    if (!srcDir) {
      if (optional) continue;
      die(`${parent} needs ${name}, which is not installed (run npm ci)`);
    }
    // where it lives in the stage: same node_modules path as in the repo; fetched ones at top level
    const rel = dir && srcDir.startsWith(root + path.sep) ? path.relative(root, srcDir) : path.join('node_modules', name);
    if (staged.has(rel)) continue;
    const pj = readJson(path.join(srcDir, 'package.json'));
    if (optional && !pkgFitsTarget(pj, t)) continue;
    staged.set(rel, { name, version: pj.version });

    const dropDirs = PKG_DROP_DIRS[name] || [];
    let files = walk(srcDir).filter((f) => !f.startsWith('node_modules/'));
    files = files.filter((f) => !dropDirs.some((d) => f === d || f.startsWith(`${d}/`)));
    files = files.filter((f) => f === 'package.json' || NM_KEEP.some((re) => re.test(f)) || !NM_DROP.some((re) => re.test(f)));
    if (name === 'onnxruntime-node') {
      // keep only the target's native binaries
      const want = `/${t.os}/${t.cpu}/`;
      const bins = files.filter((f) => f.startsWith('bin/'));
      const keep = bins.filter((f) => f.includes(want));
      if (!keep.some((f) => f.endsWith('onnxruntime_binding.node'))) {
        const have = [...new Set(bins.map((f) => f.split('/').slice(2, 4).join('-')))].join(', ');
        die(`onnxruntime-node ${pj.version} has no binary for ${t.os}-${t.cpu} (it ships: ${have})`);
      }
      files = files.filter((f) => !f.startsWith('bin/') || f.includes(want));
    }
    for (const f of files) copyFile(path.join(srcDir, f), path.join(stage, rel, f));

    // the staged package.json: no install scripts, no install-only deps
    const spj = readJson(path.join(stage, rel, 'package.json'));
    const dropDeps = INSTALL_ONLY_DEPS[name] || [];
    if (dropDeps.length || spj.scripts) {
      for (const d of dropDeps) if (spj.dependencies) delete spj.dependencies[d];
      delete spj.scripts;
      delete spj.devDependencies;
      fs.writeFileSync(path.join(stage, rel, 'package.json'), JSON.stringify(spj, null, 2) + '\n');
    }

    for (const [dep, range] of Object.entries(pj.dependencies || {})) {
      if (dropDeps.includes(dep)) continue;
      queue.push({ name: dep, dir: resolvePkgDir(dep, srcDir), optional: false, parent: name });
    }
    for (const [dep, version] of Object.entries(pj.optionalDependencies || {})) {
      const depDir = resolvePkgDir(dep, srcDir);
      if (depDir) {
        queue.push({ name: dep, dir: depDir, optional: true, parent: name });
      } else if (nameFitsTarget(dep, t) === true) {
        // for another platform than this one: fetch the exact version
        queue.push({ name: dep, dir: null, optional: false, parent: name, fetchVersion: version });
      }
    }
  }
  return staged;
}

// training/ files that ship: rcnn_lens_train/*.py, requirements.txt, README.md.
function shippedTrainingFiles() {
  const dir = path.join(root, 'training');
  const modules = fs.readdirSync(path.join(dir, 'rcnn_lens_train')).filter((f) => f.endsWith('.py')).map((f) => `rcnn_lens_train/${f}`);
  if (!modules.includes('rcnn_lens_train/folder_train.py')) die('training/rcnn_lens_train/folder_train.py is missing');
  return [...modules, 'requirements.txt', 'README.md'];
}

function stageExtension(stage, o, t) {
  const pj = readJson(path.join(root, 'package.json'));
  const distDir = path.join(root, 'dist');
  if (!fs.existsSync(path.join(root, pj.main || 'dist/extension.js'))) {
    die(`${pj.main} not found: run \`npm run build\` first`);
  }
  // dist/**
  for (const f of walk(distDir)) {
    if (!o.sourcemaps && /\.map$/.test(f)) continue;
    if (/\.d\.[cm]?ts$|\.tsbuildinfo$/.test(f)) continue;
    copyFile(path.join(distDir, f), path.join(stage, 'dist', f));
  }
  // media/**
  const mediaDir = path.join(root, 'media');
  if (fs.existsSync(mediaDir)) {
    for (const f of walk(mediaDir)) {
      if (/(^|\/)\.|\.(py|pt|pth|ckpt)$/.test(f)) continue; // no dotfiles, no training artefacts
      copyFile(path.join(mediaDir, f), path.join(stage, 'media', f));
    }
  }
  // The training package that "Train Model on Folder…" runs with the user's Python: its modules,
  // requirements and README; no tests, sweeps, scripts or caches.
  for (const f of shippedTrainingFiles()) copyFile(path.join(root, 'training', f), path.join(stage, 'training', f));
  // top-level docs the marketplace shows
  for (const f of fs.readdirSync(root)) {
    if (/^(README\.md|CHANGELOG\.md|LICEN[CS]E(\.md|\.txt)?)$/i.test(f)) copyFile(path.join(root, f), path.join(stage, f));
  }

  // runtime modules
  const { names: externals, files: scanned } = scanExternals(distDir);
  log(`runtime modules required by ${scanned.map((f) => `dist/${f}`).join(', ')}: ${externals.join(', ') || '(none)'}`);
  const notDeclared = externals.filter((n) => !(pj.dependencies || {})[n]);
  if (notDeclared.length) die(`the bundles require ${notDeclared.join(', ')}, which package.json's dependencies do not list (bundle them or declare them)`);
  const staged = stageNodeModules(stage, externals, t);

  // manifest
  const manifest = { ...pj };
  delete manifest.devDependencies;
  delete manifest.scripts;
  delete manifest.files;
  delete manifest.workspaces;
  delete manifest.allowScripts;
  manifest.dependencies = Object.fromEntries(externals.map((n) => [n, pj.dependencies[n]]));
  fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  // vsce must include the staged node_modules; nothing else is in the stage anyway
  fs.writeFileSync(path.join(stage, '.vscodeignore'), '# staged by scripts/package.mjs: everything here ships\n');
  return { manifest, staged, externals };
}

// Load the staged native modules with this machine's node (host target only).
function checkStage(stage, externals) {
  const model = fs.existsSync(path.join(stage, 'media', 'models'))
    ? fs.readdirSync(path.join(stage, 'media', 'models')).find((f) => f.endsWith('.onnx'))
    : null;
  const code = `
    const path = require('path');
    const out = {};
    (async () => {
      if (${JSON.stringify(externals)}.includes('sharp')) {
        const sharp = require('sharp');
        const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } }).png().toBuffer();
        const { info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
        out.sharp = 'libvips ' + sharp.versions.vips + ', decoded ' + info.width + 'x' + info.height;
      }
      if (${JSON.stringify(externals)}.includes('onnxruntime-node')) {
        const ort = require('onnxruntime-node');
        out.ort = 'onnxruntime-node ' + require('onnxruntime-node/package.json').version;
        ${model ? `const s = await ort.InferenceSession.create(path.join('media', 'models', ${JSON.stringify(model)}));
        out.ort += ', loaded ${model} (inputs ' + s.inputNames.join(',') + '; outputs ' + s.outputNames.join(',') + ')';` : ''}
      }
      for (const m of ${JSON.stringify(externals)}) require.resolve(m);
      console.log(JSON.stringify(out));
    })().catch((e) => { console.error(e && e.stack || e); process.exit(1); });`;
  // NODE_PATH cleared and cwd = stage: modules resolve only from the staged node_modules
  const r = spawnSync(process.execPath, ['-e', code], { cwd: stage, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
  if (r.status !== 0) die(`the staged runtime modules do not load:\n${r.stderr}${r.stdout}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  for (const v of Object.values(out)) log(`check: ${v}`);
}

// Names of the entries of a zip file (reads the central directory; no zip64).
function listZip(file) {
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) die(`${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) die(`${file}: corrupt central directory`);
    const nameLen = buf.readUInt16LE(p + 28), extraLen = buf.readUInt16LE(p + 30), commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

// ---------------------------------------------------------------- main
function main() {
  const o = parseArgs(process.argv.slice(2));
  const targetName = o.target || hostTarget();
  const t = TARGETS[targetName];
  if (!t) die(`unknown target ${targetName}; one of ${Object.keys(TARGETS).join(', ')}`);
  const pj = readJson(path.join(root, 'package.json'));
  const out = path.resolve(o.out || path.join(root, `${pj.name}-${pj.version}-${targetName}.vsix`));

  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'rcnn-lens-package-'));
  try {
    log(`staging ${pj.name}@${pj.version} for ${targetName} in ${stage}`);
    const { staged, externals } = stageExtension(stage, o, t);
    log(`node_modules: ${[...staged.values()].map((p) => `${p.name}@${p.version}`).join(', ')}`);
    if (o.check && targetName === hostTarget()) checkStage(stage, externals);
    else if (o.check) log(`check: skipped (target ${targetName} is not this machine, ${hostTarget()})`);

    const vsce = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
    if (!fs.existsSync(vsce)) die('node_modules/.bin/vsce missing: run npm ci');
    fs.rmSync(out, { force: true });
    const args = ['package', '--target', targetName, '--out', out, '--no-yarn',
      '--allow-missing-repository', '--no-rewrite-relative-links', '--no-update-package-json', '--no-git-tag-version'];
    if (!fs.readdirSync(stage).some((f) => /^LICEN[CS]E/i.test(f))) args.push('--skip-license');
    // vsce collects node_modules through `npm list --production` in the stage
    run(vsce, args, { cwd: stage, env: { ...process.env, npm_config_loglevel: 'error' } });

    const size = fs.statSync(out).size;
    const entries = listZip(out).filter((e) => !e.endsWith('/'));
    const fileCount = entries.filter((e) => e.startsWith('extension/')).length;
    log(`${path.relative(process.cwd(), out) || out}: ${(size / 1024 / 1024).toFixed(1)} MiB, ${fileCount} files (target ${targetName})`);
    // training/ ships its package (rcnn_lens_train/*.py), requirements and README only.
    const shippedTraining = (e) => /^extension\/training\/(rcnn_lens_train\/[a-z0-9_]+\.py|requirements\.txt|README\.md)$/.test(e);
    const bad = entries.filter((e) => !shippedTraining(e) && (/^extension\/(src|test|training|webview|scripts|docs)\/|\.[cm]?ts$|\.py$/.test(e) || (!o.sourcemaps && e.endsWith('.map'))));
    if (bad.length) die(`sources or tests ended up in the vsix: ${bad.slice(0, 10).join(', ')}`);
    const nm = entries.filter((e) => e.startsWith('extension/node_modules/'));
    const nmSize = nm.length;
    // every staged runtime file must be in the vsix (vsce collects node_modules through npm)
    const inVsix = new Set(nm.map((e) => e.slice('extension/'.length)));
    const lost = walk(path.join(stage, 'node_modules')).map((f) => `node_modules/${f}`).filter((f) => !inVsix.has(f));
    if (lost.length) die(`${lost.length} staged runtime file(s) are missing from the vsix, e.g. ${lost.slice(0, 5).join(', ')}`);
    const natives = nm.filter((e) => /\.node$/.test(e)).map((e) => e.replace(/^extension\/node_modules\//, ''));
    log(`  native addons: ${natives.join(', ')}`);
    if (externals.includes('sharp') && !natives.some((n) => /sharp-.*\.node$/.test(n))) die('no sharp binary in the vsix');
    if (externals.includes('onnxruntime-node') && !natives.some((n) => /onnxruntime_binding\.node$/.test(n))) die('no onnxruntime binary in the vsix');
    log(`  ${entries.filter((e) => e.startsWith('extension/dist/')).length} in dist/, ${entries.filter((e) => e.startsWith('extension/media/')).length} in media/, ${entries.filter((e) => e.startsWith('extension/training/')).length} in training/, ${nmSize} in node_modules/`);
    if (!entries.includes('extension/training/rcnn_lens_train/folder_train.py')) die('the training package is missing from the vsix');
  } finally {
    if (o.keepStage) log(`stage kept at ${stage}`);
    else fs.rmSync(stage, { recursive: true, force: true });
  }
}

main();
