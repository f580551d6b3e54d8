/** "Compare with…": the command and the compare panels' serializer, as one feature. */
import * as vscode from 'vscode';
import type { ClassifierBackend } from '../panel/classifierBackend';
import type { ExtensionServices } from '../services';
import { compareWith } from './compareCommand';
import { CompareManager } from './compareManager';

export const COMPARE_COMMAND = 'rcnnLens.compareWith';

export function registerCompareFeatures(context: vscode.ExtensionContext, services: ExtensionServices, backend: ClassifierBackend): void {
  const manager = new CompareManager(services, backend, context.workspaceState);
  context.subscriptions.push(
    manager,
    vscode.commands.registerCommand(COMPARE_COMMAND, (arg?: unknown, extra?: unknown) => compareWith(services, manager, arg, extra)),
  );
}
