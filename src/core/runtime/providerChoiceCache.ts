/**
 * Remembers which provider `auto` measured fastest, so only the first load of a model on a machine
 * pays for the measurement. One small JSON file in the user's cache folder (never in a workspace);
 * a file that does not parse is treated as empty and rewritten.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isProviderSetting, type ProviderName } from './providers';

export interface CachedChoice {
  provider: ProviderName;
  reason: string;
  measuredAt: string;
}

const MAX_ENTRIES = 200;

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RCNN_LENS_CACHE_DIR) return env.RCNN_LENS_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rcnn-lens');
}

export class ProviderChoiceCache {
  private readonly file: string;

  constructor(dir = defaultCacheDir()) {
    this.file = join(dir, 'provider-choice.json');
  }

  get(key: string): CachedChoice | undefined {
    const entry = this.readAll()[key];
    if (!entry || typeof entry !== 'object') return undefined;
    const { provider, reason, measuredAt } = entry as Record<string, unknown>;
    if (!isProviderSetting(provider) || provider === 'auto' || typeof reason !== 'string') return undefined;
    return { provider, reason: reason.slice(0, 500), measuredAt: String(measuredAt ?? '') };
  }

  set(key: string, choice: CachedChoice): void {
    try {
      const all = this.readAll();
      delete all[key];
      all[key] = choice;
      const keys = Object.keys(all);
      for (const old of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) delete all[old];
      mkdirSync(join(this.file, '..'), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(all, null, 1));
      renameSync(tmp, this.file);
    } catch {
      // a read-only home: measure again next time
    }
  }

  private readAll(): Record<string, unknown> {
    try {
      const text = readFileSync(this.file, 'utf8');
      if (text.length > 1_000_000) return {};
      const parsed: unknown = JSON.parse(text);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
}
