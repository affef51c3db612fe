/**
 * The world's dynamics. Rules keep every event visible to a model that samples a frame every 5 s
 * (at t = 0, 5, 10, ...): events happen only 1-4 s into a 5-second slot, an object changes at most
 * once per slot and at least 6 s apart, and lives at least 15 s.
 */
import { Rng } from './rng';
import {
  COLORS, POSITIONS, SHAPES, SIZES,
  type Color, type EventLog, type Position, type VisibleObject, type WorldEvent, type WorldObject,
} from './types';

/** Short, visually distinct labels; a stream never repeats one. */
export const LABELS = [
  'KIWI', 'BOLT', 'MOSS', 'ZED', 'FIG', 'JAM', 'OAK', 'RUBY', 'NOVA', 'PIKE', 'DUNE', 'HAWK',
  'LYNX', 'MINT', 'ORCA', 'QUIZ', 'VOLT', 'WREN', 'YAK', 'AXE', 'BEAN', 'COVE', 'DART', 'ECHO',
  'FERN', 'GLOW', 'HUSK', 'IRIS', 'JADE', 'KELP', 'LOOM', 'MAZE', 'NEST', 'OPAL', 'PLUM', 'REEF',
  'SAGE', 'TUSK', 'URN', 'VINE', 'WISP', 'XRAY', 'YETI', 'ZINC', 'K9', 'R2', 'B7', 'T42',
];

export const SLOT_SECONDS = 5;
export const MAX_VISIBLE = 4;
export const MIN_EVENT_GAP = 6;
export const MIN_LIFETIME = 15;

export interface SimulateOptions {
  seed: number;
  durationSeconds: number;
}

interface Live {
  obj: WorldObject;
  position: Position;
  color: Color;
  appearedAt: number;
  lastEventAt: number;
}

type Kind = WorldEvent['type'];

const WEIGHTS: Record<'few' | 'some' | 'full', Record<Kind, number>> = {
  few: { appear: 0.7, move: 0.15, recolor: 0.1, leave: 0.05 },
  some: { appear: 0.35, move: 0.25, recolor: 0.15, leave: 0.25 },
  full: { appear: 0, move: 0.3, recolor: 0.2, leave: 0.5 },
};

/** Labels for long streams, after the word list runs out: letter + two digits. */
export const EXTRA_LABELS: readonly string[] = (() => {
  const extra: string[] = [];
  for (const a of 'ABCDEFGHJKLMNPRSTUVWXYZ') for (let n = 10; n < 100; n += 7) extra.push(`${a}${n}`);
  return extra;
})();

function labelPool(rng: Rng): string[] {
  return [...rng.shuffle(LABELS), ...rng.shuffle(EXTRA_LABELS)];
}

export function simulateWorld({ seed, durationSeconds }: SimulateOptions): EventLog {
  if (!(durationSeconds > 0)) throw new Error('durationSeconds must be positive');
  const rng = new Rng(seed);
  const labels = labelPool(rng);
  const objects: WorldObject[] = [];
  const events: WorldEvent[] = [];
  const live = new Map<string, Live>();

  const freeCells = () => POSITIONS.filter((p) => ![...live.values()].some((l) => l.position === p));
  const idle = (t: number) => [...live.values()].filter((l) => t - l.lastEventAt >= MIN_EVENT_GAP);

  for (let start = 0; start + 1 < durationSeconds; start += SLOT_SECONDS) {
    const roll = rng.next();
    const count = roll < 0.25 ? 0 : roll < 0.75 ? 1 : 2;
    const times = new Set<number>();
    while (times.size < count) times.add(Math.round((start + 1 + rng.next() * 3) * 10) / 10);
    for (const t of [...times].sort((a, b) => a - b)) {
      if (t >= durationSeconds) continue;
      const n = live.size;
      const weights = WEIGHTS[n <= 1 ? 'few' : n < MAX_VISIBLE ? 'some' : 'full'];
      const free = freeCells();
      const movable = idle(t);
      const allowed: Record<Kind, boolean> = {
        appear: n < MAX_VISIBLE && free.length > 0 && objects.length < labels.length,
        move: movable.length > 0 && free.length > 0,
        recolor: movable.length > 0,
        leave: movable.some((l) => t - l.appearedAt >= MIN_LIFETIME),
      };
      const kinds = (Object.keys(weights) as Kind[]).filter((k) => allowed[k] && weights[k] > 0);
      if (!kinds.length) continue;
      let r = rng.next() * kinds.reduce((s, k) => s + weights[k], 0);
      const kind = kinds.find((k) => (r -= weights[k]) < 0) ?? kinds[kinds.length - 1];
      switch (kind) {
        case 'appear': {
          const obj: WorldObject = { label: labels[objects.length], shape: rng.pick(SHAPES), size: rng.pick(SIZES), color: rng.pick(COLORS) };
          const position = rng.pick(free);
          objects.push(obj);
          live.set(obj.label, { obj, position, color: obj.color, appearedAt: t, lastEventAt: t });
          events.push({ t, type: 'appear', label: obj.label, position });
          break;
        }
        case 'move': {
          const l = rng.pick(movable);
          const to = rng.pick(free);
          events.push({ t, type: 'move', label: l.obj.label, from: l.position, to });
          l.position = to;
          l.lastEventAt = t;
          break;
        }
        case 'recolor': {
          const l = rng.pick(movable);
          const to = rng.pick(COLORS.filter((c) => c !== l.color));
          events.push({ t, type: 'recolor', label: l.obj.label, from: l.color, to });
          l.color = to;
          l.lastEventAt = t;
          break;
        }
        case 'leave': {
          const l = rng.pick(movable.filter((x) => t - x.appearedAt >= MIN_LIFETIME));
          events.push({ t, type: 'leave', label: l.obj.label, position: l.position });
          live.delete(l.obj.label);
          break;
        }
      }
    }
  }
  return { format: 'taskmem-world-events', version: 1, seed, width: 192, height: 128, durationSeconds, objects, events };
}

/** Objects on screen at time t: every event at or before t applied, in order. */
export function stateAt(log: EventLog, t: number): VisibleObject[] {
  const byLabel = new Map(log.objects.map((o) => [o.label, o]));
  const visible = new Map<string, VisibleObject>();
  for (const e of log.events) {
    if (e.t > t) break;
    const current = visible.get(e.label);
    switch (e.type) {
      case 'appear':
        visible.set(e.label, { ...byLabel.get(e.label)!, position: e.position });
        break;
      case 'move':
        if (current) current.position = e.to;
        break;
      case 'recolor':
        if (current) current.color = e.to;
        break;
      case 'leave':
        visible.delete(e.label);
        break;
    }
  }
  return [...visible.values()];
}
