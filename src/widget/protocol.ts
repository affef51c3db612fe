/**
 * The postMessage protocol between the <taskmem-agent> widget (running in the host page) and its
 * embed page (running on the agent's origin, in the widget's iframe). Both sides validate every
 * message with the guards below and check `event.origin` and `event.source` before that, so a
 * message from any other window or of any other shape is dropped. This module has no imports: the
 * widget module that host pages load stays small.
 */

/** Every message carries this tag, so unrelated messages in either window are ignored cheaply. */
export const PROTOCOL = 'taskmem-widget/1';

/** Attributes the widget forwards to the app element in the embed page (its settings). */
export const CONFIG_ATTRIBUTES = ['model', 'sources', 'clip-seconds', 'device', 'dtype', 'demo-seed', 'db-name', 'theme'] as const;
export type ConfigAttribute = (typeof CONFIG_ATTRIBUTES)[number];
/** Attribute values as the host wrote them; the embed page parses and checks each one. */
export type WidgetConfig = Partial<Record<ConfigAttribute, string>>;

/** CSS custom properties read on the widget (getComputedStyle) and applied inside the frame. */
export const THEME_PROPERTIES = [
  '--taskmem-text',
  '--taskmem-background',
  '--taskmem-surface',
  '--taskmem-muted',
  '--taskmem-border',
  '--taskmem-button',
  '--taskmem-accent',
  '--taskmem-live',
  '--taskmem-user',
  '--taskmem-error',
  '--taskmem-warning',
  '--taskmem-font',
  '--taskmem-radius',
  '--taskmem-chat-height',
  '--taskmem-timeline-height',
] as const;
export type ThemeVars = Partial<Record<(typeof THEME_PROPERTIES)[number], string>>;

/** Events the widget re-dispatches on itself, as the embed page reports them. */
export const WIDGET_EVENTS = ['taskmem-memory', 'taskmem-answer', 'taskmem-error', 'taskmem-adapter'] as const;
export type WidgetEventName = (typeof WIDGET_EVENTS)[number];

/** Host page -> embed page. `connect` is sent on every load of the frame and carries the full state. */
export type HostMessage =
  | { protocol: typeof PROTOCOL; type: 'connect'; config: WidgetConfig; theme: ThemeVars }
  | { protocol: typeof PROTOCOL; type: 'config'; config: WidgetConfig }
  | { protocol: typeof PROTOCOL; type: 'theme'; theme: ThemeVars };

/** Embed page -> host page. `textShared` tells the host whether event details carry text. */
export type EmbedMessage =
  | { protocol: typeof PROTOCOL; type: 'connected'; textShared: boolean }
  | { protocol: typeof PROTOCOL; type: 'share'; textShared: boolean }
  | { protocol: typeof PROTOCOL; type: 'event'; name: WidgetEventName; detail: Record<string, unknown> }
  | { protocol: typeof PROTOCOL; type: 'size'; height: number };

const MAX_ATTRIBUTE_LENGTH = 500;
const MAX_THEME_VALUE_LENGTH = 200;
/** Functions that would make the frame fetch a URL the host chose; CSP blocks them anyway. */
const FETCHING_CSS = /(url|src|image|image-set|-webkit-image-set|cross-fade|element)\s*\(/i;
/** The tallest frame the embed page may ask for, so a bad value cannot blow up the host layout. */
export const MAX_FRAME_HEIGHT = 20_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function tagged(v: unknown): v is Record<string, unknown> & { type: unknown } {
  return isRecord(v) && v.protocol === PROTOCOL && typeof v.type === 'string';
}

export function isWidgetConfig(v: unknown): v is WidgetConfig {
  if (!isRecord(v)) return false;
  return Object.entries(v).every(
    ([k, value]) => (CONFIG_ATTRIBUTES as readonly string[]).includes(k) && typeof value === 'string' && value.length <= MAX_ATTRIBUTE_LENGTH,
  );
}

export function isThemeValue(value: string): boolean {
  return value.length <= MAX_THEME_VALUE_LENGTH && !FETCHING_CSS.test(value) && !/[;{}<>\\]/.test(value);
}

export function isThemeVars(v: unknown): v is ThemeVars {
  if (!isRecord(v)) return false;
  return Object.entries(v).every(
    ([k, value]) => (THEME_PROPERTIES as readonly string[]).includes(k) && typeof value === 'string' && isThemeValue(value),
  );
}

export function isHostMessage(v: unknown): v is HostMessage {
  if (!tagged(v)) return false;
  switch (v.type) {
    case 'connect':
      return isWidgetConfig(v.config) && isThemeVars(v.theme);
    case 'config':
      return isWidgetConfig(v.config);
    case 'theme':
      return isThemeVars(v.theme);
    default:
      return false;
  }
}

export function isEmbedMessage(v: unknown): v is EmbedMessage {
  if (!tagged(v)) return false;
  switch (v.type) {
    case 'connected':
    case 'share':
      return typeof v.textShared === 'boolean';
    case 'event':
      return (WIDGET_EVENTS as readonly string[]).includes(v.name as string) && isRecord(v.detail);
    case 'size':
      return typeof v.height === 'number' && Number.isFinite(v.height) && v.height >= 0 && v.height <= MAX_FRAME_HEIGHT;
    default:
      return false;
  }
}
