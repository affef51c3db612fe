/**
 * <taskmem-agent> for any host page (the widget module, `npm run build:widget`): a thin wrapper
 * whose shadow DOM holds an iframe of the agent's embed page, served from the same origin as this
 * module. The agent itself (model, IndexedDB, camera) runs in that frame on the agent's origin, so
 * the host page can neither read memories nor touch the model. The wrapper forwards its attributes
 * and `--taskmem-*` custom properties into the frame and re-dispatches what the frame reports as
 * CustomEvents. See docs/embedding.md.
 */
import {
  CONFIG_ATTRIBUTES,
  PROTOCOL,
  THEME_PROPERTIES,
  isEmbedMessage,
  type ConfigAttribute,
  type HostMessage,
  type ThemeVars,
  type WidgetConfig,
} from './protocol';

// A variable, not a string literal: Vite would otherwise read `new URL('embed.html', import.meta.url)`
// as an asset of this module and try to bundle the page into it.
const EMBED_PAGE = 'embed.html';
const FRAME_TITLE = 'TaskMem memory agent';
/** Camera and screen capture happen in the frame; threads need cross-origin isolation delegated. */
const FRAME_PERMISSIONS = 'camera; display-capture; cross-origin-isolated';

/** --taskmem-frame-height (host) wins over the height the embed page reports for its content. */
const STYLES = `
  :host { display: block; }
  :host([hidden]) { display: none; }
  iframe { display: block; box-sizing: border-box; width: 100%; border: 0;
    height: var(--taskmem-frame-height, var(--taskmem-content-height, 640px)); }
`;

function styleRoot(root: ShadowRoot) {
  // A constructed sheet is CSSOM, so a host page with a strict style-src needs no 'unsafe-inline'.
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet.prototype.replaceSync === 'function') {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
    root.adoptedStyleSheets = [sheet];
  } else {
    const style = document.createElement('style');
    style.textContent = STYLES;
    root.append(style);
  }
}

export class TaskmemWidget extends HTMLElement {
  static get observedAttributes(): string[] {
    // style and class: a change there may change the custom properties to forward.
    return [...CONFIG_ATTRIBUTES, 'style', 'class'];
  }

  readonly frame: HTMLIFrameElement;
  private readonly embedUrl = new URL(EMBED_PAGE, import.meta.url);
  private connected = false;
  private sharing = false;
  private lastTheme = '';
  private lastConfig = '';

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open', delegatesFocus: true });
    styleRoot(root);
    this.frame = document.createElement('iframe');
    this.frame.part.add('frame');
    this.frame.title = FRAME_TITLE;
    this.frame.allow = FRAME_PERMISSIONS;
    this.frame.addEventListener('load', () => this.connect());
    this.frame.src = this.embedUrl.href;
    root.append(this.frame);
  }

  /** True when the user allowed this site, in the frame, to receive memory and answer text. */
  get textShared(): boolean {
    return this.sharing;
  }

  get model(): string | null { return this.getAttribute('model'); }
  set model(v: string | null) { this.reflect('model', v); }
  get sources(): string | null { return this.getAttribute('sources'); }
  set sources(v: string | null) { this.reflect('sources', v); }
  get clipSeconds(): number | null { return this.numberAttribute('clip-seconds'); }
  set clipSeconds(v: number | null) { this.reflect('clip-seconds', v); }
  get device(): string | null { return this.getAttribute('device'); }
  set device(v: string | null) { this.reflect('device', v); }
  get dtype(): string | null { return this.getAttribute('dtype'); }
  set dtype(v: string | null) { this.reflect('dtype', v); }
  get demoSeed(): number | null { return this.numberAttribute('demo-seed'); }
  set demoSeed(v: number | null) { this.reflect('demo-seed', v); }
  get dbName(): string | null { return this.getAttribute('db-name'); }
  set dbName(v: string | null) { this.reflect('db-name', v); }
  get theme(): string | null { return this.getAttribute('theme'); }
  set theme(v: string | null) { this.reflect('theme', v); }

  private reflect(name: ConfigAttribute, v: string | number | null) {
    if (v === null || v === undefined) this.removeAttribute(name);
    else this.setAttribute(name, String(v));
  }

  private numberAttribute(name: ConfigAttribute): number | null {
    const v = this.getAttribute(name);
    return v === null || v.trim() === '' || !Number.isFinite(Number(v)) ? null : Number(v);
  }

  connectedCallback() {
    window.addEventListener('message', this.onMessage);
  }

  disconnectedCallback() {
    window.removeEventListener('message', this.onMessage);
    this.connected = false;
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null) {
    if (old === value || !this.connected) return;
    if (name === 'style' || name === 'class') this.refreshTheme();
    else this.sendConfig();
  }

  private sendConfig() {
    const config = this.config();
    const key = JSON.stringify(config);
    if (key === this.lastConfig) return;
    this.lastConfig = key;
    this.post({ protocol: PROTOCOL, type: 'config', config });
  }

  /**
   * Reads the --taskmem-* custom properties again and sends them if they changed. Style and class
   * changes on this element are seen on their own; call this after changing a stylesheet.
   */
  refreshTheme() {
    if (!this.connected) return;
    const theme = this.themeVars();
    const key = JSON.stringify(theme);
    if (key === this.lastTheme) return;
    this.lastTheme = key;
    this.post({ protocol: PROTOCOL, type: 'theme', theme });
  }

  private config(): WidgetConfig {
    const config: WidgetConfig = {};
    for (const name of CONFIG_ATTRIBUTES) {
      const v = this.getAttribute(name);
      if (v !== null) config[name] = v;
    }
    return config;
  }

  private themeVars(): ThemeVars {
    const style = getComputedStyle(this);
    const theme: ThemeVars = {};
    for (const name of THEME_PROPERTIES) {
      const v = style.getPropertyValue(name).trim();
      if (v) theme[name] = v;
    }
    return theme;
  }

  /** Every load of the frame (first load, or after the element moved) starts a new session. */
  private connect() {
    this.connected = false;
    const config = this.config();
    const theme = this.themeVars();
    this.lastConfig = JSON.stringify(config);
    this.lastTheme = JSON.stringify(theme);
    this.post({ protocol: PROTOCOL, type: 'connect', config, theme });
  }

  private post(message: HostMessage) {
    // The target origin makes the browser drop the message if the frame is not the agent's page.
    this.frame.contentWindow?.postMessage(message, this.embedUrl.origin);
  }

  private readonly onMessage = (event: MessageEvent) => {
    if (event.origin !== this.embedUrl.origin || event.source !== this.frame.contentWindow) return;
    const m = event.data;
    if (!isEmbedMessage(m)) return;
    switch (m.type) {
      case 'connected':
        this.connected = true;
        this.sharing = m.textShared;
        // Attributes and styles may have changed between the connect message and now.
        this.sendConfig();
        this.refreshTheme();
        this.dispatchEvent(new CustomEvent('taskmem-ready', { detail: { textShared: m.textShared }, bubbles: true, composed: true }));
        break;
      case 'share':
        this.sharing = m.textShared;
        break;
      case 'size':
        this.frame.style.setProperty('--taskmem-content-height', `${Math.ceil(m.height)}px`);
        break;
      case 'event':
        this.dispatchEvent(new CustomEvent(m.name, { detail: m.detail, bubbles: true, composed: true }));
        break;
    }
  };
}

if (!customElements.get('taskmem-agent')) customElements.define('taskmem-agent', TaskmemWidget);
