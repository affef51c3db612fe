/**
 * Task-relevance reward for Phase Two: how much of what the user's recent questions need does a
 * candidate memory state? Computed on-device from the task log and the candidate text alone, so it
 * runs in Node and in a Web Worker, and needs no model and no ground truth.
 *
 * Formula, for recent tasks T and a candidate memory m:
 *
 *   w_t(task)   = 0.5 ^ ((now - askedAt) / halfLife)      1 when there is no decay
 *   weight_k    = sum of w_t over tasks of type k  /  sum of w_t over all tasks
 *   count_k(m)  = details of kind k stated in m (see below)
 *   entity(m)   = sum of w_t over tasks whose question names a label that m names  /  sum of w_t
 *   reward(m)   = sum_k weight_k * min(count_k(m), cap_k) / cap_k  +  entityBonus * entity(m)
 *
 * k ranges over the benchmark's question types. Tasks of any other type ('other', a custom
 * generator's type) stay in the denominator: a user whose questions need none of the details we
 * can detect should not see those details rewarded as if they were all that mattered. No tasks
 * gives every candidate reward 0, so no preference is learned from nothing.
 *
 * Detail counts, read as general English rather than the synthetic world's grammar:
 *  - color: colour words; shape: shape words (singular or plural);
 *  - label: labels, i.e. upper-case tokens of 1-4 letters and digits with at least one letter
 *    ("KIWI", "R2"), except the words "A" and "I";
 *  - position: position phrases ("top left" counts once, "center", "bottom"); a verb "left"
 *    counts too, which the memory language never produces (it says "leaves");
 *  - count and order: clauses that state an event (appears, leaves, moves, turns, ...) and name
 *    its object with a label, because counting and ordering answers need each event tied to
 *    which object it was.
 * With `keyed`, colour, shape, position and label details count only when tied to a named object
 * in the same clause (DetailCounts.keyed): questions name the object they ask about.
 * With `askedEvents`, a place counts only as the answer to an event recent place questions name
 * ("Where did KIWI appear?"): once per object and event, and not at all for an object given two
 * places for the same event.
 * The cap keeps one detail-heavy sentence from outscoring a memory that covers several needs.
 */
import { BUILTIN_QUESTION_TYPES } from '../eval/manifest';
import { isName } from '../memorize/confidence';

export type DetailType = (typeof BUILTIN_QUESTION_TYPES)[number];
export const DETAIL_TYPES: readonly DetailType[] = BUILTIN_QUESTION_TYPES;

export interface RecentTask {
  /** Question type id; types outside DETAIL_TYPES count as tasks but reward no detail. */
  type: string;
  question: string;
  /** When it was asked, in the same unit as `halfLife` and `now` (the task log uses epoch ms). */
  askedAt?: number;
}

/** What taskProfile reads: how tasks are aged. */
export interface ProfileOptions {
  /** Half-life of a task's influence, in askedAt's unit. Absent: every task counts fully. */
  halfLife?: number;
  /** Reference time for the decay; default the newest askedAt, so the result depends on the tasks only. */
  now?: number;
}

/** What scoreCandidate reads: how details are turned into reward. */
export interface ScoreOptions {
  /** Saturation point of each detail count; default 3 for every type. */
  caps?: Partial<Record<DetailType, number>>;
  /** Scale of the entity term; default 0.5. */
  entityBonus?: number;
  /**
   * The other candidates sampled for the same clip: a detail counts only when at least `minShare`
   * of them state it too (default 0.5). Nothing on the device knows the truth, but a colour or a
   * label that one sample invents is rarely repeated by the others (SelfCheckGPT's observation);
   * without this, the reward prefers exactly the samples that invent the most details. Off by
   * default: on the fixture it did not change what the adapter achieves (docs/adapter.md).
   */
  consensus?: { others: readonly string[]; minShare?: number };
  /**
   * Count only details tied to a named object (DetailCounts.keyed) for color, shape, position and
   * label. Questions name the object they ask about, so a colour stated without its object's label
   * answers none of them; on the fixture most colour questions fail because the label was never
   * written, not because its colour was left out (docs/adapter.md).
   */
  keyed?: boolean;
  /**
   * Count places only as answers to the events recent place questions ask about: in a clause that
   * names an object and states one of the events ("appear", "move") those questions name, the
   * clause's last place ("moves from left to top" answers "where did it move to?" with "top"). A
   * label given two different places for the same event in one memory counts for neither: one of
   * them is invented, and the answerer cannot tell which (docs/adapter.md, 2026-12-01). Without
   * place questions that name a known event, places count as `keyed` says.
   */
  askedEvents?: boolean;
}

export type RewardOptions = ProfileOptions & ScoreOptions;

export interface DetailCounts {
  color: number;
  shape: number;
  label: number;
  position: number;
  /** Event clauses that name their object with a label (used by both count and order). */
  labeledEvents: number;
  /** Distinct labels named, in order of first mention. */
  labels: string[];
  /**
   * Details tied to a named object: per clause, as many of its colours (shapes, places) as it names
   * labels, since "What color is KIWI?" needs KIWI's colour, not any colour. For the label type, the
   * clauses that give a label with both a colour and a shape ("the label of the red square").
   */
  keyed: { color: number; shape: number; position: number; label: number };
  /** Places stated for named objects' events: event lemma ("appear", "move") -> label -> places given. */
  placed: Map<string, Map<string, Set<string>>>;
}

export interface RewardBreakdown {
  reward: number;
  /** Share of (decayed) recent tasks per type. */
  weights: Record<DetailType, number>;
  /** Detail count per type before capping. */
  counts: Record<DetailType, number>;
  /** weight * min(count, cap) / cap per type. */
  terms: Record<DetailType, number>;
  /** Labels of the candidate that recent questions name. */
  matchedEntities: string[];
  /** entityBonus * share of tasks whose question names one of matchedEntities. */
  entity: number;
}

export const DEFAULT_CAP = 3;
export const DEFAULT_ENTITY_BONUS = 0.5;

const COLOR_WORDS = new Set([
  'red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'white', 'black', 'gray', 'grey',
  'brown', 'violet', 'cyan', 'magenta', 'gold', 'silver', 'teal', 'navy', 'maroon', 'turquoise', 'beige',
]);
const SHAPE_WORDS = new Set([
  'circle', 'square', 'triangle', 'diamond', 'cross', 'ring', 'star', 'rectangle', 'oval', 'ellipse',
  'hexagon', 'pentagon', 'octagon', 'heart', 'arrow', 'cube', 'sphere', 'cylinder', 'cone',
]);
const VERTICAL = new Set(['top', 'bottom', 'upper', 'lower']);
const HORIZONTAL = new Set(['left', 'right']);
// "upper"/"lower" only name a place as part of "upper left" and the like.
const POSITION_WORDS = new Set(['top', 'bottom', 'left', 'right', 'center', 'centre', 'middle']);
// "left" is missing on purpose: as a verb it is indistinguishable from the position.
const EVENT_WORDS = new Set([
  'appear', 'appears', 'appeared', 'enter', 'enters', 'entered', 'arrive', 'arrives', 'arrived',
  'leave', 'leaves', 'exit', 'exits', 'exited', 'disappear', 'disappears', 'disappeared',
  'move', 'moves', 'moved', 'turn', 'turns', 'turned',
]);

// Every EVENT_WORDS entry starts with its lemma less a final "e" ("moved": "mov").
const EVENT_LEMMAS = ['disappear', 'appear', 'enter', 'arrive', 'leave', 'exit', 'move', 'turn'];

/** Lemma of an event word, so "appeared" in a memory matches "appear" in a question. */
function eventLemma(word: string): string | undefined {
  const w = word.toLowerCase();
  if (!EVENT_WORDS.has(w)) return undefined;
  return EVENT_LEMMAS.find((lemma) => w.startsWith(lemma.replace(/e$/, '')));
}

function words(text: string): string[] {
  return text.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
}

/** Labels are the memorizer's names (src/memorize/confidence.ts): upper-case words of 1-4 letters and digits. */
export const isLabel = isName;

function singular(word: string): string {
  if (word.endsWith('sses')) return word.slice(0, -2); // crosses
  if (word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Distinct labels a text names, in order of first mention. */
export function labelsIn(text: string): string[] {
  return [...new Set(words(text).filter(isLabel))];
}

/** Position phrases in order ("top left" is one; "upper"/"lower" read as "top"/"bottom"). */
function positionPhrases(ws: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i].toLowerCase();
    if (VERTICAL.has(w) && i + 1 < ws.length && HORIZONTAL.has(ws[i + 1].toLowerCase())) {
      out.push(`${w === 'upper' ? 'top' : w === 'lower' ? 'bottom' : w} ${ws[i + 1].toLowerCase()}`);
      i++;
    } else if (POSITION_WORDS.has(w)) {
      out.push(w === 'centre' || w === 'middle' ? 'center' : w);
    }
  }
  return out;
}

/** Detail words are compared case-blind, labels exactly. */
function detailKey(word: string): string {
  return isLabel(word) ? word : word.toLowerCase();
}

/** Counts the details a text states; `keep` may rule words out (consensus), and then they state nothing. */
export function countDetails(text: string, keep: (word: string) => boolean = () => true): DetailCounts {
  let color = 0;
  let shape = 0;
  let label = 0;
  let position = 0;
  let labeledEvents = 0;
  const keyed = { color: 0, shape: 0, position: 0, label: 0 };
  const placed: DetailCounts['placed'] = new Map();
  for (const clause of text.split(/[;.!?\n]+/)) {
    const all = words(clause);
    const cw = all.filter(keep);
    let c = 0, s = 0, l = 0;
    for (const w of cw) {
      if (isLabel(w)) {
        l++;
        continue; // a label that spells a word ("RED") names an object, not its colour
      }
      const lower = w.toLowerCase();
      if (COLOR_WORDS.has(lower)) c++;
      else if (SHAPE_WORDS.has(lower) || SHAPE_WORDS.has(singular(lower))) s++;
    }
    const places = positionPhrases(cw);
    const p = places.length;
    const events = new Set(all.map(eventLemma).filter((x) => x !== undefined));
    if (l > 0 && p > 0) {
      for (const lemma of events) {
        const byLabel = placed.get(lemma) ?? new Map<string, Set<string>>();
        placed.set(lemma, byLabel);
        for (const name of cw.filter(isLabel)) {
          const set = byLabel.get(name) ?? new Set<string>();
          set.add(places[places.length - 1]!);
          byLabel.set(name, set);
        }
      }
    }
    color += c;
    shape += s;
    label += l;
    position += p;
    keyed.color += Math.min(l, c);
    keyed.shape += Math.min(l, s);
    keyed.position += Math.min(l, p);
    keyed.label += Math.min(l, c, s);
    if (l > 0 && events.size > 0) labeledEvents++;
  }
  return { color, shape, label, position, labeledEvents, labels: labelsIn(text).filter(keep), keyed, placed };
}

/** Objects given exactly one place for an event the tasks ask about (contradicted ones count for nothing). */
function askedPlaces(c: DetailCounts, events: ReadonlySet<string>): number {
  let n = 0;
  for (const lemma of events) for (const set of c.placed.get(lemma)?.values() ?? []) if (set.size === 1) n++;
  return n;
}

function detailCount(c: DetailCounts, type: DetailType, keyed: boolean, events?: ReadonlySet<string>): number {
  if (type === 'position' && events?.size) return askedPlaces(c, events);
  switch (type) {
    case 'color':
    case 'shape':
    case 'label':
    case 'position': return keyed ? c.keyed[type] : c[type];
    case 'count':
    case 'order': return c.labeledEvents;
  }
}

function taskWeights(tasks: readonly RecentTask[], opts: ProfileOptions): number[] {
  const { halfLife } = opts;
  if (halfLife === undefined) return tasks.map(() => 1);
  if (!(halfLife > 0) || !Number.isFinite(halfLife)) throw new RangeError(`halfLife must be a positive number, got ${halfLife}`);
  const now = opts.now ?? tasks.reduce((m, t) => (t.askedAt === undefined ? m : Math.max(m, t.askedAt)), -Infinity);
  // A task without a time cannot be aged; treat it as just asked rather than drop it.
  return tasks.map((t) => (t.askedAt === undefined ? 1 : 0.5 ** (Math.max(0, now - t.askedAt) / halfLife)));
}

/** Which details recent tasks need; build once per training round and score every candidate with it. */
export interface TaskProfile {
  weights: Record<DetailType, number>;
  /** Tasks whose question names a label: each one's share of the (decayed) total, and those labels. */
  entityTasks: { share: number; labels: Set<string> }[];
  /** Event lemmas ("appear", "move") that recent place questions name. */
  placeEvents: Set<string>;
}

export function taskProfile(tasks: readonly RecentTask[], opts: ProfileOptions = {}): TaskProfile {
  const w = taskWeights(tasks, opts);
  const total = w.reduce((a, b) => a + b, 0);
  const weights = Object.fromEntries(DETAIL_TYPES.map((t) => [t, 0])) as Record<DetailType, number>;
  const entityTasks: TaskProfile['entityTasks'] = [];
  const placeEvents = new Set<string>();
  if (total <= 0) return { weights, entityTasks, placeEvents };
  tasks.forEach((task, i) => {
    const share = w[i] / total;
    if ((DETAIL_TYPES as readonly string[]).includes(task.type)) weights[task.type as DetailType] += share;
    const labels = new Set(labelsIn(task.question));
    if (labels.size > 0) entityTasks.push({ share, labels });
    if (task.type === 'position') for (const word of words(task.question)) { const lemma = eventLemma(word); if (lemma) placeEvents.add(lemma); }
  });
  return { weights, entityTasks, placeEvents };
}

/** Scores one candidate against a profile built by taskProfile. */
export function scoreCandidate(profile: TaskProfile, text: string, opts: ScoreOptions = {}): RewardBreakdown {
  const details = countDetails(text, opts.consensus ? supportedBy(opts.consensus.others, opts.consensus.minShare ?? 0.5) : undefined);
  const counts = {} as Record<DetailType, number>;
  const terms = {} as Record<DetailType, number>;
  let reward = 0;
  for (const type of DETAIL_TYPES) {
    const cap = opts.caps?.[type] ?? DEFAULT_CAP;
    if (!(cap > 0)) throw new RangeError(`cap for ${type} must be positive, got ${cap}`);
    counts[type] = detailCount(details, type, !!opts.keyed, opts.askedEvents ? profile.placeEvents : undefined);
    terms[type] = (profile.weights[type] * Math.min(counts[type], cap)) / cap;
    reward += terms[type];
  }
  const matchedEntities = details.labels.filter((l) => profile.entityTasks.some((t) => t.labels.has(l)));
  // A share per task, not per label: a question naming two of the candidate's labels counts once.
  const covered = profile.entityTasks.reduce((s, t) => s + (matchedEntities.some((l) => t.labels.has(l)) ? t.share : 0), 0);
  const bonus = opts.entityBonus ?? DEFAULT_ENTITY_BONUS;
  if (!(bonus >= 0) || !Number.isFinite(bonus)) throw new RangeError(`entityBonus must be a finite number >= 0, got ${bonus}`);
  const entity = bonus * covered;
  reward += entity;
  return { reward, weights: { ...profile.weights }, counts, terms, matchedEntities, entity };
}

/** Whether at least `minShare` of the other texts contain a word (labels exactly, other words case-blind). */
function supportedBy(others: readonly string[], minShare: number): (word: string) => boolean {
  if (!others.length) return () => true;
  const sets = others.map((t) => new Set(words(t).map(detailKey)));
  return (word) => {
    const key = detailKey(word);
    return sets.filter((s) => s.has(key)).length / sets.length >= minShare;
  };
}

/** One-shot form of taskProfile + scoreCandidate. */
export function taskReward(tasks: readonly RecentTask[], text: string, opts: RewardOptions = {}): RewardBreakdown {
  return scoreCandidate(taskProfile(tasks, opts), text, opts);
}
