import { describe, expect, it } from 'vitest';
import { isQuotaError } from '../../src/agent/faults';

describe('storage-full detection', () => {
  it('knows a quota error on the request or on the aborted transaction, and nothing else', () => {
    expect(isQuotaError(new DOMException('The quota has been exceeded.', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError(new DOMException('Transaction aborted: quota exceeded', 'AbortError'))).toBe(true);
    expect(isQuotaError(new DOMException('The transaction was aborted.', 'AbortError'))).toBe(false);
    expect(isQuotaError(new DOMException('Key already exists', 'ConstraintError'))).toBe(false);
    expect(isQuotaError(new Error('quota'))).toBe(false);
    expect(isQuotaError(null)).toBe(false);
  });
});
