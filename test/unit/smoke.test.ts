import { describe, expect, it } from 'vitest';
import { POSITIONS } from '../../src/world/types';

describe('world constants', () => {
  it('has a 3x3 grid', () => {
    expect(POSITIONS).toHaveLength(9);
  });
});
