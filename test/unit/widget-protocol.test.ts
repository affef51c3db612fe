/** The widget <-> embed page messages: only well-formed messages of the protocol pass. */
import { describe, expect, it } from 'vitest';
import { PROTOCOL, isEmbedMessage, isHostMessage, isThemeValue } from '../../src/widget/protocol';

describe('widget protocol', () => {
  it('accepts the host messages it defines', () => {
    expect(isHostMessage({ protocol: PROTOCOL, type: 'connect', config: { device: 'wasm', 'clip-seconds': '5' }, theme: { '--taskmem-accent': '#b4451f' } })).toBe(true);
    expect(isHostMessage({ protocol: PROTOCOL, type: 'config', config: {} })).toBe(true);
    expect(isHostMessage({ protocol: PROTOCOL, type: 'theme', theme: { '--taskmem-font': '14px/1.4 Georgia, serif' } })).toBe(true);
  });

  it('refuses other protocols, unknown types, attributes and properties, and non-string values', () => {
    expect(isHostMessage({ protocol: 'other/1', type: 'config', config: {} })).toBe(false);
    expect(isHostMessage({ protocol: PROTOCOL, type: 'eval', code: '1' })).toBe(false);
    expect(isHostMessage({ protocol: PROTOCOL, type: 'config', config: { onclick: 'x' } })).toBe(false);
    expect(isHostMessage({ protocol: PROTOCOL, type: 'config', config: { 'clip-seconds': 5 } })).toBe(false);
    expect(isHostMessage({ protocol: PROTOCOL, type: 'config', config: { model: 'x'.repeat(501) } })).toBe(false);
    expect(isHostMessage({ protocol: PROTOCOL, type: 'theme', theme: { color: 'red' } })).toBe(false);
    expect(isHostMessage({ protocol: PROTOCOL, type: 'connect', config: {} })).toBe(false);
    expect(isHostMessage(null)).toBe(false);
    expect(isHostMessage('taskmem')).toBe(false);
  });

  it('refuses theme values that would fetch or break out of the declaration', () => {
    expect(isThemeValue('color-mix(in srgb, #fff 40%, transparent)')).toBe(true);
    expect(isThemeValue('url(https://tracker.example/p.png)')).toBe(false);
    expect(isThemeValue('image-set("a.png" 1x)')).toBe(false);
    expect(isThemeValue('red; background: blue')).toBe(false);
    expect(isThemeValue('red } body { display: none')).toBe(false);
  });

  it('accepts the embed messages it defines and checks their fields', () => {
    expect(isEmbedMessage({ protocol: PROTOCOL, type: 'connected', textShared: false })).toBe(true);
    expect(isEmbedMessage({ protocol: PROTOCOL, type: 'event', name: 'taskmem-memory', detail: { clipIndex: 0 } })).toBe(true);
    expect(isEmbedMessage({ protocol: PROTOCOL, type: 'size', height: 812 })).toBe(true);
    expect(isEmbedMessage({ protocol: PROTOCOL, type: 'event', name: 'click', detail: {} })).toBe(false);
    expect(isEmbedMessage({ protocol: PROTOCOL, type: 'event', name: 'taskmem-memory', detail: 'text' })).toBe(false);
    expect(isEmbedMessage({ protocol: PROTOCOL, type: 'size', height: 1e9 })).toBe(false);
    expect(isEmbedMessage({ protocol: PROTOCOL, type: 'size', height: Number.NaN })).toBe(false);
    expect(isEmbedMessage({ protocol: PROTOCOL, type: 'connected', textShared: 'yes' })).toBe(false);
  });
});
