/**
 * Synthetic memories for bench:recall, shaped like the world's memory sentences (one to three
 * clauses of at most 24 words: "A large red circle labeled KIWI appears at top left; BOLT moves to
 * center."), from a seeded generator so every run fills the same memories and asks the same questions.
 */
import { mulberry32 } from '../../src/util/mulberry32';
import type { MemoryRecord } from '../../src/memorize/types';

const COLORS = ['red', 'blue', 'green', 'yellow', 'white', 'pink', 'orange', 'purple', 'black', 'grey'];
const SIZES = ['small', 'large', ''];
const SHAPES = ['circle', 'square', 'triangle', 'ring', 'star', 'diamond', 'hexagon', 'cross'];
const POSITIONS = ['top left', 'top', 'top right', 'left', 'center', 'right', 'bottom left', 'bottom', 'bottom right', 'middle'];
const SYLLABLES = ['ki', 'wi', 'bo', 'lt', 'ze', 'fi', 'mi', 'nt', 'ra', 'do', 'lu', 'pa', 'so', 've', 'gar', 'tor', 'mel', 'qu', 'ix', 'ne'];

/** A stored memory's fields without thumbnail or embedding. */
export type SyntheticMemory = MemoryRecord & { createdAt: number };

export function labels(seed: number, n: number): string[] {
  const rng = mulberry32(seed);
  const out = new Set<string>();
  while (out.size < n) {
    const k = 2 + Math.floor(rng() * 2);
    out.add(Array.from({ length: k }, () => SYLLABLES[Math.floor(rng() * SYLLABLES.length)]).join('').toUpperCase());
  }
  return [...out];
}

export function syntheticMemories(seed: number, from: number, count: number, clipSeconds = 10): SyntheticMemory[] {
  const rng = mulberry32(seed * 1_000_003 + from);
  const pick = <T,>(xs: T[]) => xs[Math.floor(rng() * xs.length)];
  const names = labels(seed, 3000);
  const clause = () => {
    const label = pick(names);
    switch (Math.floor(rng() * 6)) {
      case 0: {
        const size = pick(SIZES);
        return `a ${size ? `${size} ` : ''}${pick(COLORS)} ${pick(SHAPES)} labeled ${label} appears at ${pick(POSITIONS)}`;
      }
      case 1:
        return `${label} moves to ${pick(POSITIONS)}`;
      case 2:
        return `${label}, a ${pick(SIZES) || 'small'} ${pick(COLORS)} ${pick(SHAPES)}, leaves from ${pick(POSITIONS)}`;
      case 3:
        return `${label} turns ${pick(COLORS)}`;
      case 4:
        return `${label} stays at ${pick(POSITIONS)}`;
      default:
        return 'nothing changes';
    }
  };
  const out: SyntheticMemory[] = [];
  for (let i = from; i < from + count; i++) {
    const n = 1 + Math.floor(rng() * 3);
    const text = Array.from({ length: n }, clause).join(rng() < 0.5 ? '; ' : '. ');
    out.push({
      streamId: 'bench', clipIndex: i, t0: i * clipSeconds, t1: (i + 1) * clipSeconds,
      text: `${text[0].toUpperCase()}${text.slice(1)}.`, modelId: 'bench-model', adapterVersion: 0, createdAt: 1_700_000_000_000 + i * clipSeconds * 1000,
    });
  }
  return out;
}

const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

/** Questions of the kinds users ask: about a label, a colour and shape, a position, a time range. */
export function syntheticQuestions(seed: number, count: number, memories: number, clipSeconds = 10): { plain: string[]; ranged: string[]; ranges: [number, number][] } {
  const rng = mulberry32(seed + 99);
  const pick = <T,>(xs: T[]) => xs[Math.floor(rng() * xs.length)];
  const names = labels(seed, 3000);
  const plain = Array.from({ length: count }, (_, i) =>
    [
      () => `What color is ${pick(names)}?`,
      () => `Where did ${pick(names)} move to?`,
      () => `Which object was the ${pick(COLORS)} ${pick(SHAPES)}?`,
      () => `What shape is ${pick(names)}?`,
    ][i % 4](),
  );
  const ranges: [number, number][] = [];
  const ranged = Array.from({ length: count }, () => {
    const start = Math.floor(rng() * Math.max(1, memories - 8)) * clipSeconds;
    const end = start + (2 + Math.floor(rng() * 6)) * clipSeconds;
    ranges.push([start, end]);
    return `How many ${pick(COLORS)} objects appeared between ${clock(start)} and ${clock(end)}?`;
  });
  return { plain, ranged, ranges };
}
