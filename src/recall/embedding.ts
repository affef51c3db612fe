/**
 * Text embeddings for vector recall, computed on the device without a model: feature hashing of
 * words, word pairs and character trigrams into EMBED_DIM signed buckets, sublinear term weights,
 * L2-normalized (the "hashing trick", Weinberger et al. 2009). No text-embedding model ships with
 * the app, so these vectors carry no learned meaning: they find memories that share words, word
 * order and spelling fragments with the question ("colour"/"color", "KIWIs"/"KIWI", a typo), which
 * is what the lexical index misses. docs/recall.md says what they can and cannot do.
 */
import { fnv1a } from '../util/fnv1a';

/** Dimensions of a stored embedding (StoredMemory.embedding): 1 KiB as Float32. */
export const EMBED_DIM = 256;
/** Bumped when the features or the hash change, so vectors from another version are recomputed. */
export const EMBED_VERSION = 1;

const WORD_WEIGHT = 1;
const PAIR_WEIGHT = 0.5;
const TRIGRAM_WEIGHT = 0.5;

export function tokens(text: string): string[] {
  return text.toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The weighted features of a text (before hashing); exported for tests and docs. */
export function features(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (f: string, w: number) => out.set(f, (out.get(f) ?? 0) + w);
  const words = tokens(text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    add(`w:${w}`, WORD_WEIGHT);
    if (i > 0) add(`p:${words[i - 1]} ${w}`, PAIR_WEIGHT);
    const padded = `^${w}$`;
    for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`, TRIGRAM_WEIGHT);
  }
  return out;
}

/** A unit-length vector (all zeros for a text without letters or digits). */
export function embedText(text: string): Float32Array {
  const v = new Float32Array(EMBED_DIM);
  for (const [f, count] of features(text)) {
    const h = fnv1a(f);
    // Sublinear weight: a word said five times is not five times as telling.
    const w = (1 + Math.log(count / weightOf(f))) * weightOf(f);
    v[h % EMBED_DIM] += (h & 0x80000000) ? -w : w;
  }
  let n = 0;
  for (let i = 0; i < EMBED_DIM; i++) n += v[i] * v[i];
  if (n > 0) {
    const s = 1 / Math.sqrt(n);
    for (let i = 0; i < EMBED_DIM; i++) v[i] *= s;
  }
  return v;
}

function weightOf(feature: string): number {
  return feature[0] === 'w' ? WORD_WEIGHT : feature[0] === 'p' ? PAIR_WEIGHT : TRIGRAM_WEIGHT;
}

/** True when a stored embedding can be used as it is (right size, finite numbers). */
export function isUsableEmbedding(e: unknown): e is Float32Array {
  if (!(e instanceof Float32Array) || e.length !== EMBED_DIM) return false;
  for (let i = 0; i < e.length; i++) if (!Number.isFinite(e[i])) return false;
  return true;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
