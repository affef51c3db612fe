/**
 * Hand-built event logs for the world's unit tests, so language, facts, describer and questions can
 * be tested without the simulator.
 */
import { seededRandom } from '../../src/world/describe';
import { COLORS, POSITIONS, SHAPES, SIZES, type Color, type EventLog, type Position, type WorldEvent, type WorldObject } from '../../src/world/types';

export function makeLog(objects: WorldObject[], events: WorldEvent[], durationSeconds = 60): EventLog {
  return { format: 'taskmem-world-events', version: 1, seed: 0, width: 192, height: 128, durationSeconds, objects, events };
}

/**
 * Clips of 10 s: (0,10] KIWI and BOLT appear; (10,20] KIWI moves, BOLT turns yellow;
 * (20,30] KIWI leaves; (30,40] MINT appears; (40,50] BOLT leaves; (50,60] nothing. FIG is there from t=0.
 */
export function handLog(): EventLog {
  return makeLog(
    [
      { label: 'KIWI', shape: 'circle', size: 'large', color: 'red' },
      { label: 'BOLT', shape: 'square', size: 'small', color: 'blue' },
      { label: 'MINT', shape: 'triangle', size: 'small', color: 'green' },
      { label: 'FIG', shape: 'square', size: 'large', color: 'red' },
    ],
    [
      { t: 0, type: 'appear', label: 'FIG', position: 'center' },
      { t: 3, type: 'appear', label: 'KIWI', position: 'top left' },
      { t: 6, type: 'appear', label: 'BOLT', position: 'bottom right' },
      { t: 14, type: 'move', label: 'KIWI', from: 'top left', to: 'top' },
      { t: 16, type: 'recolor', label: 'BOLT', from: 'blue', to: 'yellow' },
      { t: 25, type: 'leave', label: 'KIWI', position: 'top' },
      { t: 33, type: 'appear', label: 'MINT', position: 'left' },
      { t: 47, type: 'leave', label: 'BOLT', position: 'bottom right' },
    ],
  );
}

const NAMES = ['KIWI', 'BOLT', 'MINT', 'FIG', 'ACE', 'ZED', 'OAK', 'RUBY', 'JET', 'SKY', 'ORB', 'PIP'];

/**
 * A random but valid world: objects appear on free cells, move to free cells, change colour and
 * leave; some may come back. Colour/shape pairs repeat on purpose so ambiguity gets exercised.
 */
export function randomLog(seed: number, durationSeconds = 120, opts: { minGap?: number; maxGap?: number; reappear?: boolean } = {}): EventLog {
  const rng = seededRandom(seed);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rng.next() * xs.length)]!;
  const objects: WorldObject[] = [];
  const color = new Map<string, Color>();
  // New objects keep arriving (a long stream never runs out), with a few labels reused when allowed.
  const newObject = () => {
    const i = objects.length;
    const label = i < NAMES.length ? NAMES[i]! : `${String.fromCharCode(65 + (i % 26))}${Math.floor(i / 26)}`;
    const o: WorldObject = { label, shape: pick(SHAPES.slice(0, 3)), size: pick(SIZES), color: pick(COLORS.slice(0, 3)) };
    objects.push(o);
    color.set(label, o.color);
    return o;
  };
  for (let i = 0; i < 4; i++) newObject();
  const at = new Map<string, Position>();
  const gone = new Set<string>();
  const events: WorldEvent[] = [];
  const free = () => POSITIONS.filter((p) => ![...at.values()].includes(p));
  const appear = (t: number) => {
    if (!free().length) return;
    const candidates = objects.filter((o) => !at.has(o.label) && (opts.reappear || !gone.has(o.label)));
    const o = candidates.length && rng.next() < 0.7 ? pick(candidates) : newObject();
    const position = pick(free());
    at.set(o.label, position);
    events.push({ t, type: 'appear', label: o.label, position });
  };
  if (rng.next() < 0.5) appear(0);
  let t = 0;
  for (;;) {
    t = Math.round((t + (opts.minGap ?? 0.5) + rng.next() * (opts.maxGap ?? 6)) * 10) / 10;
    if (t > durationSeconds) break;
    const visible = [...at.keys()];
    const r = rng.next();
    if (r < 0.35 || !visible.length) appear(t);
    else if (r < 0.55) {
      const label = pick(visible);
      events.push({ t, type: 'leave', label, position: at.get(label)! });
      at.delete(label);
      gone.add(label);
    } else if (r < 0.8) {
      const label = pick(visible);
      const to = free();
      if (!to.length) continue;
      const dest = pick(to);
      events.push({ t, type: 'move', label, from: at.get(label)!, to: dest });
      at.set(label, dest);
    } else {
      const label = pick(visible);
      const from = color.get(label)!;
      const to = pick(COLORS.filter((c) => c !== from));
      events.push({ t, type: 'recolor', label, from, to });
      color.set(label, to);
    }
  }
  return makeLog(objects, events, durationSeconds);
}
