import { describe, expect, it } from 'vitest';
import { checkImportSize, ImportError, MAX_IMPORT_BYTES, parseExport } from '../../src/store/transfer';
import { importCorpus, isClearMessage } from '../fuzz/import-corpus';
import { sampleExport } from '../fuzz/sample-export';


describe('import validation against a fuzzed corpus (Node)', () => {
  const corpus = importCorpus(JSON.stringify(sampleExport()));

  it('has at least 200 inputs, the same ones on every run', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(importCorpus(JSON.stringify(sampleExport())).map((c) => c.text)).toEqual(corpus.map((c) => c.text));
  });

  it('accepts the valid export', () => {
    expect(parseExport(JSON.stringify(sampleExport())).memories).toHaveLength(4);
  });

  it('either accepts each input or refuses it with a clear message; never another error', () => {
    const counts: Record<string, { accepted: number; refused: number }> = {};
    for (const c of corpus) {
      let outcome: { ok: true } | { ok: false; message: string };
      try {
        const data = parseExport(c.text);
        // Accepted data is clean: only what the store's records hold, all finite numbers.
        for (const m of data.memories) expect(Object.keys(m).every((k) => ['streamId', 'clipIndex', 't0', 't1', 'text', 'modelId', 'adapterVersion', 'createdAt', 'thumbnail', 'embedding'].includes(k))).toBe(true);
        for (const a of data.adapters) expect(a.vector.every(Number.isFinite)).toBe(true);
        outcome = { ok: true };
      } catch (e) {
        if (!(e instanceof ImportError)) throw new Error(`${c.name}: ${String(e)}`);
        expect(isClearMessage(e.message), `${c.name}: ${e.message}`).toBe(true);
        outcome = { ok: false, message: e.message };
      }
      if (c.expect) {
        expect(outcome.ok, c.name).toBe(c.expect.ok);
        if (!c.expect.ok && !outcome.ok) expect(outcome.message, c.name).toMatch(c.expect.message);
      }
      const k = (counts[c.kind] ??= { accepted: 0, refused: 0 });
      if (outcome.ok) k.accepted++;
      else k.refused++;
    }
    console.log(`import fuzz (Node): ${corpus.length} inputs`, JSON.stringify(counts));
    expect(Object.values(counts).reduce((s, c) => s + c.refused, 0)).toBeGreaterThan(corpus.length / 2);
  });

  it('refuses an oversized or empty file by its size before reading it', () => {
    expect(() => checkImportSize(MAX_IMPORT_BYTES + 1)).toThrow(/too large to import \(256 MiB; the limit is 256 MiB\)/);
    expect(() => checkImportSize(0)).toThrow(/empty/);
    expect(() => checkImportSize(MAX_IMPORT_BYTES)).not.toThrow();
  });
});
