/**
 * Writes YUV4MPEG2 (.y4m), the uncompressed format Chromium plays as a fake camera
 * (--use-file-for-fake-video-capture). Frames are produced one at a time so long streams never sit
 * in memory whole.
 */
import { i420Size, rgbToI420 } from '../capture/yuv';

export function y4mHeader(width: number, height: number, fps: number): Uint8Array {
  return new TextEncoder().encode(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg XCOLORRANGE=LIMITED\n`);
}

const FRAME_MARKER = new TextEncoder().encode('FRAME\n');

/** One y4m frame record (marker + I420 planes) for an RGB frame. */
export function y4mFrame(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(FRAME_MARKER.length + i420Size(width, height));
  out.set(FRAME_MARKER, 0);
  out.set(rgbToI420(rgb, width, height), FRAME_MARKER.length);
  return out;
}
