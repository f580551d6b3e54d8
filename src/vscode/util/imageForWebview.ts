/**
 * An image file's bytes for a webview, which shows them through a blob: URL (webviews get
 * no resource root on the image's folder, which would expose every file beside it).
 */
import { open } from 'node:fs/promises';

/** Largest image sent as it is; bigger ones are shown as the worker's downscaled preview. */
export const MAX_IMAGE_BYTES_TO_WEBVIEW = 32 * 1024 * 1024;

/** The bytes, read now; undefined when the path is not a regular file or is too big to send. */
export async function readImageForWebview(imagePath: string, mime: string): Promise<{ bytes: Uint8Array; mime: string } | undefined> {
  const file = await open(imagePath, 'r');
  try {
    const st = await file.stat();
    if (!st.isFile() || st.size > MAX_IMAGE_BYTES_TO_WEBVIEW) return undefined;
    return { bytes: new Uint8Array(await file.readFile()), mime };
  } finally {
    await file.close();
  }
}
