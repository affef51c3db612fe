/**
 * Seed sets, kept apart so no reported figure comes from a stream anything was trained or tuned on:
 * - training: the fixture model's training streams (TRAIN_SEED_BASE + 0..N);
 * - tuning: streams we may look at while developing prompts, thresholds and the adapter;
 * - evaluation: streams used only for the numbers we report.
 */
export const TRAIN_SEED_BASE = 100_000;
export const TUNING_SEEDS = Array.from({ length: 20 }, (_, i) => 1 + i);
export const EVALUATION_SEEDS = Array.from({ length: 20 }, (_, i) => 7001 + i);
