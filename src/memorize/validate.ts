/**
 * TaskMem's "how to remember" rules, enforced on whatever a model writes: a memory is one or two
 * short factual sentences, not empty, not a copy of a recent memory, not a degenerate loop.
 * Repairable problems are repaired; the rest are rejected so garbage never reaches storage.
 */

export interface FormatRules {
  maxSentences: number;
  maxWords: number;
  minWords: number;
}

export const DEFAULT_RULES: FormatRules = { maxSentences: 2, maxWords: 40, minWords: 2 };

export type Verdict =
  | { ok: true; text: string; repairs: string[] }
  | { ok: false; reason: 'empty' | 'repeated' | 'degenerate' | 'malformed'; detail: string };

const SPECIAL_TOKEN = /<\|[^|>]{1,40}\|>/g;
const LEADING_LABEL = /^\s*(?:memory|answer|output)\s*:\s*/i;

export function normalizeForCompare(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

function splitSentences(text: string): string[] {
  return text.match(/[^.!?]+[.!?]?/g)?.map((s) => s.trim()).filter(Boolean) ?? [];
}

/** Drops clauses/sentences that repeat an earlier one verbatim, the usual small-model failure. */
function dropRepeatedClauses(text: string): { text: string; dropped: number } {
  const seen = new Set<string>();
  let dropped = 0;
  const sentences = splitSentences(text).map((s) => {
    const end = /[.!?]$/.test(s) ? s.slice(-1) : '';
    const body = end ? s.slice(0, -1) : s;
    const clauses = body.split(/;\s*/).filter((c) => {
      const key = normalizeForCompare(c);
      if (!key) return false;
      if (seen.has(key)) {
        dropped++;
        return false;
      }
      seen.add(key);
      return true;
    });
    return clauses.length ? clauses.join('; ') + (end || '.') : '';
  });
  return { text: sentences.filter(Boolean).join(' '), dropped };
}

function isDegenerate(text: string): boolean {
  const words = normalizeForCompare(text).split(' ').filter(Boolean);
  if (words.length < 6) return false;
  // the same word filling most of the text, or a short n-gram looping
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  const top = Math.max(...counts.values());
  if (top / words.length > 0.5 && top >= 5) return true;
  for (let n = 1; n <= 4; n++) {
    let repeats = 0;
    for (let i = n; i + n <= words.length; i += n)
      if (words.slice(i, i + n).join(' ') === words.slice(i - n, i).join(' ')) repeats++;
    if (repeats >= 3) return true;
  }
  return false;
}

export function validateMemory(raw: string, recent: string[], rules: FormatRules = DEFAULT_RULES): Verdict {
  const repairs: string[] = [];
  let text = raw.replace(SPECIAL_TOKEN, ' ');
  if (text !== raw) repairs.push('removed special tokens');
  text = text.replace(LEADING_LABEL, '').replace(/^["'\s]+|["'\s]+$/g, '').replace(/\s+/g, ' ').trim();
  if (!text) return { ok: false, reason: 'empty', detail: 'the model wrote nothing' };
  if (!/[\p{L}\p{N}]/u.test(text)) return { ok: false, reason: 'malformed', detail: `no words in "${text.slice(0, 40)}"` };
  if (isDegenerate(text)) return { ok: false, reason: 'degenerate', detail: `looping text "${text.slice(0, 60)}"` };

  const deduped = dropRepeatedClauses(text);
  if (deduped.dropped) repairs.push(`dropped ${deduped.dropped} repeated clause(s)`);
  text = deduped.text;

  let sentences = splitSentences(text);
  if (sentences.length > rules.maxSentences) {
    sentences = sentences.slice(0, rules.maxSentences);
    repairs.push(`kept the first ${rules.maxSentences} sentences`);
  }
  text = sentences.join(' ');
  const words = text.split(' ');
  if (words.length > rules.maxWords) {
    text = words.slice(0, rules.maxWords).join(' ').replace(/[;,]$/, '');
    repairs.push(`cut to ${rules.maxWords} words`);
  }
  if (!/[.!?]$/.test(text)) {
    text = text.replace(/[;,:]+$/, '') + '.';
    repairs.push('closed the last sentence');
  }
  text = text.charAt(0).toUpperCase() + text.slice(1);
  if (text.split(' ').length < rules.minWords) return { ok: false, reason: 'malformed', detail: `too short: "${text}"` };

  const key = normalizeForCompare(text);
  const recentKeys = recent.map(normalizeForCompare);
  // "Nothing changes." legitimately repeats across quiet clips; longer copies are the failure mode.
  if (recentKeys.includes(key) && key.split(' ').length > 3)
    return { ok: false, reason: 'repeated', detail: 'identical to a recent memory' };
  return { ok: true, text, repairs };
}
