/**
 * Classifies one side of a comparison into the webview's CompareSideView: the result the
 * classify panel would get (same conversion, same per-step outputs) or the reason there is
 * none. A failure on one side never hides the other side.
 */
import * as path from 'node:path';
import type { CompareSideHeader, CompareSideView, CompareSource } from '../../shared/compareProtocol';
import { describeError } from '../errors';
import { imageMimeType, toResultView } from '../panel/resultView';
import { readImageForWebview } from '../util/imageForWebview';
import type { SideClassification } from './otherModel';

/** Whatever classifies a side: the shared backend (current model) or an OtherModel. */
export interface SideClassifier {
  classify(imagePath: string, topK: number): Promise<SideClassification>;
  previewDataUrl(imagePath: string): Promise<string>;
}

export function modelLabel(source: CompareSource): string {
  return source.modelPath ? path.basename(source.modelPath) : 'current model';
}

export function sideHeader(source: CompareSource): CompareSideHeader {
  return { source, fileName: path.basename(source.imagePath), modelLabel: modelLabel(source) };
}

export async function classifySide(
  source: CompareSource,
  classifier: SideClassifier,
  topK: number,
  warn: (line: string) => void,
): Promise<CompareSideView> {
  const base = sideHeader(source);
  const started = performance.now();
  try {
    const { detail, model, modelLoadMs } = await classifier.classify(source.imagePath, topK);
    const result = toResultView(detail, model, undefined, 0, modelLoadMs);
    const mime = imageMimeType(detail.geometry.format);
    result.image = mime ? await readImageForWebview(source.imagePath, mime).catch((err: unknown) => {
      warn(`cannot read ${source.imagePath} for the compare panel: ${messageOf(err)}`);
      return undefined;
    }) : undefined;
    if (!result.image) {
      result.imageSrc = await classifier.previewDataUrl(source.imagePath).catch((err: unknown) => {
        warn(`no preview for ${source.imagePath}: ${messageOf(err)}`);
        return undefined;
      });
    }
    result.timing.totalMs = performance.now() - started - (modelLoadMs ?? 0);
    return { ...base, result };
  } catch (err) {
    const described = describeError(err, source.imagePath);
    warn(`compare: ${described.message}${described.detail ? `\n${described.detail}` : ''}`);
    return { ...base, error: { message: described.message, detail: described.detail } };
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
