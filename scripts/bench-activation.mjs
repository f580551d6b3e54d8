// What activating RCNN Lens costs: loads dist/extension.js against a stand-in `vscode`
// module and times require + activate(). Activation is lazy (commands and restored
// panels only), so this is paid on first use, not at VS Code startup; it must also not
// load native modules or a model. Usage: node scripts/bench-activation.mjs [--runs N]
import Module from 'node:module';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;
const extensionJs = path.resolve('dist/extension.js');

// A permissive stand-in: every property is a callable that returns something disposable.
function stub(name) {
  const fn = function () {
    return stub(`${name}()`);
  };
  return new Proxy(fn, {
    get(_t, prop) {
      if (prop === 'dispose') return () => {};
      if (prop === Symbol.toPrimitive) return () => name;
      if (prop === 'then') return undefined;
      if (prop === 'isTrusted') return true;
      if (prop === 'workspaceFolders') return undefined;
      return stub(`${name}.${String(prop)}`);
    },
    set() {
      return true;
    },
    construct() {
      return stub(`new ${name}`);
    },
  });
}
// esbuild's ESM interop copies own properties, so the module itself is a plain object.
const vscodeStub = Object.fromEntries(
  ['window', 'workspace', 'commands', 'env', 'languages', 'extensions', 'Uri', 'EventEmitter', 'MarkdownString',
    'StatusBarAlignment', 'ViewColumn', 'ConfigurationTarget', 'TabInputCustom', 'TabInputText', 'ProgressLocation',
    'CancellationTokenSource', 'Disposable', 'RelativePattern', 'FileType', 'ThemeIcon', 'l10n'].map((k) => [k, stub(`vscode.${k}`)]),
);
const originalLoad = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'vscode') return vscodeStub;
  return originalLoad.call(this, request, parent, isMain);
};

const require = createRequire(import.meta.url);
const times = [];
for (let i = 0; i < runs; i++) {
  for (const k of Object.keys(require.cache)) delete require.cache[k];
  const t = performance.now();
  const ext = require(extensionJs);
  const subscriptions = [];
  ext.activate({ subscriptions, extensionPath: path.resolve('.'), extensionUri: stub('uri'), globalState: stub('gs'), workspaceState: stub('ws') });
  times.push(performance.now() - t);
}
const nativeLoaded = Object.keys(require.cache).filter((k) => /onnxruntime|sharp/.test(k));
const first = times[0];
times.sort((a, b) => a - b);
console.log(
  `require + activate(dist/extension.js): first (cold) ${first.toFixed(2)} ms, median of ${runs} ${times[Math.floor(runs / 2)].toFixed(2)} ms, max ${times.at(-1).toFixed(2)} ms`,
);
console.log(`native modules loaded during activation: ${nativeLoaded.length ? nativeLoaded.join(', ') : 'none'}`);
