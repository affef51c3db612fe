/**
 * The HTTP headers of the agent's origin: a strict Content-Security-Policy on everything, cross-origin
 * isolation for ONNX Runtime's threads, and what lets other sites embed the widget (the module is
 * CORS- and CORP-readable, the embed page may be framed). The dev and preview servers send exactly
 * these (vite.config.ts); docs/embedding.md explains each directive for a production server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Model files for hub checkpoints (the fixture is served from this origin); *.hf.co are its CDNs. */
export const HUB_CONNECT_SOURCES = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'];

/**
 * Who may frame the embed page unless TASKMEM_FRAME_ANCESTORS (space-separated CSP sources) says
 * otherwise: any https page, and http pages on this machine for development. A deployment that
 * knows its host pages should list them.
 */
export const DEFAULT_EMBED_ANCESTORS = ["'self'", 'https:', 'http://localhost:*', 'http://127.0.0.1:*'];

/** The module host pages import, at the root of the agent's origin, next to embed.html. */
export const WIDGET_MODULE_PATH = '/taskmem-agent.js';
export const EMBED_PAGE_PATHS = ['/embed.html', '/embed'];

export function contentSecurityPolicy(frameAncestors: string[]): string {
  const directives: [string, string[]][] = [
    ['default-src', ["'none'"]],
    ['script-src', ["'self'", "'wasm-unsafe-eval'"]],
    ['style-src', ["'self'"]],
    ['img-src', ["'self'", 'blob:']],
    ['media-src', ["'self'", 'blob:']],
    ['connect-src', ["'self'", ...HUB_CONNECT_SOURCES]],
    ['worker-src', ["'self'"]],
    ['manifest-src', ["'self'"]],
    ['frame-src', ["'none'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', frameAncestors],
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}

export function embedAncestors(env: Record<string, string | undefined> = process.env): string[] {
  const configured = env.TASKMEM_FRAME_ANCESTORS?.trim();
  return configured ? configured.split(/\s+/) : DEFAULT_EMBED_ANCESTORS;
}

/** What every response gets; the app page may not be framed at all. */
export const BASE_HEADERS: Record<string, string> = {
  // Cross-origin isolation lets onnxruntime-web use threads (SharedArrayBuffer).
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': contentSecurityPolicy(["'none'"]),
  'X-Content-Type-Options': 'nosniff',
};

export function headersFor(pathname: string, env: Record<string, string | undefined> = process.env): Record<string, string> {
  if (EMBED_PAGE_PATHS.includes(pathname)) {
    // Framed by other sites: readable cross-origin (a cross-origin-isolated host requires CORP on
    // the frame's document), and framable by the listed ancestors only.
    return { ...BASE_HEADERS, 'Cross-Origin-Resource-Policy': 'cross-origin', 'Content-Security-Policy': contentSecurityPolicy(embedAncestors(env)) };
  }
  if (pathname === WIDGET_MODULE_PATH) {
    // A module script from another origin is a CORS request; CORP lets isolated hosts load it too.
    return { ...BASE_HEADERS, 'Cross-Origin-Resource-Policy': 'cross-origin', 'Access-Control-Allow-Origin': '*' };
  }
  return BASE_HEADERS;
}

/**
 * Connect middleware that sets `headersFor(path)` on whatever response goes out, however later
 * middleware (Vite's static, HTML and transform handlers, our own asset server) produce it: the
 * headers are applied when the status line is written, after they set theirs.
 */
export function securityHeadersMiddleware() {
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const headers = headersFor(new URL(req.url ?? '/', 'http://agent.invalid').pathname);
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
    next();
  };
}
