import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { placeGeneratedBlock, writeGeneratedBlock } from '../../scripts/lib/generated-block';

const block = (key: string, body: string) => ({
  start: `<!-- a:start ${key} -->`,
  end: `<!-- a:end ${key} -->`,
  text: `<!-- a:start ${key} -->\n${body}\n<!-- a:end ${key} -->`,
  after: /<!-- a:end [a-z,]+ -->/g,
  heading: '## A',
});

describe('placeGeneratedBlock', () => {
  it('replaces only its own block and keeps the text around it', () => {
    const doc = `# R\n\nintro\n\n${block('x', 'old x').text}\n\n${block('y', 'old y').text}\n\n## Next\n`;
    const next = placeGeneratedBlock(doc, block('x', 'new x'));
    expect(next).toBe(`# R\n\nintro\n\n${block('x', 'new x').text}\n\n${block('y', 'old y').text}\n\n## Next\n`);
  });

  it('puts a new key after the last block of its kind, not at the end', () => {
    const doc = `# R\n\n## A\n\n${block('x', 'x').text}\n\n## Next\n`;
    expect(placeGeneratedBlock(doc, block('y', 'y'))).toBe(`# R\n\n## A\n\n${block('x', 'x').text}\n\n${block('y', 'y').text}\n\n## Next\n`);
  });

  it('appends under the heading when the document has no block of its kind', () => {
    expect(placeGeneratedBlock('# R\n\ntext\n', block('x', 'x'))).toBe(`# R\n\ntext\n\n## A\n\n${block('x', 'x').text}\n`);
    expect(placeGeneratedBlock('', { ...block('x', 'x'), heading: undefined })).toBe(`${block('x', 'x').text}\n`);
  });

  it('refuses a start marker without its end rather than cutting the document', () => {
    expect(() => placeGeneratedBlock('<!-- a:start x -->\nbroken', block('x', 'x'))).toThrow(/no "<!-- a:end x -->"/);
  });
});

describe('writeGeneratedBlock', () => {
  it('starts a missing document as given, and replaces the block in place on the next write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskmem-generated-block-'));
    try {
      const path = join(dir, 'results.md');
      const block = (text: string) => ({ start: '<!-- x:start -->', end: '<!-- x:end -->', text: `<!-- x:start -->\n${text}\n<!-- x:end -->`, heading: '## X' });
      writeGeneratedBlock(path, block('one'), '# Results\n');
      expect(readFileSync(path, 'utf8')).toBe('# Results\n\n## X\n\n<!-- x:start -->\none\n<!-- x:end -->\n');
      writeGeneratedBlock(path, block('two'), '# Results\n');
      expect(readFileSync(path, 'utf8')).toBe('# Results\n\n## X\n\n<!-- x:start -->\ntwo\n<!-- x:end -->\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
