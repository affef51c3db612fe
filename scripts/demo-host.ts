/**
 * npm run demo:host -- [--agent http://127.0.0.1:4173] [--port 4180]
 * Serves a demo host page on another origin that embeds the widget from the agent's origin
 * (start the agent first: npm start, or npm run start:widget on port 4174).
 */
import { startDemoHost } from './lib/demo-host';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const agent = new URL(arg('--agent', 'http://127.0.0.1:4173')).origin;
const { url } = await startDemoHost(agent, Number(arg('--port', '4180')));
console.log(`Demo host page: ${url}/?device=wasm  (embeds ${agent}/taskmem-agent.js; Ctrl-C to stop)`);
