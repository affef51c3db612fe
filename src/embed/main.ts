/**
 * The embed page (embed.html): the full app element on the agent's origin, inside the widget's
 * iframe. Framed, it waits for the host's settings through the bridge; opened on its own it is
 * the app with its defaults (nothing to share with anyone).
 */
import '../ui/taskmem-agent';
import type { TaskmemAgent } from '../ui/taskmem-agent';
import { EmbedBridge } from './bridge';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const slot = byId('agent-slot');
const createAgent = () => document.createElement('taskmem-agent') as TaskmemAgent;

if (window.parent === window) {
  slot.append(createAgent());
} else {
  new EmbedBridge({
    slot,
    share: { container: byId('share'), checkbox: byId<HTMLInputElement>('share-text'), origin: byId('share-origin') },
    createAgent,
  }).start();
}
