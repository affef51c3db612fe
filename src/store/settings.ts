/**
 * Reading settings that may be damaged: a value in IndexedDB can be anything (an import from an
 * older app, a bug, a user's devtools), so every read checks the value and falls back to the
 * default with a message naming the setting, instead of letting a bad value crash or misconfigure
 * the agent. A bad value is left as it is in the store (reading never writes); saving the setting
 * again replaces it.
 */
import type { Db } from './db';

export interface SettingRule<T> {
  key: string;
  fallback: T;
  /** True when the stored value can be used as it is. */
  valid: (v: unknown) => v is T;
  /** What a valid value is, for the message ("a whole number from 1 to 1000"). */
  expected: string;
}

export interface SettingRead<T> {
  value: T;
  /** Set when a stored value was unusable and the default is used instead. */
  problem: string | null;
}

function show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = Object.prototype.toString.call(v);
  }
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export async function readSetting<T>(db: Db, rule: SettingRule<T>): Promise<SettingRead<T>> {
  let row: unknown;
  try {
    row = await db.get('settings', rule.key);
  } catch (e) {
    return { value: rule.fallback, problem: `The setting "${rule.key}" could not be read (${e instanceof Error ? e.message : String(e)}); using the default.` };
  }
  if (row === undefined) return { value: rule.fallback, problem: null };
  const value = typeof row === 'object' && row !== null && 'value' in row ? (row as { value: unknown }).value : undefined;
  if (rule.valid(value)) return { value, problem: null };
  return { value: rule.fallback, problem: `The stored setting "${rule.key}" was ${show(value)}, not ${rule.expected}; using the default (${show(rule.fallback)}).` };
}

export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
export const wholeNumber = (min: number, max: number) => (v: unknown): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
