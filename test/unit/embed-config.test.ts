/** The widget's attributes as the embed page applies them: checked, defaults for removed ones. */
import { describe, expect, it } from 'vitest';
import { resolveConfig, type AgentSettings } from '../../src/embed/apply-config';
import { FIXTURE_MODEL_ID } from '../../src/memorize/registry';

const defaults: AgentSettings = { model: FIXTURE_MODEL_ID, sources: 'webcam,screen,file,demo', clipSeconds: 10, device: 'auto', dtype: '', demoSeed: 7, dbName: 'taskmem' };

describe('embed page config', () => {
  it('applies valid attributes and keeps defaults for absent ones', () => {
    const { settings, refused } = resolveConfig({ device: 'wasm', 'clip-seconds': '5', 'demo-seed': '42', 'db-name': 'shop_1', sources: 'demo' }, defaults);
    expect(refused).toEqual([]);
    expect(settings).toEqual({ ...defaults, device: 'wasm', clipSeconds: 5, demoSeed: 42, dbName: 'shop_1', sources: 'demo' });
    expect(resolveConfig({}, defaults).settings).toEqual(defaults);
  });

  it('refuses unknown models, devices, precisions, bad numbers and database names', () => {
    const { settings, refused } = resolveConfig(
      { model: 'evil/model', device: 'gpu', dtype: 'int3', 'clip-seconds': 'NaN', 'demo-seed': '1.5', 'db-name': '../x', theme: 'neon' },
      defaults,
    );
    expect(settings).toEqual(defaults);
    expect(refused).toHaveLength(7);
  });
});
