/**
 * Puts a generated block into a document such as docs/results.md: the text between `start` and
 * `end` markers belongs to the program that writes it and is replaced whole, never typed by hand.
 * A block the document lacks goes after the last marker matching `after` (so blocks of one kind
 * stay together), else at the end under `heading`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface GeneratedBlock {
  start: string;
  end: string;
  /** The whole block, markers included. */
  text: string;
  /** Where a new block goes: after the last match (global regex) of this. */
  after?: RegExp;
  /** Section text put before a block appended at the end of the document. */
  heading?: string;
}

/**
 * Places `block` in the document at `path` and writes it back; a missing document starts as
 * `whenMissing`.
 */
export function writeGeneratedBlock(path: string, block: GeneratedBlock, whenMissing = ''): void {
  writeFileSync(path, placeGeneratedBlock(existsSync(path) ? readFileSync(path, 'utf8') : whenMissing, block));
}

export function placeGeneratedBlock(document: string, block: GeneratedBlock): string {
  const at = document.indexOf(block.start);
  if (at >= 0) {
    const endAt = document.indexOf(block.end, at);
    if (endAt < 0) throw new Error(`the document has "${block.start}" but no "${block.end}" after it`);
    return document.slice(0, at) + block.text + document.slice(endAt + block.end.length);
  }
  const last = block.after ? [...document.matchAll(block.after)].pop() : undefined;
  if (last) {
    const cut = last.index! + last[0].length;
    return `${document.slice(0, cut)}\n\n${block.text}${document.slice(cut)}`;
  }
  return `${document.trimEnd()}${document.trim() ? '\n\n' : ''}${block.heading ? `${block.heading}\n\n` : ''}${block.text}\n`;
}
