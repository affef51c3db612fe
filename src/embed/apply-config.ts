/**
 * Turns the widget's forwarded attributes and custom properties into settings of the app element
 * in the embed page. Values arrive as strings from another origin: each is checked here, a bad
 * one is refused (and reported) and the element keeps its default for it.
 */
import { MODEL_REGISTRY, type Dtype } from '../memorize/registry';
import type { TaskmemAgent } from '../ui/taskmem-agent';
import type { DevicePreference } from '../worker/protocol';
import { THEME_PROPERTIES, type ThemeVars, type WidgetConfig } from '../widget/protocol';

export type AgentSettings = Pick<TaskmemAgent, 'model' | 'sources' | 'clipSeconds' | 'device' | 'dtype' | 'demoSeed' | 'dbName'>;

export const THEMES = ['dark', 'light', 'auto'] as const;
const DEVICES: DevicePreference[] = ['auto', 'webgpu', 'wasm'];
const DTYPES: (Dtype | '')[] = ['', 'fp32', 'fp16', 'q8', 'q4', 'q4f16'];
const DB_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function settingsOf(el: TaskmemAgent): AgentSettings {
  const { model, sources, clipSeconds, device, dtype, demoSeed, dbName } = el;
  return { model, sources, clipSeconds, device, dtype, demoSeed, dbName };
}

function numberIn(v: string, min: number, max: number, integer: boolean): number | null {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) return null;
  return n;
}

/**
 * The settings a config asks for, on top of `defaults` (an attribute the host removed goes back
 * to its default), and one message per refused value.
 */
export function resolveConfig(config: WidgetConfig, defaults: AgentSettings): { settings: AgentSettings; refused: string[] } {
  const settings = { ...defaults };
  const refused: string[] = [];
  const refuse = (name: string, value: string) => refused.push(`The widget's ${name}="${value}" is not valid here and was ignored.`);
  if (config.model !== undefined) {
    if (MODEL_REGISTRY.some((m) => m.id === config.model)) settings.model = config.model;
    else refuse('model', config.model);
  }
  if (config.sources !== undefined) settings.sources = config.sources;
  if (config['clip-seconds'] !== undefined) {
    const n = numberIn(config['clip-seconds'], 1, 600, false);
    if (n === null) refuse('clip-seconds', config['clip-seconds']);
    else settings.clipSeconds = n;
  }
  if (config.device !== undefined) {
    if ((DEVICES as string[]).includes(config.device)) settings.device = config.device as DevicePreference;
    else refuse('device', config.device);
  }
  if (config.dtype !== undefined) {
    if ((DTYPES as string[]).includes(config.dtype)) settings.dtype = config.dtype as Dtype | '';
    else refuse('dtype', config.dtype);
  }
  if (config['demo-seed'] !== undefined) {
    const n = numberIn(config['demo-seed'], 0, 2 ** 31 - 1, true);
    if (n === null) refuse('demo-seed', config['demo-seed']);
    else settings.demoSeed = n;
  }
  if (config['db-name'] !== undefined) {
    if (DB_NAME.test(config['db-name'])) settings.dbName = config['db-name'];
    else refuse('db-name', config['db-name']);
  }
  if (config.theme !== undefined && !(THEMES as readonly string[]).includes(config.theme)) refuse('theme', config.theme);
  return { settings, refused };
}

/** Only changed values are assigned, so an unchanged config does not restart the agent. */
export function applySettings(el: TaskmemAgent, settings: AgentSettings) {
  for (const key of Object.keys(settings) as (keyof AgentSettings)[]) {
    if (el[key] !== settings[key]) (el as unknown as Record<string, unknown>)[key] = settings[key];
  }
}

/** The page's palette (light, dark or the system's), from the widget's theme attribute. */
export function applyThemeName(root: HTMLElement, theme: string | undefined) {
  root.dataset.theme = theme && (THEMES as readonly string[]).includes(theme) ? theme : 'dark';
}

/** Host values for --taskmem-* (set on the page root, so the sharing control follows them too) win over the palette; a property no longer set is removed. */
export function applyThemeVars(el: HTMLElement, vars: ThemeVars) {
  for (const name of THEME_PROPERTIES) {
    const v = vars[name];
    if (v) el.style.setProperty(name, v);
    else el.style.removeProperty(name);
  }
}
