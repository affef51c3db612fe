/**
 * Scripted model output with token log-probabilities, for tests: one token per word (with its
 * leading space), and a "?" after a word marks one the model was unsure of (log-probability -2;
 * the others -0.05). The "?" marks are not part of the text.
 */
import type { ScoredText } from '../../src/memorize/vlm';

export function scoredFromMarked(marked: string): ScoredText {
  const tokens: ScoredText['tokens'] = [];
  let end = 0;
  for (const m of marked.matchAll(/ ?[^ ]+/g)) {
    end += m[0].replace(/\?/g, '').length;
    tokens.push({ end, logProb: m[0].includes('?') ? -2 : -0.05 });
  }
  return { text: marked.replace(/\?/g, ''), tokens };
}
