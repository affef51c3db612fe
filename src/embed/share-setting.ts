/**
 * The user's per-site choice to share memory text with a host page, kept in the agent origin's
 * settings store (the same IndexedDB as the memories, which the host page cannot open). Default:
 * not shared.
 */
import { openTaskMemDb } from '../store/db';
import * as repo from '../store/repository';

const settingKey = (hostOrigin: string) => `embed.share-text:${hostOrigin}`;

export async function loadTextSharing(dbName: string, hostOrigin: string): Promise<boolean> {
  const db = await openTaskMemDb(dbName);
  try {
    return (await repo.getSetting(db, settingKey(hostOrigin), false)) === true;
  } finally {
    db.close();
  }
}

export async function saveTextSharing(dbName: string, hostOrigin: string, shared: boolean): Promise<void> {
  const db = await openTaskMemDb(dbName);
  try {
    await repo.setSetting(db, settingKey(hostOrigin), shared);
  } finally {
    db.close();
  }
}
