/**
 * The output channel every feature logs to, with control characters in messages shown as
 * escapes (core/util/printable.ts): log lines quote file names, class names and model text.
 */
import type * as vscode from 'vscode';
import { printable } from '../../core/util/printable';

type LogMethod = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'appendLine' | 'append';
const METHODS: readonly LogMethod[] = ['trace', 'debug', 'info', 'warn', 'error', 'appendLine', 'append'];

export function printableLog(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  return new Proxy(channel, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !METHODS.includes(prop as LogMethod) || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (message: unknown, ...args: unknown[]) =>
        (value as (...a: unknown[]) => void).call(target, typeof message === 'string' ? printable(message) : message, ...args);
    },
  });
}
