/**
 * The extension's side of classification: owns the InferenceService (worker process),
 * keeps it pointed at the current model, reports model loads to the status bar and log,
 * and turns failures into notifications with the right follow-up actions.
 */
import * as vscode from 'vscode';
import type { ClassifyDetail } from '../../core/classify';
import type { ModelDescriptor } from '../../core/runtime/modelSession';
import type { ExplainedImage } from '../../core/explain/explainFile';
import { InferenceService, type ClassifyRequestOptions, type ExplainRequestOptions } from '../../core/worker/inferenceService';
import type { UserFacingError } from '../errors';
import type { ExtensionServices } from '../services';
import { maxPixelsSetting } from '../settings';
import { Disposable } from '../util/disposable';
import { ProviderStatusBar } from './providerStatusBar';

/** Long side of previews for formats the webview cannot decode: enough for a panel, cheap to send. */
const PREVIEW_MAX_SIDE = 1280;

export interface BackendResult {
  detail: ClassifyDetail;
  model: ModelDescriptor;
  /** Set when this classification had to load the model first. */
  modelLoadMs?: number;
}

export class ClassifierBackend extends Disposable {
  private readonly service: InferenceService;
  private readonly statusBar: ProviderStatusBar;
  private lastModel: ModelDescriptor | undefined;

  constructor(private readonly services: ExtensionServices) {
    super();
    this.service = new InferenceService(services.workerScript, { log: (line) => services.output.info(line) });
    this._register({ dispose: () => this.service.dispose() });
    this.statusBar = this._register(new ProviderStatusBar());
  }

  /** Points the service at the current settings; the model loads on the next request. */
  refreshModelChoice(): void {
    this.service.setModel(this.services.currentModel());
  }

  /** Loads (if needed) and returns the current model, e.g. to validate a newly chosen file. */
  async loadModel(): Promise<ModelDescriptor> {
    this.refreshModelChoice();
    const model = await this.service.ensureModel();
    this.noteModel(model);
    return model;
  }

  async classify(imagePath: string, options: Omit<ClassifyRequestOptions, 'maxPixels'>): Promise<BackendResult> {
    this.refreshModelChoice();
    // Load first, on its own, so the model is recorded even if this image then fails, and
    // so the time spent loading (worker start included) is measured here, on the host.
    const loadStarted = performance.now();
    const loaded = await this.service.ensureModel();
    const loadedNow = this.noteModel(loaded);
    const modelLoadMs = loadedNow ? performance.now() - loadStarted : undefined;
    const { detail, model } = await this.service.classify(imagePath, { ...options, maxPixels: maxPixelsSetting() });
    if (model !== loaded) this.noteModel(model);
    return { detail, model, modelLoadMs };
  }

  /** Explanations of an image, computed in the worker; `job` (from newExplainJob) cancels it. */
  async explain(imagePath: string, options: Omit<ExplainRequestOptions, 'maxPixels'>, job: number): Promise<ExplainedImage> {
    this.refreshModelChoice();
    const { image, model } = await this.service.explain(imagePath, { ...options, maxPixels: maxPixelsSetting() }, job);
    this.noteModel(model);
    return image;
  }

  newExplainJob(): number {
    return this.service.newExplainJob();
  }

  cancelExplain(job: number): Promise<void> {
    return this.service.cancelExplain(job);
  }

  /** Records a model that came back from the worker; true when it is a fresh load. */
  private noteModel(model: ModelDescriptor): boolean {
    if (model === this.lastModel) return false;
    this.lastModel = model;
    const out = this.services.output;
    out.info(
      `loaded model ${model.info.name} (${model.hash}) from ${model.path} on ${model.provider} in ${model.loadMs.toFixed(0)} ms`,
    );
    for (const a of model.attempts) out.warn(`execution provider ${a.provider} failed, falling back: ${a.error}`);
    if (model.providerNote) out.info(`execution provider ${model.provider}: ${model.providerNote}`);
    this.statusBar.show(model, this.services.currentModel().provider);
    return true;
  }

  /** A data: URL with a PNG rendering of the image, for formats the webview cannot show. */
  async previewDataUrl(imagePath: string): Promise<string> {
    const { png } = await this.service.preview(imagePath, PREVIEW_MAX_SIDE, maxPixelsSetting());
    return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
  }

  reportError(error: UserFacingError): void {
    const actions = error.isModelProblem ? ['Select Model…', 'Use Bundled Model', 'Show Log'] : ['Show Log'];
    void vscode.window.showErrorMessage(`RCNN Lens: ${error.message}`, ...actions).then((choice) => {
      if (choice === 'Select Model…') void vscode.commands.executeCommand('rcnnLens.selectModel');
      else if (choice === 'Use Bundled Model') void vscode.commands.executeCommand('rcnnLens.useBundledModel');
      else if (choice === 'Show Log') this.services.output.show(true);
    });
  }
}
