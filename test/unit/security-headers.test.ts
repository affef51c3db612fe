/** The agent origin's headers: one strict policy, relaxed only where embedding needs it. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_EMBED_ANCESTORS, headersFor } from '../../scripts/lib/security-headers';

const directives = (csp: string) => Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));

describe('security headers', () => {
  it('allow no inline script or eval, only WebAssembly compilation, and hub hosts for models', () => {
    const csp = directives(headersFor('/')['Content-Security-Policy']);
    expect(csp['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(csp['style-src']).toEqual(["'self'"]);
    expect(csp['worker-src']).toEqual(["'self'"]);
    expect(csp['connect-src']).toEqual(["'self'", 'https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co']);
    expect(csp['default-src']).toEqual(["'none'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
  });

  it('let the embed page be framed by the configured hosts, and the widget module be loaded anywhere', () => {
    expect(directives(headersFor('/embed.html', {})['Content-Security-Policy'])['frame-ancestors']).toEqual(DEFAULT_EMBED_ANCESTORS);
    expect(directives(headersFor('/embed.html', { TASKMEM_FRAME_ANCESTORS: 'https://shop.example https://blog.example' })['Content-Security-Policy'])['frame-ancestors'])
      .toEqual(['https://shop.example', 'https://blog.example']);
    expect(headersFor('/embed.html')['Cross-Origin-Resource-Policy']).toBe('cross-origin');
    expect(headersFor('/taskmem-agent.js')).toMatchObject({ 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' });
    expect(headersFor('/assets/index.js')['Cross-Origin-Resource-Policy']).toBe('same-origin');
    expect(headersFor('/assets/index.js')['Access-Control-Allow-Origin']).toBeUndefined();
  });
});
