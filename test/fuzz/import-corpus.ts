/**
 * A deterministic corpus of damaged and hostile import files, made from one valid export and a
 * seed: byte flips, truncations, deleted fields, swapped types, huge strings, NaN/Infinity in
 * vectors, duplicated keys, records in the wrong list, and a fixed list of structural cases with
 * the outcome each must have. Used by the Node and Chromium import tests.
 */
import { mulberry32 } from '../../src/util/mulberry32';

export interface FuzzCase {
  name: string;
  kind: string;
  text: string;
  /** Set for the fixed cases: the outcome required (random mutations may go either way). */
  expect?: { ok: true } | { ok: false; message: RegExp };
}

/** A message a user can act on: says what is wrong and that nothing changed, leaks no internals. */
export function isClearMessage(m: string): boolean {
  return /Nothing was imported\.$|nothing was changed\.$/.test(m) && !/undefined|\[object |TypeError|at .*\.ts:/.test(m) && m.length < 600;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

function paths(v: Json, at: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([...at, i]), paths(x, [...at, i], out)));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) out.push([...at, k]), paths(v[k], [...at, k], out);
  return out;
}

function get(root: Json, p: Path): Json {
  return p.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k], root);
}

function setAt(root: Json, p: Path, value: Json | undefined) {
  const parent = get(root, p.slice(0, -1)) as Record<string | number, Json> | Json[];
  const k = p[p.length - 1];
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(k as number, 1);
    else delete (parent as Record<string, Json>)[k as string];
  } else (parent as Record<string | number, Json>)[k] = value;
}

const SWAPS: Json[] = [null, true, false, 0, -1, 1.5, 1e308, -0, 2 ** 53 + 2, '', 'x', '<script>alert(1)</script>', [], {}, [1, 2], { a: 1 }];

/**
 * `count` mutations of any valid JSON text: bit flips, truncations, deleted fields and swapped
 * types, deterministic from `seed`. The import corpus adds export-specific cases to these.
 */
export function mutateJson(valid: string, seed: number, count: { flips: number; cuts: number; deletions: number; swaps: number }): FuzzCase[] {
  const rng = mulberry32(seed);
  const int = (n: number) => Math.floor(rng() * n);
  const pick = <T,>(xs: T[]) => xs[int(xs.length)];
  const base = JSON.parse(valid) as Json;
  const all = paths(base);
  const out: FuzzCase[] = [];
  const add = (kind: string, text: string) => out.push({ name: `${kind}-${out.length}`, kind, text });
  const bytes = new TextEncoder().encode(valid);
  for (let i = 0; i < count.flips; i++) {
    const b = bytes.slice();
    b[int(b.length)] ^= 1 << int(8);
    add('byte-flip', new TextDecoder().decode(b));
  }
  for (let i = 0; i < count.cuts; i++) add('truncate', valid.slice(0, int(valid.length)));
  for (let i = 0; i < count.deletions + count.swaps; i++) {
    const j = JSON.parse(valid) as Json;
    const deleting = i < count.deletions;
    setAt(j, pick(all), deleting ? undefined : pick(SWAPS));
    add(deleting ? 'delete-field' : 'type-swap', JSON.stringify(j));
  }
  return out;
}

export function importCorpus(validExport: string, seed = 8): FuzzCase[] {
  const rng = mulberry32(seed);
  const int = (n: number) => Math.floor(rng() * n);
  const pick = <T,>(xs: T[]) => xs[int(xs.length)];
  const base = JSON.parse(validExport) as { [k: string]: Json };
  const clone = () => JSON.parse(validExport) as { [k: string]: Json };
  const allPaths = paths(base);
  // Most paths are elements of long number lists (embeddings, the adapter); pick those a fifth of
  // the time so the other fields are mutated often too.
  const inNumberList = (p: Path) => typeof p[p.length - 1] === 'number' && typeof get(base, p) === 'number';
  const fieldPaths = allPaths.filter((p) => !inNumberList(p));
  const numberPaths = allPaths.filter(inNumberList);
  const somePath = () => (rng() < 0.2 ? pick(numberPaths) : pick(fieldPaths));
  const out: FuzzCase[] = [];
  const add = (kind: string, text: string, expect?: FuzzCase['expect']) => out.push({ name: `${kind}-${out.filter((c) => c.kind === kind).length}`, kind, text, expect });

  const bytes = new TextEncoder().encode(validExport);
  for (let i = 0; i < 50; i++) {
    const b = bytes.slice();
    for (let f = 0, n = 1 + int(3); f < n; f++) b[int(b.length)] ^= 1 << int(8);
    add('byte-flip', new TextDecoder().decode(b));
  }
  for (let i = 0; i < 30; i++) add('truncate', validExport.slice(0, i === 0 ? 0 : i === 1 ? validExport.length - 1 : int(validExport.length)));
  for (let i = 0; i < 30; i++) {
    const j = clone();
    setAt(j, somePath(), undefined);
    add('delete-field', JSON.stringify(j));
  }
  for (let i = 0; i < 40; i++) {
    const j = clone();
    setAt(j, somePath(), pick(SWAPS));
    add('type-swap', JSON.stringify(j));
  }
  const stringPaths = allPaths.filter((p) => typeof get(base, p) === 'string');
  for (let i = 0; i < 10; i++) {
    const j = clone();
    const huge = i % 2 ? 'A'.repeat(1_000_000 + int(1_000_000)) : Array.from({ length: 20_000 }, (_, k) => String.fromCharCode(k % 32)).join('');
    setAt(j, pick(stringPaths), huge);
    add('huge-string', JSON.stringify(j));
  }
  // Vectors and embeddings are long runs of numbers: put a non-finite literal inside one.
  const numberRuns = [...validExport.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?(?=,-?\d)/gi)];
  for (let i = 0; i < 15; i++) {
    const m = pick(numberRuns);
    add('non-finite', validExport.slice(0, m.index) + pick(['NaN', 'Infinity', '-Infinity', '1e999', '-1e999']) + validExport.slice(m.index! + m[0].length));
  }
  const dupes = ['"version":99', '"format":"other"', '"memories":[]', '"streams":{}', '"version":1'];
  for (let i = 0; i < 10; i++) {
    const d = dupes[i % dupes.length];
    add('duplicate-key', i < 5 ? validExport.replace(/}$/, `,${d}}`) : `{${d},${validExport.slice(1)}`);
  }
  const lists = ['streams', 'memories', 'tasks', 'adapters', 'settings'];
  for (let i = 0; i < 10; i++) {
    const j = clone();
    const from = pick(lists.filter((l) => (j[l] as Json[]).length));
    const to = pick(lists.filter((l) => l !== from));
    (j[to] as Json[]).push((j[from] as Json[])[0]);
    add('wrong-list', JSON.stringify(j));
  }

  // Fixed cases, each with the outcome it must have.
  const refuse = (message: RegExp) => ({ ok: false as const, message });
  const ok = { ok: true as const };
  const edit = (f: (j: { [k: string]: any }) => void) => {
    const j = clone();
    f(j);
    return JSON.stringify(j);
  };
  add('fixed', '', refuse(/empty|not JSON/));
  add('fixed', 'null', refuse(/not a TaskMem export/));
  add('fixed', '[]', refuse(/not a TaskMem export/));
  add('fixed', '{}', refuse(/not a TaskMem export/));
  add('fixed', '\u0000\u0001\u0002', refuse(/not JSON/));
  add('fixed', '[' .repeat(200_000) + ']'.repeat(200_000), refuse(/not a TaskMem export|nested too deeply/));
  add('fixed', validExport + 'garbage', refuse(/not JSON/));
  add('fixed', '\uFEFF' + validExport, ok);
  add('fixed', edit((j) => (j.format = 'something-else')), refuse(/not a TaskMem export/));
  for (const v of [0, -1, 1.5, '1', null]) add('fixed', edit((j) => (j.version = v)), refuse(/no valid version/));
  for (const v of [2, 99, 2 ** 40]) add('fixed', edit((j) => (j.version = v)), refuse(/newer TaskMem/));
  add('fixed', edit((j) => delete j.version), refuse(/no valid version/));
  add('fixed', edit((j) => (j.streams[0].modelId = 'someone/unknown-model')), refuse(/model this version of TaskMem does not know/));
  add('fixed', edit((j) => (j.memories[0].modelId = 'someone/unknown-model')), refuse(/model this version of TaskMem does not know/));
  add('fixed', edit((j) => (j.adapters[0].modelId = 'someone/unknown-model')), refuse(/model this version of TaskMem does not know/));
  add('fixed', edit((j) => (j.adapters[0].vector = j.adapters[0].vector.slice(1))), refuse(/adapters\[0\] does not fit/));
  // A decoder prepared at another layer keeps its adapters under that layer: they export and import.
  add('fixed', edit((j) => (j.adapters[0].layer = 2)), ok);
  for (const v of [-1, 1.5, '1', null]) add('fixed', edit((j) => (j.adapters[0].layer = v)), refuse(/adapters\[0\] has bad model\/layer\/version fields/));
  add('fixed', edit((j) => (j.memories[0].streamId = 'ghost')), refuse(/names a stream that is not in the file/));
  add('fixed', edit((j) => (j.memories[0].text = 'x'.repeat(10_001))), refuse(/memories\[0\]\.text/));
  add('fixed', edit((j) => (j.memories[0].t1 = j.memories[0].t0 - 1)), refuse(/t0\/t1/));
  add('fixed', edit((j) => (j.memories[0].thumbnail = { type: 'text/html', base64: btoa('<script>') })), refuse(/thumbnail is not an image/));
  add('fixed', edit((j) => (j.memories[0].thumbnail = { type: 'image/png', base64: '%%%' })), refuse(/not valid base64/));
  add('fixed', edit((j) => (j.tasks[0].question = 'q'.repeat(10_001))), refuse(/tasks\[0\]/));
  add('fixed', edit((j) => (j.settings[0] = { key: 'x', value: 'v'.repeat(100_001) })), refuse(/settings\[0\]\.value/));
  add('fixed', edit((j) => (j.adapters[0].trainedOn.memoryKeys = [['s1']])), refuse(/trainedOn/));
  add('fixed', edit((j) => (j.memories[0].extra = { nested: 'x'.repeat(1000) })), ok);
  add('fixed', validExport.replace('"streamId"', '"__proto__":{"polluted":1},"streamId"'), ok);
  add('fixed', edit((j) => (j.memories[0].text = 'RTL \u202Eevil\u202C emoji 🦊 lone \ud800 <img src=x onerror=alert(1)>')), ok);
  add('fixed', edit((j) => (j.settings = [{ key: 'adapter.autoEvery', value: 'garbage' }])), ok);
  add('fixed', edit((j) => j.memories.push({ ...j.memories[0] })), ok);
  add('fixed', edit((j) => Object.assign(j, { streams: [], memories: [], tasks: [], adapters: [], settings: [] })), ok);
  return out;
}
