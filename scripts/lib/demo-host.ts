/**
 * A host page on another origin that embeds the widget, as a third-party site would: it imports
 * the widget module from the agent's origin and lists the events it receives. Used by
 * `npm run demo:host` and the widget browser test. The page runs under its own strict CSP (the
 * widget needs script-src and frame-src for the agent's origin, nothing else) and, with
 * ?isolated=1, cross-origin isolation (COOP + COEP require-corp).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { CONFIG_ATTRIBUTES } from '../../src/widget/protocol';
import { WIDGET_MODULE_PATH } from './security-headers';

const DEMO_DIR = resolve('demo');
const STATIC: Record<string, string> = { '/host.js': 'text/javascript', '/host.css': 'text/css' };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function hostCsp(agentOrigin: string): string {
  return [`default-src 'none'`, `script-src 'self' ${agentOrigin}`, `style-src 'self'`, `frame-src ${agentOrigin}`, `base-uri 'none'`, `form-action 'none'`].join('; ');
}

/** host.html with the widget's attributes taken from the query string (?device=wasm&theme=light). */
function hostPage(agentOrigin: string, query: URLSearchParams): string {
  const attributes = CONFIG_ATTRIBUTES.filter((a) => query.has(a)).map((a) => ` ${a}="${escapeHtml(query.get(a)!)}"`).join('');
  return readFileSync(join(DEMO_DIR, 'host.html'), 'utf8')
    .replaceAll('%AGENT_MODULE%', escapeHtml(agentOrigin + WIDGET_MODULE_PATH))
    .replace('%WIDGET_ATTRIBUTES%', attributes);
}

export async function startDemoHost(agentOrigin: string, port = 0): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host.invalid');
    const isolated = url.searchParams.get('isolated') === '1';
    const headers: Record<string, string> = { 'Content-Security-Policy': hostCsp(agentOrigin), 'Cache-Control': 'no-store' };
    if (isolated) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    if (url.pathname === '/' || url.pathname === '/host.html') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' }).end(hostPage(agentOrigin, url.searchParams));
    } else if (STATIC[url.pathname]) {
      res.writeHead(200, { ...headers, 'Content-Type': STATIC[url.pathname] }).end(readFileSync(join(DEMO_DIR, url.pathname.slice(1))));
    } else {
      res.writeHead(404, headers).end();
    }
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  const { port: bound } = server.address() as AddressInfo;
  // localhost, while the agent is served on 127.0.0.1: another origin and another site.
  return { url: `http://localhost:${bound}`, close: () => new Promise((ok) => server.close(() => ok())) };
}
