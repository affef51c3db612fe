/**
 * Masks obvious secrets and personal data in text before it is stored: e-mail addresses, phone
 * numbers, payment card numbers (Luhn-checked), IBANs (mod-97-checked), and API keys and tokens.
 * Patterns are deliberately narrow: a masked time, date, version or object label would damage the
 * memory more than most misses would; docs/redaction.md lists what is caught and what is not.
 */

export type RedactionKind = 'email' | 'phone' | 'card' | 'iban' | 'secret';

export interface Redaction {
  text: string;
  /** How many of each kind were masked. */
  counts: Record<RedactionKind, number>;
}

const mask = (kind: RedactionKind) => `[${kind}]`;

/** Luhn's checksum: true for real card numbers, false for about nine in ten random digit runs. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 = 1. */
export function ibanValid(compact: string): boolean {
  const moved = compact.slice(4) + compact.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const v = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const c of v) rest = (rest * 10 + (c.charCodeAt(0) - 48)) % 97;
  }
  return rest === 1;
}

/** Bits per character of a string's own symbol distribution (random base64 ~ 4.5+, words ~ 3). */
function entropy(s: string): number {
  const freq = new Map<string, number>();
  for (const c of s) freq.set(c, (freq.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of freq.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

function looksRandom(value: string): boolean {
  if (value.length < 16) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/].filter((r) => r.test(value)).length;
  if (/^[0-9a-fA-F]+$/.test(value)) return value.length >= 20 && /\d/.test(value) && /[a-fA-F]/.test(value);
  return classes >= 2 && entropy(value) >= 3.5;
}

const digitCount = (s: string) => s.replace(/\D/g, '').length;

// Secrets with a recognizable shape; order matters only where shapes overlap (none of these do).
const TOKEN_PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}/g, // JWTs (header and payload are base64url JSON)
  /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g, // Stripe
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}/g, // OpenAI / Anthropic style
  /\bAIza[0-9A-Za-z_-]{35}\b/g, // Google API keys
  /\bglpat-[A-Za-z0-9_-]{20,}\b/g, // GitLab
];

// key=value, key: value, "key": "value" for names that announce a secret.
const ASSIGNMENT = /\b((?:[A-Za-z_-]*(?:api|access|secret|private|client|auth|session|bearer)[_-]?(?:key|token|secret)|token|secret|password|passwd|pwd|passphrase|authorization)["']?\s*[:=]\s*["']?(?:(?:Bearer|Basic|Token)\s+)?|Bearer\s+)([^\s"',;&]+)/gi;

const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;
// 13 to 19 digits, optionally grouped by single spaces or dashes.
const CARD = /(?<![\d.,:/-])\d(?:[ -]?\d){12,18}(?![\d.,:/-]?\d)/g;
// +country code, then 2 to 6 groups; needs 8 to 15 digits in all (E.164).
const PHONE_INTL = /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){1,6}(?![\w])/g;
// North American (555) 123-4567 and 555-123-4567 / 555.123.4567.
const PHONE_NANP = /(?:\(\d{3}\) ?|(?<![\w.:/-])\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w:/-]|\.\d)/g;
// A trunk-prefix 0 with at least one separator: 030 1234567, 020 7946 0958, 06 12 34 56 78.
const PHONE_NATIONAL = /(?<![\w.:/-])0\d{1,4}(?:[ /-]\d{2,8}){1,4}(?![\w:/-]|\.\d)/g;

export function redact(input: string): Redaction {
  const counts: Record<RedactionKind, number> = { email: 0, phone: 0, card: 0, iban: 0, secret: 0 };
  const hit = (kind: RedactionKind) => {
    counts[kind]++;
    return mask(kind);
  };
  let text = input;
  for (const p of TOKEN_PATTERNS) text = text.replace(p, () => hit('secret'));
  text = text.replace(ASSIGNMENT, (all, prefix: string, value: string) => {
    if (value.startsWith('[') && value.endsWith(']')) return all; // already masked
    const announced = /pass|pwd|bearer|authorization/i.test(prefix);
    return announced ? prefix + hit('secret') : looksRandom(value) ? prefix + hit('secret') : all;
  });
  text = text.replace(EMAIL, () => hit('email'));
  text = text.replace(IBAN, (m) => (ibanValid(m.replace(/ /g, '')) ? hit('iban') : m));
  text = text.replace(CARD, (m) => (luhnValid(m.replace(/\D/g, '')) ? hit('card') : m));
  text = text.replace(PHONE_INTL, (m) => {
    const n = digitCount(m);
    return n >= 8 && n <= 15 ? hit('phone') : m;
  });
  text = text.replace(PHONE_NANP, () => hit('phone'));
  text = text.replace(PHONE_NATIONAL, (m) => {
    const n = digitCount(m);
    return n >= 9 && n <= 12 ? hit('phone') : m;
  });
  return { text, counts };
}

/** Just the masked text. */
export function redactText(input: string): string {
  return redact(input).text;
}
