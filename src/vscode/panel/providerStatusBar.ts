/** Shows which execution provider runs the model, once a model has been loaded. */
import * as vscode from 'vscode';
import type { ModelDescriptor } from '../../core/runtime/modelSession';
import { Disposable } from '../util/disposable';
import { providerStatus } from './providerStatus';

export class ProviderStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('rcnnLens.provider', vscode.StatusBarAlignment.Right, 90));

  constructor() {
    super();
    this.item.name = 'RCNN Lens Execution Provider';
    this.item.command = 'rcnnLens.showOutput';
  }

  /** `requested`: the executionProvider setting the model was loaded with. */
  show(model: ModelDescriptor, requested: string): void {
    const status = providerStatus(model.provider, requested, model.attempts);
    this.item.text = status.text;
    const tip = new vscode.MarkdownString();
    tip.appendMarkdown(`**RCNN Lens** — model \`${model.info.name}\` runs on **${model.provider}**\n\n`);
    if (status.warning) tip.appendMarkdown(`${status.warning} See the RCNN Lens log for the reasons.\n\n`);
    if (status.note) tip.appendMarkdown(`${status.note}\n\n`);
    if (model.providerNote) tip.appendMarkdown(`${model.providerNote}\n\n`);
    tip.appendMarkdown(`Loaded in ${model.loadMs.toFixed(0)} ms from \`${model.path}\``);
    this.item.tooltip = tip;
    this.item.show();
  }
}
