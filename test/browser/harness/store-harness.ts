/** Exposes the real store modules to Playwright tests running in Chromium's IndexedDB. */
import { openTaskMemDb, deleteTaskMemDb } from '../../../src/store/db';
import * as repo from '../../../src/store/repository';
import { exportAll, importAll, ImportError, parseExport } from '../../../src/store/transfer';
import { embedText } from '../../../src/recall/embedding';
import { FIXTURE_MODEL_ID as M, getModelSpec } from '../../../src/memorize/registry';
import { AdapterManager, ADAPTER_SETTING } from '../../../src/agent/adapter-manager';

/** Every value exactly: blobs and typed arrays as their bytes, -0 and NaN kept, keys in stored order. */
async function canonical(v: unknown): Promise<unknown> {
  if (v instanceof Blob) return { blob: v.type, bytes: Array.from(new Uint8Array(await v.arrayBuffer())) };
  if (ArrayBuffer.isView(v)) return { typed: v.constructor.name, bytes: Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
  if (typeof v === 'number') return Object.is(v, -0) ? { n: '-0' } : Number.isFinite(v) ? v : { n: String(v) };
  if (Array.isArray(v)) return Promise.all(v.map(canonical));
  if (v && typeof v === 'object') return Promise.all(Object.entries(v).map(async ([k, x]) => [k, await canonical(x)]));
  return v;
}

const STORES = ['streams', 'memories', 'tasks', 'adapters', 'settings'] as const;

const api = {
  async reset() {
    await deleteTaskMemDb();
  },
  async seed() {
    const db = await openTaskMemDb();
    await repo.putStream(db, { id: 's1', title: 'Demo', source: 'demo', createdAt: 1, modelId: M, clipSeconds: 10 });
    await repo.putStream(db, { id: 's2', title: 'Cam', source: 'webcam', createdAt: 2, modelId: M, clipSeconds: 10 });
    for (let i = 0; i < 3; i++)
      await repo.putMemory(db, {
        streamId: 's1', clipIndex: i, t0: i * 10, t1: i * 10 + 10, text: `<b>memory ${i}</b>`, modelId: M, adapterVersion: 0, createdAt: 10 + i,
        thumbnail: new Blob([new Uint8Array([137, 80, 78, 71, i])], { type: 'image/png' }), embedding: embedText(`memory ${i}`),
      });
    await repo.putMemory(db, { streamId: 's2', clipIndex: 0, t0: 0, t1: 10, text: 'cam', modelId: M, adapterVersion: 0, createdAt: 20 });
    const taskId = await repo.addTask(db, { askedAt: 30, streamId: 's1', streamTime: 30, question: 'q?', type: 'color', answer: 'red', answered: true, citations: [{ streamId: 's1', clipIndex: 1 }] });
    await repo.addTask(db, { askedAt: 31, streamId: 's2', streamTime: 10, question: 'q2?', type: 'shape', answer: 'unknown', answered: false, citations: [] });
    await repo.putAdapter(db, { modelId: M, layer: 1, version: 1, vector: Float32Array.from({ length: 128 }, (_, i) => (i % 7) / 7 - 0.5), createdAt: 40, trainedOn: { taskIds: [taskId], memoryKeys: [['s1', 1]] }, metrics: { loss: 0.5 } });
    await repo.setSetting(db, 'clipSeconds', 10);
    db.close();
  },
  async snapshot() {
    const db = await openTaskMemDb();
    const mems = await db.getAll('memories');
    const out = {
      streams: (await db.getAll('streams')).map((s) => s.id),
      memories: await Promise.all(mems.map(async (m) => ({ key: `${m.streamId}/${m.clipIndex}`, text: m.text, thumb: m.thumbnail ? Array.from(new Uint8Array(await m.thumbnail.arrayBuffer())) : null, emb: m.embedding ? Array.from(m.embedding) : null }))),
      tasks: (await db.getAll('tasks')).map((t) => `${t.question}=${t.answer}`),
      adapters: (await db.getAll('adapters')).map((a) => ({ v: a.version, vector: Array.from(a.vector), taskCount: a.trainedOn.taskIds.length })),
      settings: await db.getAll('settings'),
    };
    db.close();
    return out;
  },
  async exportText() {
    const db = await openTaskMemDb();
    const text = await (await exportAll(db)).text();
    db.close();
    return text;
  },
  async importText(text: string) {
    const db = await openTaskMemDb();
    try {
      return { ok: true, summary: await importAll(db, text) };
    } catch (e) {
      return { ok: false, error: e instanceof ImportError ? e.message : `unexpected: ${String(e)}` };
    } finally {
      db.close();
    }
  },
  /** A newest stream of n memories, all filler but clip `special`, which names ZED. */
  async seedLong(n: number, special: number) {
    const db = await openTaskMemDb();
    await repo.putStream(db, { id: 'long', title: 'Long', source: 'demo', createdAt: 1e12, modelId: M, clipSeconds: 10 });
    for (let i = 0; i < n; i++) {
      const text = i === special ? 'ZED, a green ring, appears at top.' : `Filler ${i} stays at left.`;
      await repo.putMemory(db, { streamId: 'long', clipIndex: i, t0: i * 10, t1: i * 10 + 10, text, modelId: M, adapterVersion: 0, createdAt: 1e12 + i, embedding: i % 2 ? embedText(text) : undefined });
    }
    db.close();
  },
  /** The whole database, keys and values, as one string: equal strings = byte-for-byte equal contents. */
  async dump() {
    const db = await openTaskMemDb();
    const out: unknown[] = [];
    for (const name of STORES) out.push([name, await canonical(await db.getAllKeys(name)), await canonical(await db.getAll(name))]);
    db.close();
    return JSON.stringify(out);
  },
  /** After an accepted import: the store still exports to a file that validates. */
  async exportValidates() {
    const db = await openTaskMemDb();
    try {
      parseExport(await (await exportAll(db)).text());
      return { ok: true };
    } catch (e) {
      return { ok: false, error: String(e) };
    } finally {
      db.close();
    }
  },
  /**
   * Stores raw setting values, then loads the adapter manager's settings as the app does at start:
   * returns what it uses, the message it shows, and whether reading changed the store.
   */
  async loadAdapterSettings(values: Record<string, unknown>) {
    const db = await openTaskMemDb();
    for (const [key, value] of Object.entries(values)) await db.put('settings', { key, value } as never);
    db.close();
    const before = await api.dump();
    const db2 = await openTaskMemDb();
    const manager = new AdapterManager({
      spec: getModelSpec(M), db: () => db2, loadedClient: () => null, changed: () => undefined, emit: () => undefined,
      readyClient: () => Promise.reject(new Error('no model in this harness')),
    });
    try {
      await manager.load(db2);
      return { auto: manager.state.auto, autoEvery: manager.state.autoEvery, recentClips: manager.recentClipCount, error: manager.state.error, unchanged: (await api.dump()) === before };
    } catch (e) {
      return { crashed: String(e) };
    } finally {
      db2.close();
    }
  },
  adapterSettingKeys: () => ({ ...ADAPTER_SETTING, resetAfter: ADAPTER_SETTING.resetAfter(getModelSpec(M)) }),
  async deleteStream(id: string) {
    const db = await openTaskMemDb();
    await repo.deleteStream(db, id);
    db.close();
  },
  async deleteEverything() {
    const db = await openTaskMemDb();
    await repo.deleteEverything(db);
    db.close();
  },
  /**
   * A memory the model finished for stream `id`, written with putLiveMemory: alone, or with the
   * stream's deletion started just before or just after it. Returns whether it says it was stored
   * and what the store holds afterwards.
   */
  async writeLiveMemory(id: string, opts: { wanted?: boolean; deletion?: 'none' | 'before' | 'racing-after' | 'racing-before' } = {}) {
    const db = await openTaskMemDb();
    const memory = { streamId: id, clipIndex: 99, t0: 990, t1: 1000, text: 'late clip', modelId: M, adapterVersion: 0, createdAt: 99 };
    let stored: boolean;
    const put = () => repo.putLiveMemory(db, memory, () => opts.wanted ?? true);
    switch (opts.deletion ?? 'none') {
      case 'none': stored = await put(); break;
      case 'before': await repo.deleteStream(db, id); stored = await put(); break;
      case 'racing-after': [stored] = await Promise.all([put(), repo.deleteStream(db, id)]); break;
      case 'racing-before': [, stored] = await Promise.all([repo.deleteStream(db, id), put()]); break;
    }
    const out = { stored, streams: (await db.getAll('streams')).map((s) => s.id), memories: (await db.getAll('memories')).map((m) => `${m.streamId}/${m.clipIndex}`) };
    db.close();
    return out;
  },
};

declare global {
  interface Window {
    store: typeof api;
  }
}
window.store = api;
document.title = 'store ready';
