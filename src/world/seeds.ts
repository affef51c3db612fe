/**
 * Seed sets, kept apart so no reported figure comes from a stream anything was trained or tuned on:
 * - training: the fixture model's training streams (TRAIN_SEED_BASE + 0..N);
 * - tuning: streams we may look at while developing prompts, thresholds and the adapter (1-20, and
 *   1001-1999 for sets of 16 when 8 streams are too few to tell settings apart:
 *   1001-1016 colour, 2026-12-06 night; 1017-1032 shape, 2026-12-07; 1033-1048 position,
 *   2026-12-07 evening);
 * - evaluation: streams used only for the numbers we report. 7101-7999 are kept for measuring a
 *   setting already named on streams no comparison was run on: each set of 16 measures one focus
 *   with settings fixed before it was run (a rerun with the same settings repeats it exactly)
 *   (docs/adapter.md: 7101-7132 the old default, 7133-7164 the new setting beside it, 7165-7180
 *   the new default alone, 7181-7188 and 7189-7204 its position focus, 7205-7220 position with
 *   candidates scored without unsure details beside it, 7221-7236 shape, 7237-7252 label,
 *   7253-7268 count and 7269-7284 order, each focus with the default; with the answering fixture
 *   that copies labels, 7285-7300 label, 7301-7316 order, 7317-7332 position, 7333-7348 colour,
 *   7349-7364 shape, 7365-7380 count, 7381-7396 and 7397-7412 position again, 7413-7428 colour
 *   and 7429-7444 shape again; with at most 15 pairs per clip, 7445-7460 and 7461-7476 colour,
 *   7477-7492 and 7493-7508 shape, 7509-7524 and 7525-7540 position, 7541-7556 colour; then 7557-7572
 *   colour and 7573-7588 shape, the default at x1 and at x1.5 (strength 3), x1.5 named on tuning
 *   sets 1001-1016 and 1017-1032 before they ran, and 7589-7604 shape again; the default with 15
 *   pairs per clip on the types it had not met, named before they ran: 7605-7620 label,
 *   7621-7636 count, 7637-7652 order, and 7653-7668 position again; then 7669-7684 colour again;
 *   then the default at x1 and x1.5 once more, named before they ran: 7685-7700 colour and
 *   7701-7716 position; then 7717-7732 shape, the default at x1 and x1.5 once more; with the
 *   greedy anchors as the default, named on the tuning sets before they ran, side by side with
 *   the setting before it (variant unanchored): 7733-7748 colour and 7749-7764 position; the
 *   anchors off again, the default alone, named before they ran: 7765-7780 colour and 7781-7796
 *   position; the default side by side with pairs whose rewards differ by more than 0.15
 *   (variant margin0.15, better on the position tuning set and worse on the colour one), named
 *   before they ran: 7797-7812 colour and 7813-7828 position; the default side by side with
 *   instructed candidates told the asked details in proportion (variant askedFocus, level with or
 *   above the default on the colour and position tuning sets), named before they ran: 7829-7844
 *   colour and 7845-7860 position); the next unused set starts at 7861.
 */
export const TRAIN_SEED_BASE = 100_000;
export const TUNING_SEEDS = Array.from({ length: 20 }, (_, i) => 1 + i);
export const EVALUATION_SEEDS = Array.from({ length: 20 }, (_, i) => 7001 + i);

/**
 * A seed list as scripts take it on the command line: comma-separated seeds and inclusive ranges,
 * "7001,7003" or "30001-30050" or both mixed. Anything else is refused, so a typo cannot quietly
 * measure on the wrong streams.
 */
export function parseSeedList(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to < from) throw new Error(`seed range "${part}" runs backwards`);
      for (let s = from; s <= to; s++) seeds.push(s);
    } else if (/^\d+$/.test(part)) seeds.push(Number(part));
    else throw new Error(`"${part}" is not a seed or a seed range (expected e.g. 7001,7002 or 30001-30050)`);
  }
  return seeds;
}
