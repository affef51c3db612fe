import { describe, expect, it } from 'vitest';
import { placeGeneratedBlock } from '../../scripts/lib/generated-block';

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
