/**
 * Writes one synthetic world stream to disk: events.json (ground truth), stream.y4m (fake-camera
 * video), frames/tSSSS.png (the frames the fixture samples) and manifest.json (the benchmark
 * contract, docs/benchmark-format.md).
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { simulateWorld, stateAt } from '../../src/world/simulate';
import { renderFrame, worldFrame } from '../../src/world/render';
import { y4mFrame, y4mHeader } from '../../src/world/y4m';
import { generateQuestions } from '../../src/world/questions';
import { FRAME_HEIGHT, FRAME_WIDTH, type QuestionType, type VisibleObject } from '../../src/world/types';

export interface WorldStreamOptions {
  seed: number;
  outDir: string;
  minutes?: number;
  fps?: number;
  focus?: QuestionType;
  video?: boolean;
  framesEverySeconds?: number;
  clipSeconds?: number;
  questionsPerMinute?: number;
}

export interface WorldStreamResult {
  manifestPath: string;
  events: number;
  questions: number;
  frames: number;
  videoFrames: number;
}

const key = (objs: VisibleObject[]) => JSON.stringify(objs);

export async function writeWorldStream(opts: WorldStreamOptions): Promise<WorldStreamResult> {
  const minutes = opts.minutes ?? 3;
  const fps = opts.fps ?? 5;
  const every = opts.framesEverySeconds ?? 5;
  const clipSeconds = opts.clipSeconds ?? 10;
  const durationSeconds = Math.round(minutes * 60);
  const dir = resolve(opts.outDir);
  mkdirSync(join(dir, 'frames'), { recursive: true });
  const log = simulateWorld({ seed: opts.seed, durationSeconds });
  writeFileSync(join(dir, 'events.json'), JSON.stringify(log, null, 1));

  let videoFrames = 0;
  if (opts.video !== false) {
    const fd = openSync(join(dir, 'stream.y4m'), 'w');
    try {
      writeSync(fd, y4mHeader(FRAME_WIDTH, FRAME_HEIGHT, fps));
      let lastKey = '';
      let lastFrame: Uint8Array | null = null;
      for (let i = 0; i < durationSeconds * fps; i++) {
        const state = stateAt(log, i / fps);
        // most frames repeat the previous state: encode once, write many times
        const k = key(state);
        if (k !== lastKey || !lastFrame) {
          lastFrame = y4mFrame(renderFrame(state, FRAME_WIDTH, FRAME_HEIGHT), FRAME_WIDTH, FRAME_HEIGHT);
          lastKey = k;
        }
        writeSync(fd, lastFrame);
        videoFrames++;
      }
    } finally {
      closeSync(fd);
    }
  }

  let frames = 0;
  for (let t = 0; t <= durationSeconds; t += every) {
    const rgb = worldFrame(log, t).data;
    await sharp(Buffer.from(rgb), { raw: { width: FRAME_WIDTH, height: FRAME_HEIGHT, channels: 3 } })
      .png({ compressionLevel: 9 })
      .toFile(join(dir, 'frames', `t${String(t).padStart(4, '0')}.png`));
    frames++;
  }

  const questions = generateQuestions(log, { seed: opts.seed, clipSeconds, focus: opts.focus, perMinute: opts.questionsPerMinute });
  const manifest = {
    id: `world-seed-${opts.seed}${opts.focus ? `-focus-${opts.focus}` : ''}`,
    video: { path: 'stream.y4m', fps, durationSeconds },
    clipSeconds,
    questions,
    groundTruth: 'events.json',
    frames: { dir: 'frames', everySeconds: every },
  };
  const manifestPath = join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  return { manifestPath, events: log.events.length, questions: questions.length, frames, videoFrames };
}
