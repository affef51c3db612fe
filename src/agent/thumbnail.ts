/** Encodes a frame as a small PNG for the timeline (never given to the answerer). */
import type { RgbFrame } from '../memorize/types';

export async function thumbnailOf(frame: RgbFrame): Promise<Blob> {
  const canvas = new OffscreenCanvas(frame.width, frame.height);
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(frame.width, frame.height);
  for (let i = 0, j = 0; i < frame.data.length; i += 3, j += 4) {
    img.data[j] = frame.data[i];
    img.data[j + 1] = frame.data[i + 1];
    img.data[j + 2] = frame.data[i + 2];
    img.data[j + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}
