/**
 * The embed page's side of the widget protocol. The first valid `connect` from the parent window
 * pins the host origin: from then on only that window and origin are listened to, and messages go
 * out to that origin only. Events of the app element are passed on through `hostEventDetail`, so
 * the host sees text only when the user ticked "Share memory text with <host>" in this page.
 */
import type { TaskmemAgent } from '../ui/taskmem-agent';
import { PROTOCOL, WIDGET_EVENTS, isHostMessage, type EmbedMessage, type HostMessage, type WidgetConfig, type WidgetEventName } from '../widget/protocol';
import { applySettings, applyThemeName, applyThemeVars, resolveConfig, settingsOf, type AgentSettings } from './apply-config';
import { hostEventDetail } from './redact';
import { loadTextSharing, saveTextSharing } from './share-setting';

export interface EmbedPage {
  /** Where the app element goes once the host has said how to set it up. */
  slot: HTMLElement;
  /** The visible per-site sharing control: its container, checkbox and the origin it names. */
  share: { container: HTMLElement; checkbox: HTMLInputElement; origin: HTMLElement };
  createAgent(): TaskmemAgent;
}

/** A host page's origin that can be told apart and answered: not opaque, and the real parent. */
function acceptableHost(origin: string): boolean {
  if (origin === 'null') return false;
  // Where the browser lists the frame's ancestors, the parent's entry must be this origin too.
  const ancestors = (location as Location & { ancestorOrigins?: DOMStringList }).ancestorOrigins;
  return !ancestors || ancestors.length === 0 || ancestors[0] === origin;
}

export class EmbedBridge {
  private hostOrigin: string | null = null;
  private agent: TaskmemAgent | null = null;
  private defaults: AgentSettings | null = null;
  private textShared = false;
  /** Bumped whenever the sharing state is reloaded, so a slow load cannot undo a newer one. */
  private shareGeneration = 0;

  constructor(private readonly page: EmbedPage) {}

  start() {
    window.addEventListener('message', this.onMessage);
    this.page.share.checkbox.addEventListener('change', () => void this.setTextShared(this.page.share.checkbox.checked));
    new ResizeObserver(() => this.reportSize()).observe(document.body);
  }

  private readonly onMessage = (event: MessageEvent) => {
    if (event.source !== window.parent || !isHostMessage(event.data)) return;
    const m = event.data;
    if (this.hostOrigin === null) {
      if (m.type !== 'connect' || !acceptableHost(event.origin)) return;
      this.hostOrigin = event.origin;
    } else if (event.origin !== this.hostOrigin) {
      return;
    }
    this.handle(m);
  };

  private handle(m: HostMessage) {
    switch (m.type) {
      case 'connect':
        this.configure(m.config);
        applyThemeVars(document.documentElement, m.theme);
        this.showShareControl();
        this.reportSize();
        void this.reloadTextSharing().then(() => this.post({ protocol: PROTOCOL, type: 'connected', textShared: this.textShared }));
        break;
      case 'config': {
        const dbName = this.agent?.dbName;
        this.configure(m.config);
        if (this.agent!.dbName !== dbName) void this.reloadTextSharing().then(() => this.post({ protocol: PROTOCOL, type: 'share', textShared: this.textShared }));
        break;
      }
      case 'theme':
        applyThemeVars(document.documentElement, m.theme);
        break;
    }
  }

  private configure(config: WidgetConfig) {
    if (!this.agent) {
      this.agent = this.page.createAgent();
      this.defaults = settingsOf(this.agent);
      for (const name of WIDGET_EVENTS) this.agent.addEventListener(name, (e) => this.forward(name, (e as CustomEvent).detail));
    }
    const { settings, refused } = resolveConfig(config, this.defaults!);
    applySettings(this.agent, settings);
    applyThemeName(document.documentElement, config.theme);
    // Settings first, then into the page: the agent opens its store once, under the right name.
    if (!this.agent.isConnected) this.page.slot.append(this.agent);
    for (const message of refused) this.forward('taskmem-error', { message });
  }

  private showShareControl() {
    const { container, origin } = this.page.share;
    origin.textContent = this.hostOrigin!;
    container.hidden = false;
  }

  private async reloadTextSharing() {
    const generation = ++this.shareGeneration;
    // Not shared while the stored choice loads (another database may say otherwise).
    this.textShared = false;
    this.page.share.checkbox.checked = false;
    const shared = await loadTextSharing(this.agent!.dbName, this.hostOrigin!).catch(() => false);
    if (generation !== this.shareGeneration) return;
    this.textShared = shared;
    this.page.share.checkbox.checked = shared;
  }

  private async setTextShared(shared: boolean) {
    if (!this.hostOrigin || !this.agent) return;
    // The browser's own dialog, which the host page can neither draw over nor click: a page that
    // hid this frame under a decoy cannot turn sharing on with one stolen click.
    if (shared && !confirm(`Let ${this.hostOrigin} receive the text of your memories, questions and answers from now on?`)) {
      this.page.share.checkbox.checked = false;
      return;
    }
    ++this.shareGeneration;
    this.textShared = shared;
    this.post({ protocol: PROTOCOL, type: 'share', textShared: shared });
    await saveTextSharing(this.agent.dbName, this.hostOrigin, shared).catch(() => undefined);
  }

  private forward(name: WidgetEventName, detail: unknown) {
    const memoryCount = this.agent?.controller?.state.memories.length ?? 0;
    this.post({ protocol: PROTOCOL, type: 'event', name, detail: hostEventDetail(name, detail, { textShared: this.textShared, memoryCount }) });
  }

  private reportSize() {
    this.post({ protocol: PROTOCOL, type: 'size', height: Math.ceil(document.body.getBoundingClientRect().height) });
  }

  private post(message: EmbedMessage) {
    // Nothing is said before a host is pinned, and then only to that origin.
    if (this.hostOrigin) window.parent.postMessage(message, this.hostOrigin);
  }
}
