import { describe, expect, it } from 'vitest';
import { defaultTrainingSettings, describeSettings, settingsKey, trainingSettings } from '../../scripts/lib/adapter-settings';
import { collectOptions } from '../../scripts/adapter-train';
import { DEFAULT_COLLECT, DEFAULT_STEER_TRAINING } from '../../src/adapter/phase-two';

describe('adapter training settings', () => {
  it('records the defaults trainAdapter fills in', () => {
    const s = defaultTrainingSettings();
    expect(s.collect.maxPairsPerClip).toBe(DEFAULT_COLLECT.maxPairsPerClip);
    expect(s.collect.instructed).toBe(!!DEFAULT_COLLECT.instructed);
    expect(s.steer.directions).toBe(DEFAULT_STEER_TRAINING.directions);
    expect(s.steer.strength).toBe(DEFAULT_STEER_TRAINING.strength);
    expect(settingsKey(trainingSettings(collectOptions({}, 1), DEFAULT_STEER_TRAINING, { rounds: 1, seed: 1, steerPositions: 'all', layer: 1 }))).toBe(settingsKey(s));
  });

  it('describes the candidates as they were sampled, instructed or not', () => {
    const plain = trainingSettings(collectOptions({ instructed: false }, 1), DEFAULT_STEER_TRAINING, { rounds: 1, seed: 1, steerPositions: 'all', layer: 1 });
    expect(describeSettings(plain)).toContain('plain-prompt candidates');
    expect(describeSettings(plain)).not.toContain('instructed');
  });

  it('names only what differs from a base, and nothing for the base itself', () => {
    const base = defaultTrainingSettings();
    const variant = trainingSettings(collectOptions({ maxPairsPerClip: 3 }, 2), { ...DEFAULT_STEER_TRAINING, steps: 240 }, { rounds: 1, seed: 2, steerPositions: 'all', layer: 1 });
    expect(describeSettings(variant, base)).toBe(`240 steps of ${base.steer.directions} SPSA directions, at most 3 pairs per clip, seed 2`);
    expect(describeSettings(base, base)).toBe('');
  });

  it('reads settings recorded before tail averaging existed as the last iterate', () => {
    const today = defaultTrainingSettings();
    const { tailAverage: _dropped, ...olderSteer } = { ...today.steer, tailAverage: 0 };
    const older = { ...today, steer: olderSteer } as unknown as typeof today;
    expect(settingsKey(older)).toBe(settingsKey({ ...today, steer: { ...today.steer, tailAverage: 0 } }));
    const averaged = { ...today, steer: { ...today.steer, tailAverage: 0.5 } };
    expect(settingsKey(averaged)).not.toBe(settingsKey(older));
    expect(describeSettings(averaged, older)).toBe('the mean of the last 50% of the SPSA iterates');
  });

  it('reads settings recorded before anchors existed as without them', () => {
    const today = defaultTrainingSettings();
    const { anchors: _dropped, ...olderCollect } = { ...today.collect, anchors: false };
    const older = { ...today, collect: olderCollect } as unknown as typeof today;
    expect(settingsKey(older)).toBe(settingsKey({ ...today, collect: { ...today.collect, anchors: false } }));
    const anchored = { ...today, collect: { ...today.collect, anchors: true } };
    expect(settingsKey(anchored)).not.toBe(settingsKey(older));
    expect(describeSettings(anchored, older)).toContain('the greedy plain and told memories');
  });

  it('reads settings recorded before the layer was as the committed fixture\'s layer 1, and tells layers apart', () => {
    const today = defaultTrainingSettings();
    expect(today.layer).toBe(1);
    const { layer: _dropped, ...older } = today;
    expect(settingsKey(older as typeof today)).toBe(settingsKey(today));
    const moved = { ...today, layer: 2 };
    expect(settingsKey(moved)).not.toBe(settingsKey(today));
    expect(describeSettings(moved, today)).toBe('after decoder layer 2');
  });

  it('never writes a pipe, which would split the markdown table row the description stands in', () => {
    expect(describeSettings(defaultTrainingSettings())).not.toContain('|');
  });
});
