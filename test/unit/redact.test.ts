import { describe, expect, it } from 'vitest';
import { ibanValid, luhnValid, redact, redactText } from '../../src/privacy/redact';

describe('redaction masks obvious secrets and personal data', () => {
  const positives: [string, string, string][] = [
    ['email', 'mail ada.lovelace+notes@example.co.uk now', 'mail [email] now'],
    ['email', 'From: bob@mail.example.org', 'From: [email]'],
    ['international phone', 'call +44 20 7946 0958 today', 'call [phone] today'],
    ['international phone, compact', 'tel +33612345678.', 'tel [phone].'],
    ['international phone, dashes', 'reach +1-415-555-0132', 'reach [phone]'],
    ['NANP phone', 'office (415) 555-0132 or 415.555.0199', 'office [phone] or [phone]'],
    ['UK national phone', 'ring 020 7946 0958', 'ring [phone]'],
    ['French national phone', 'portable 06 12 34 56 78', 'portable [phone]'],
    ['German national phone', 'Tel. 030/1234567', 'Tel. [phone]'],
    ['card, grouped', 'card 4111 1111 1111 1111 exp', 'card [card] exp'],
    ['card, dashes', 'paid with 5500-0000-0000-0004', 'paid with [card]'],
    ['card, plain Amex', 'amex 378282246310005', 'amex [card]'],
    ['IBAN', 'IBAN DE89 3704 0044 0532 0130 00 please', 'IBAN [iban] please'],
    ['IBAN compact', 'to GB82WEST12345698765432', 'to [iban]'],
    ['AWS key id', 'AKIAIOSFODNN7EXAMPLE in config', '[secret] in config'],
    ['GitHub classic token', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a', '[secret]'],
    ['GitHub fine-grained token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF', '[secret]'],
    ['Slack token', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', '[secret]'],
    ['JWT', 'Authorization eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'Authorization [secret]'],
    ['bearer header', 'Authorization: Bearer abc.def-123', 'Authorization: Bearer [secret]'],
    ['api_key assignment, hex', 'api_key=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b', 'api_key=[secret]'],
    ['token assignment, base64', 'token: "dGhpcyBpcyBhIHNlY3JldCB0b2tlbg9x"', 'token: "[secret]"'],
    ['password assignment', 'password=hunter22', 'password=[secret]'],
    ['private key block', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', '[secret]'],
  ];
  it.each(positives)('masks %s', (_name, input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  const negatives: [string, string][] = [
    ['world labels', 'K7 moved from the table to the shelf; the red cube B12 stayed.'],
    ['clip times', 'between 0:10-0:20 the ball rolled, then 1:05-1:15 it stopped'],
    ['ISO dates and times', 'on 2024-01-15 at 10:30:00, and 15.01.2024, and 01/15/2024'],
    ['version numbers', 'updated to v10.4.12 then 1.2.3.4 and 2.0.0-beta.1'],
    ['ordinary numbers', 'counted 12 objects, 3 moved, 1500 frames, 1234567 pixels, 3.14159'],
    ['a digit run that fails Luhn', 'order 4111 1111 1111 1112 shipped'],
    ['thirteen random digits failing Luhn', 'id 1234567890123'],
    ['short hex and words after token=', 'token=abc and key=value and secret=shelf and api_key=the_blue_shelf_near_door'],
    ['git commit hash without a key name', 'commit 9fceb02d0ae598e95dc970b74767f19372d61af8'],
    ['an IBAN-shaped code that fails mod 97', 'code DE00 3704 0044 0532 0130 00'],
    ['prices and percentages', 'cost $1,299.99, up 12.5% since 2023'],
    ['a UUID', 'stream 123e4567-e89b-12d3-a456-426614174000'],
    ['at-signs that are not addresses', 'meet @ 5, user@localhost'],
    ['an ISBN and zero-padded frame numbers', 'ISBN 978-3-16-148410-0, frame 0012 of 0450'],
  ];
  it.each(negatives)('leaves %s alone', (_name, input) => {
    expect(redact(input)).toEqual({ text: input, counts: { email: 0, phone: 0, card: 0, iban: 0, secret: 0 } });
  });

  it('counts what it masked', () => {
    expect(redact('a@b.io, c@d.io and 4111111111111111').counts).toEqual({ email: 2, phone: 0, card: 1, iban: 0, secret: 0 });
  });

  it('checks cards with Luhn and IBANs with mod 97', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('DE88370400440532013000')).toBe(false);
  });
});

describe('redaction on the world stream language', () => {
  it('changes no memory the synthetic world describes (labels, times, counts), over many seeds', async () => {
    const { randomLog } = await import('./world-logs');
    const { describeClip, seededRandom } = await import('../../src/world/describe');
    let texts = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const log = randomLog(seed, 120, { maxGap: 4, reappear: seed % 2 === 0 });
      const rng = seededRandom(seed * 17);
      for (let t0 = 0; t0 < 120; t0 += 10) {
        const text = describeClip(log, t0, t0 + 10, rng);
        expect(redactText(text), text).toBe(text);
        texts++;
      }
    }
    expect(texts).toBe(25 * 12);
  });
});
