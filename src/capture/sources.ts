/**
 * Stream sources the user can choose. Each yields an HTMLVideoElement-backed source (webcam, tab or
 * screen, local file) or a synthetic one (the bundled demo world), and reports when it ends.
 * Errors a user can cause are turned into messages that say what happened and what to do.
 */
import { simulateWorld } from '../world/simulate';
import { worldFrame } from '../world/render';
import type { RgbFrame } from '../memorize/types';
import { fitFrame } from '../memorize/frames';
import type { SourceKind } from '../store/schema';

export interface FrameSource {
  kind: SourceKind;
  title: string;
  /** Stream time in seconds since the source started. */
  now(): number;
  /** The current frame fitted to width x height, or null when no frame is available yet. */
  grab(width: number, height: number): RgbFrame | null;
  onEnded(cb: (reason: string) => void): void;
  stop(): void;
  /**
   * Capture pause and resume, where the source can hold still: a camera or screen track is disabled
   * (the same track carries on when resumed), a video file stops playing. Live sources keep their
   * clock running, so a pause leaves a gap in stream time.
   */
  pause?(): void;
  resume?(): void;
}

export class CaptureError extends Error {
  constructor(message: string, readonly code: 'permission-denied' | 'not-supported' | 'no-device' | 'unreadable' | 'aborted') {
    super(message);
    this.name = 'CaptureError';
  }
}

export function explainMediaError(e: unknown, what: 'camera' | 'screen'): CaptureError {
  const name = (e as { name?: string })?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError')
    return new CaptureError(
      what === 'camera'
        ? 'Camera permission was denied. Allow camera access for this site in the browser settings, then try again. Nothing stored was changed.'
        : 'Screen sharing was cancelled or denied. Choose a tab, window or screen to share to start. Nothing stored was changed.',
      'permission-denied',
    );
  if (name === 'NotFoundError' || name === 'OverconstrainedError')
    return new CaptureError(`No ${what} was found. Connect one, or choose another source.`, 'no-device');
  if (name === 'NotReadableError' || name === 'AbortError')
    return new CaptureError(`The ${what} could not be started (it may be in use by another app).`, 'unreadable');
  return new CaptureError(`Could not start the ${what}: ${e instanceof Error ? e.message : String(e)}`, 'not-supported');
}

/** Draws the current video frame into a canvas of the model's size (letterboxed) and reads RGB. */
class VideoGrabber {
  private canvas: OffscreenCanvas | null = null;
  private ctx: OffscreenCanvasRenderingContext2D | null = null;

  grab(video: HTMLVideoElement, width: number, height: number, t: number): RgbFrame | null {
    if (video.readyState < 2 || !video.videoWidth) return null;
    if (!this.canvas || this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas = new OffscreenCanvas(width, height);
      this.ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    }
    const ctx = this.ctx!;
    ctx.fillStyle = 'rgb(30,34,40)';
    ctx.fillRect(0, 0, width, height);
    const scale = Math.min(width / video.videoWidth, height / video.videoHeight);
    const w = Math.round(video.videoWidth * scale);
    const h = Math.round(video.videoHeight * scale);
    ctx.drawImage(video, Math.floor((width - w) / 2), Math.floor((height - h) / 2), w, h);
    const rgba = ctx.getImageData(0, 0, width, height).data;
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
      rgb[j] = rgba[i];
      rgb[j + 1] = rgba[i + 1];
      rgb[j + 2] = rgba[i + 2];
    }
    return { width, height, data: rgb, t };
  }
}

function mediaSource(kind: SourceKind, title: string, stream: MediaStream | null, video: HTMLVideoElement): FrameSource {
  const started = performance.now();
  const grabber = new VideoGrabber();
  const endedCbs: ((reason: string) => void)[] = [];
  let ended = false;
  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    endedCbs.forEach((cb) => cb(reason));
  };
  stream?.getVideoTracks().forEach((track) =>
    track.addEventListener('ended', () =>
      end(kind === 'screen' ? 'Screen sharing ended.' : 'The camera stopped (it was unplugged or another app took it).'),
    ),
  );
  video.addEventListener('ended', () => end('The video file finished.'));
  video.addEventListener('error', () => end('The video could not be decoded.'));
  const now = () => (stream ? (performance.now() - started) / 1000 : video.currentTime);
  return {
    kind,
    title,
    now,
    grab: (w, h) => grabber.grab(video, w, h, now()),
    onEnded: (cb) => endedCbs.push(cb),
    pause() {
      if (stream) stream.getVideoTracks().forEach((t) => (t.enabled = false));
      else video.pause();
    },
    resume() {
      if (stream) stream.getVideoTracks().forEach((t) => (t.enabled = true));
      else void video.play().catch(() => end('The video could not be resumed.'));
    },
    stop() {
      stream?.getTracks().forEach((t) => t.stop());
      video.pause();
      video.removeAttribute('src');
      video.srcObject = null;
      end('Capture stopped.');
    },
  };
}

async function playInto(video: HTMLVideoElement, stream: MediaStream) {
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play();
}

export async function openWebcam(video: HTMLVideoElement): Promise<FrameSource> {
  if (!navigator.mediaDevices?.getUserMedia) throw new CaptureError('This browser cannot use a camera here (a secure https:// or localhost page is required).', 'not-supported');
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
  } catch (e) {
    throw explainMediaError(e, 'camera');
  }
  await playInto(video, stream);
  return mediaSource('webcam', 'Webcam', stream, video);
}

export async function openScreen(video: HTMLVideoElement): Promise<FrameSource> {
  if (!navigator.mediaDevices?.getDisplayMedia) throw new CaptureError('This browser cannot share a tab or screen here.', 'not-supported');
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch (e) {
    throw explainMediaError(e, 'screen');
  }
  await playInto(video, stream);
  return mediaSource('screen', 'Tab or screen', stream, video);
}

export async function openVideoFile(video: HTMLVideoElement, file: File): Promise<FrameSource> {
  const url = URL.createObjectURL(file);
  video.muted = true;
  video.src = url;
  try {
    await video.play();
  } catch {
    URL.revokeObjectURL(url);
    throw new CaptureError(`"${file.name}" is not a video this browser can play.`, 'unreadable');
  }
  const source = mediaSource('file', file.name, null, video);
  source.onEnded(() => URL.revokeObjectURL(url));
  return source;
}

/** The bundled demo stream: the synthetic world rendered live, no camera or network needed. */
export function openDemo(seed = 7, durationSeconds = 180): FrameSource {
  const world = simulateWorld({ seed, durationSeconds });
  const started = performance.now();
  const endedCbs: ((reason: string) => void)[] = [];
  let stopped = false;
  const now = () => (performance.now() - started) / 1000;
  const timer = setInterval(() => {
    if (now() >= durationSeconds && !stopped) {
      stopped = true;
      clearInterval(timer);
      endedCbs.forEach((cb) => cb('The demo stream finished.'));
    }
  }, 250);
  return {
    kind: 'demo',
    title: `Demo world (seed ${seed})`,
    now,
    grab(width, height) {
      const t = Math.min(now(), durationSeconds);
      return fitFrame(worldFrame(world, t), width, height);
    },
    onEnded: (cb) => endedCbs.push(cb),
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      endedCbs.forEach((cb) => cb('Capture stopped.'));
    },
  };
}
