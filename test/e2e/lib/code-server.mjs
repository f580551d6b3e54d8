// Start/stop code-server (VS Code 1.100.3 server + web workbench) for one test.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function codeServerBin(root) {
  if (process.env.CODE_SERVER_BIN) return process.env.CODE_SERVER_BIN;
  const r = spawnSync('bash', [path.join(root, 'scripts', 'install-code-server.sh'), '--print'], { encoding: 'utf8' });
  return r.stdout.trim();
}

// Environment for code-server: no variables of an enclosing VS Code (its CLI
// would otherwise talk to that window instead of this server).
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VSCODE_|ELECTRON_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// `code-server --install-extension <vsix>`: the only way code-server picks up an
// extension (a folder copied into the extensions dir by hand is ignored).
export function installExtension(bin, vsix, extensionsDir, userDataDir, logFile) {
  fs.mkdirSync(extensionsDir, { recursive: true });
  const r = spawnSync(bin, ['--install-extension', vsix, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--force'], {
    encoding: 'utf8',
    env: cleanEnv(),
    timeout: 180_000,
  });
  fs.writeFileSync(logFile, `${r.stdout}\n${r.stderr}`);
  const out = `${r.stdout}${r.stderr}`;
  if (r.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(`code-server --install-extension ${path.basename(vsix)} failed (exit ${r.status}):\n${out.slice(-2000)}`);
  }
  const installed = fs.readdirSync(extensionsDir).filter((d) => !d.startsWith('.') && d !== 'extensions.json');
  return installed;
}

// workspaceTrust: false (default) = --disable-workspace-trust, every folder trusted;
// true = trust enabled and never prompted for, so the folder opens in Restricted Mode.
// env: extra environment for code-server and so for the extension host and its workers.
export async function startCodeServer({ bin, workspace, userDataDir, extensionsDir, logFile, settings = {}, workspaceTrust = false, env = {} }) {
  const port = await freePort();
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'workbench.colorTheme': 'Default Dark Modern',
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'security.workspace.trust.enabled': workspaceTrust,
        ...(workspaceTrust ? { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' } : {}),
        'extensions.ignoreRecommendations': true,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'chat.commandCenter.enabled': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'window.restoreWindows': 'none',
        ...settings,
      },
      null,
      2,
    ),
  );
  const log = fs.openSync(logFile, 'a');
  const args = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    workspace,
  ];
  // detached: its own process group, so stop() kills the extension host and
  // every other child with it
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', log, log], env: cleanEnv(env) });
  fs.closeSync(log);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const server = {
    port,
    pid: child.pid,
    url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`,
    get exited() {
      return exited;
    },
    async stop() {
      await killGroup(child.pid, () => exited !== null);
    },
  };
  liveServers.add(server);
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited at start (${JSON.stringify(exited)}); see ${logFile}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`code-server did not answer on port ${port} within 90 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return server;
}

async function killGroup(pid, isDead) {
  const send = (sig) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  send('SIGTERM');
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    if (isDead()) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // the group's other members (extension host, workers) may outlive the main process
  send('SIGKILL');
  for (const s of liveServers) if (s.pid === pid) liveServers.delete(s);
}

// Last-resort cleanup if the runner itself is interrupted.
const liveServers = new Set();
function killAllSync() {
  for (const s of liveServers) {
    try {
      process.kill(-s.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  liveServers.clear();
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killAllSync();
    process.exit(130);
  });
}

// Copy the extension host's logs (where an activation error shows) next to the screenshots.
export function collectLogs(userDataDir, destDir) {
  const logs = path.join(userDataDir, 'logs');
  if (!fs.existsSync(logs)) return [];
  const copied = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/(^|[^.])exthost\.log$|remoteagent\.log$|rcnn/i.test(e.name)) {
        const rel = path.relative(logs, p).split(path.sep).slice(1).join('_') || e.name;
        fs.copyFileSync(p, path.join(destDir, `log_${rel}`));
        copied.push(rel);
      }
    }
  };
  walk(logs);
  return copied;
}

export const tmpBase = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rcnn-lens-e2e-'));
