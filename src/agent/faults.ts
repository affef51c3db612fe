/**
 * Small pieces of fault handling the controller uses: telling a full disk from other write
 * failures, and remembering across a reload that a capture was running when the page went away.
 */

/**
 * IndexedDB reports a full quota as a QuotaExceededError on the request, or as the error of the
 * transaction it aborted (idb rejects with that), depending on when the browser checks.
 */
export function isQuotaError(e: unknown): boolean {
  const err = e as { name?: string; message?: string } | null;
  if (!err) return false;
  if (err.name === 'QuotaExceededError') return true;
  return err.name === 'AbortError' && /quota/i.test(err.message ?? '');
}

const key = (dbName: string | undefined) => `taskmem:capturing:${dbName ?? 'taskmem'}`;

/**
 * Records which stream is being captured (null: none). Kept in localStorage, which a reload or a
 * crash of the tab leaves behind: the next page load can then tell the user what happened.
 * Storage may be unavailable (a sandboxed embed): then the note is simply not made.
 */
export function markCapturing(dbName: string | undefined, streamId: string | null) {
  try {
    if (streamId) localStorage.setItem(key(dbName), streamId);
    else localStorage.removeItem(key(dbName));
  } catch {
    /* no localStorage here: nothing to remember with */
  }
}

/** The stream that was being captured when the page last went away without stopping, once. */
export function takeInterruptedCapture(dbName: string | undefined): string | null {
  try {
    const id = localStorage.getItem(key(dbName));
    localStorage.removeItem(key(dbName));
    return id;
  } catch {
    return null;
  }
}
