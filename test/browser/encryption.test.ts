/**
 * Encryption at rest in real Chromium, through the app's UI: switching it on seals every private
 * field in IndexedDB; after a reload nothing is shown until the passphrase is given; a wrong one is
 * refused and changes nothing; capture is refused while locked; exports are sealed and import only
 * with the passphrase; switching it off opens every record again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { launchChromium, startDevServer } from './chromium';
import type { TaskmemAgent } from '../../src/ui/taskmem-agent';

const PASS = 'violet tractor mango 42';
// Strings that must never appear in IndexedDB while encryption is on.
const TEXTS = ['ZEBRA-ORCHID K7 moved onto the shelf', 'ZEBRA-LANTERN a person waved at the camera', 'ZEBRA-QUARTZ the door closed'];
const SECRETS = [...TEXTS, 'ZEBRA-QUESTION', 'ZEBRA-ANSWER', 'ZEBRA-TITLE', 'THUMBMARKER'];

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const seedExport = JSON.stringify({
  format: 'taskmem-export', version: 1, exportedAt: 1,
  streams: [{ id: 'demo-enc', title: 'ZEBRA-TITLE stream', source: 'demo', createdAt: 1, modelId: 'taskmem/qwen3-vl-fixture', clipSeconds: 10 }],
  memories: TEXTS.map((text, i) => ({
    streamId: 'demo-enc', clipIndex: i, t0: i * 10, t1: i * 10 + 10, text, modelId: 'taskmem/qwen3-vl-fixture', adapterVersion: 0, createdAt: 10 + i,
    thumbnail: { type: 'image/png', base64: b64(`\x89PNGTHUMBMARKER${i}`) }, embedding: [0.125, i],
  })),
  tasks: [{ id: 1, askedAt: 50, streamId: 'demo-enc', streamTime: 30, question: 'ZEBRA-QUESTION where is K7?', type: 'location', answer: 'ZEBRA-ANSWER on the shelf', answered: true, citations: [{ streamId: 'demo-enc', clipIndex: 0 }] }],
  adapters: [{ modelId: 'taskmem/qwen3-vl-fixture', layer: 1, version: 1, vector: [1234.5, -6789.25, 0.0625, ...Array<number>(125).fill(0)], createdAt: 60, trainedOn: { taskIds: [1], memoryKeys: [['demo-enc', 0]] }, metrics: { reward: 0.5 } }],
  settings: [],
});
// The adapter vector's bytes as stored (Float32, little-endian), to look for in raw records.
const VECTOR_BYTES = Buffer.from(new Float32Array([1234.5, -6789.25]).buffer).toString('latin1');

let server: ViteDevServer;
let url: string;
let page: Page;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ server, url } = await startDevServer());
  const chromium = await launchChromium();
  close = chromium.close;
  page = await chromium.context.newPage();
  page.on('dialog', (d) => void d.accept());
});

afterAll(async () => {
  await close?.();
  await server?.close();
});

/** Every record of every store, bytes included, as one string (what another program reading the IDB files could see). */
async function rawDump(): Promise<string> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('taskmem');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const latin1 = (b: Uint8Array) => Array.from(b, (c) => String.fromCharCode(c)).join('');
    const flat = async (v: unknown): Promise<unknown> => {
      if (v instanceof Blob) return `blob:${latin1(new Uint8Array(await v.arrayBuffer()))}`;
      if (ArrayBuffer.isView(v)) return `bytes:${latin1(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))}`;
      if (v instanceof ArrayBuffer) return `bytes:${latin1(new Uint8Array(v))}`;
      if (Array.isArray(v)) return Promise.all(v.map(flat));
      if (v && typeof v === 'object') return Object.fromEntries(await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await flat(x)])));
      return v;
    };
    const out: Record<string, unknown> = {};
    for (const name of Array.from(db.objectStoreNames)) {
      const rows = await new Promise<unknown[]>((resolve, reject) => {
        const r = db.transaction(name).objectStore(name).getAll();
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      out[name] = await flat(rows);
    }
    db.close();
    return JSON.stringify(out);
  });
}

const agent = () => page.locator('taskmem-agent');
const memoryTexts = () => page.locator('taskmem-agent tm-timeline li[data-key] .text').allTextContents();
/** The lock panel's state line once no lock operation is running (empty while one is). */
const lockState = async () => ((await page.locator('taskmem-agent tm-lock-panel [part="lock-busy"]').count()) ? '' : page.locator('taskmem-agent tm-lock-panel [part="lock-state"]').textContent());

async function openApp() {
  await page.goto(`${url}/`);
  await page.waitForFunction(() => {
    const el = document.querySelector('taskmem-agent') as TaskmemAgent | null;
    return !!el?.controller && !!el.shadowRoot?.querySelector('tm-lock-panel');
  });
}

describe('encryption at rest', () => {
  it('seals IndexedDB, asks the passphrase after a reload, refuses a wrong one, and exports and imports sealed', async () => {
    await openApp();
    await agent().evaluate((el: TaskmemAgent, text) => el.controller!.importData(new Blob([text])), seedExport);
    await expect.poll(memoryTexts).toEqual(TEXTS);
    const plainDump = await rawDump();
    for (const s of SECRETS) expect(plainDump).toContain(s); // the check below can fail

    const panel = page.locator('taskmem-agent tm-lock-panel');
    const redactBox = panel.getByRole('checkbox', { name: /Mask e-mail addresses/ });
    expect(await redactBox.isChecked()).toBe(false); // off by default
    await redactBox.check();
    await expect.poll(() => agent().evaluate((el: TaskmemAgent) => el.controller!.state.protection.redact)).toBe(true);

    // Switch encryption on in the UI.
    await panel.getByLabel('New passphrase').fill(PASS);
    await panel.getByLabel('Repeat').fill(PASS);
    await panel.getByRole('button', { name: 'Encrypt' }).click();
    await expect.poll(lockState, { timeout: 60_000 }).toMatch(/Encryption at rest is on/);
    expect(await memoryTexts()).toEqual(TEXTS);

    const sealedDump = await rawDump();
    for (const s of SECRETS) expect(sealedDump).not.toContain(s);
    expect(sealedDump).not.toContain(VECTOR_BYTES);
    const parsed = JSON.parse(sealedDump) as Record<string, Record<string, unknown>[]>;
    for (const store of ['streams', 'memories', 'tasks', 'adapters']) {
      expect(parsed[store].length).toBeGreaterThan(0);
      for (const r of parsed[store]) expect(r.sealed).toBeDefined();
    }
    expect(parsed.memories.every((m) => m.text === undefined && m.thumbnail === undefined && m.embedding === undefined)).toBe(true);

    // Reload: locked, nothing shown.
    await openApp();
    await expect.poll(lockState).toMatch(/locked/);
    expect(await memoryTexts()).toEqual([]);
    expect(await agent().locator('[part="locked-note"]').textContent()).toMatch(/unlock them with your passphrase to see them/);
    expect(await agent().evaluate((el: TaskmemAgent) => el.controller!.state.memories.length)).toBe(0);

    // A wrong passphrase is refused and changes nothing.
    await panel.getByLabel('Passphrase').fill('violet tractor mango 43');
    await panel.getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => panel.locator('[part="lock-error"]').textContent(), { timeout: 60_000 }).toMatch(/not the one/);
    expect(await memoryTexts()).toEqual([]);
    expect(await rawDump()).toBe(sealedDump);

    // Capture is refused while locked: no stream, no memory is written.
    await agent().getByRole('button', { name: 'Demo stream' }).click();
    await expect.poll(() => agent().locator('[part="error"]').textContent()).toMatch(/locked: unlock them .* before capturing/);
    expect(await rawDump()).toBe(sealedDump);

    // The right passphrase shows the memories.
    await panel.getByLabel('Passphrase').fill(PASS);
    await panel.getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(memoryTexts, { timeout: 60_000 }).toEqual(TEXTS);

    // The export is sealed as a whole; its import asks the passphrase, refuses a wrong one, then restores everything.
    const exported = await agent().evaluate(async (el: TaskmemAgent) => (await el.controller!.exportData()).text());
    for (const s of SECRETS) expect(exported).not.toContain(s);
    expect(JSON.parse(exported).sealed).toMatchObject({ kdf: 'PBKDF2-SHA-256', iterations: 600_000 });
    await agent().evaluate((el: TaskmemAgent) => el.controller!.deleteEverything());
    expect(await memoryTexts()).toEqual([]);
    await agent().evaluate((el: TaskmemAgent, text) => el.controller!.importData(new Blob([text])), exported);
    const importForm = panel.locator('[part="import-passphrase-form"]');
    await importForm.getByLabel('Passphrase of the encrypted export').fill('not it at all');
    await importForm.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => panel.locator('[part="lock-error"]').textContent(), { timeout: 60_000 }).toMatch(/not the one/);
    expect(await agent().evaluate((el: TaskmemAgent) => el.controller!.state.memories.length)).toBe(0);
    expect(JSON.parse(await rawDump()).memories).toEqual([]);
    await importForm.getByLabel('Passphrase of the encrypted export').fill(PASS);
    await importForm.getByRole('button', { name: 'Import' }).click();
    await expect.poll(memoryTexts, { timeout: 60_000 }).toEqual(TEXTS);
    // Imported into an encrypted store: sealed at rest too.
    const reimported = await rawDump();
    for (const s of SECRETS) expect(reimported).not.toContain(s);

    // Switching off opens every record again, and a reload no longer asks.
    await panel.getByLabel('Passphrase').fill(PASS);
    await panel.getByRole('button', { name: 'Turn encryption off' }).click();
    await expect.poll(lockState, { timeout: 60_000 }).toMatch(/is off/);
    const reopened = await rawDump();
    for (const s of SECRETS) expect(reopened).toContain(s);
    expect(reopened).not.toContain('"sealed"');
    await openApp();
    await expect.poll(memoryTexts).toEqual(TEXTS);
    // The redaction switch survived the reloads; it masks new memories only, so these are untouched.
    expect(await redactBox.isChecked()).toBe(true);

    // The sealed export also opens in a store without encryption, and is stored plain there.
    await agent().evaluate((el: TaskmemAgent) => el.controller!.deleteEverything());
    await agent().evaluate((el: TaskmemAgent, text) => el.controller!.importData(new Blob([text])), exported);
    await importForm.getByLabel('Passphrase of the encrypted export').fill(PASS);
    await importForm.getByRole('button', { name: 'Import' }).click();
    await expect.poll(memoryTexts, { timeout: 60_000 }).toEqual(TEXTS);
    expect(await lockState()).toMatch(/is off/);
    const plainAgain = await rawDump();
    for (const s of SECRETS) expect(plainAgain).toContain(s);
  });

  it('while locked, forgetting is refused and retention waits; both run once unlocked and leave the store sealed', async () => {
    const now = Date.now();
    const lockSeed = JSON.stringify({
      format: 'taskmem-export', version: 1, exportedAt: now,
      streams: [{ id: 'demo-lock', title: 'ZEBRA-LOCKTITLE', source: 'demo', createdAt: 1, modelId: 'taskmem/qwen3-vl-fixture', clipSeconds: 10 }],
      memories: [
        { streamId: 'demo-lock', clipIndex: 0, t0: 0, t1: 10, text: 'ZEBRA-ANCIENT a cup on the table', modelId: 'taskmem/qwen3-vl-fixture', adapterVersion: 0, createdAt: 10 },
        { streamId: 'demo-lock', clipIndex: 1, t0: 10, t1: 20, text: 'ZEBRA-RECENT the cup moved to the sink', modelId: 'taskmem/qwen3-vl-fixture', adapterVersion: 0, createdAt: now - 60_000 },
      ],
      tasks: [
        { id: 1, askedAt: 50, streamId: 'demo-lock', streamTime: 10, question: 'ZEBRA-Q-OLD where is the cup?', type: 'location', answer: 'on the table', answered: true, citations: [{ streamId: 'demo-lock', clipIndex: 0 }] },
        // Asked before the last 5 minutes, citing a memory written in them: found only through its sealed citations.
        { id: 2, askedAt: now - 20 * 60_000, streamId: null, streamTime: null, question: 'ZEBRA-Q-NEW where did the cup go?', type: 'location', answer: 'the sink', answered: true, citations: [{ streamId: 'demo-lock', clipIndex: 1 }] },
      ],
      adapters: [], settings: [],
    });
    const secrets = ['ZEBRA-LOCKTITLE', 'ZEBRA-ANCIENT', 'ZEBRA-RECENT', 'ZEBRA-Q-OLD', 'ZEBRA-Q-NEW'];
    const records = async () => {
      const d = JSON.parse(await rawDump()) as Record<string, Record<string, unknown>[]>;
      return { streams: d.streams, memories: d.memories, tasks: d.tasks, adapters: d.adapters };
    };

    await openApp();
    await agent().evaluate((el: TaskmemAgent) => el.controller!.deleteEverything());
    await agent().evaluate((el: TaskmemAgent, text) => el.controller!.importData(new Blob([text])), lockSeed);
    const plainRecords = JSON.stringify(await records());
    for (const s of secrets) expect(plainRecords).toContain(s); // the checks of sealed records below can fail
    await agent().evaluate((el: TaskmemAgent) => el.controller!.enableEncryption('violet tractor mango 42'));
    await openApp();
    await expect.poll(lockState).toMatch(/locked/);
    const lockedRecords = await records();
    expect(lockedRecords.memories).toHaveLength(2);
    for (const s of secrets) expect(JSON.stringify(lockedRecords)).not.toContain(s);

    // Forgetting while locked: refused with a message, nothing deleted.
    expect(await agent().evaluate((el: TaskmemAgent) => el.controller!.forgetLastMinutes(5))).toBeNull();
    expect(await agent().evaluate((el: TaskmemAgent) => el.controller!.state.error)).toMatch(/locked: unlock them .* before forgetting.*Nothing was deleted/);
    expect(await records()).toEqual(lockedRecords);

    // Retention set while locked is stored, and waits for the unlock instead of failing.
    expect(await agent().evaluate((el: TaskmemAgent) => el.controller!.setRetention({ maxAgeDays: 1 }))).toBe(true);
    expect(await agent().evaluate((el: TaskmemAgent) => ({ error: el.controller!.state.error, notice: el.controller!.state.notice }))).toEqual({ error: null, notice: expect.stringMatching(/applies when you unlock/) });
    expect(await records()).toEqual(lockedRecords);

    // Unlocking runs it: the memory over a day old and the question citing it go.
    await agent().evaluate((el: TaskmemAgent) => el.controller!.unlock('violet tractor mango 42'));
    await expect.poll(memoryTexts, { timeout: 60_000 }).toEqual(['ZEBRA-RECENT the cup moved to the sink']);
    expect(await agent().evaluate((el: TaskmemAgent) => el.controller!.state.notice)).toMatch(/Retention deleted older than 1 days: 1 memory .* 1 question/);
    const afterRetention = await records();
    expect(afterRetention.memories).toHaveLength(1);
    expect(afterRetention.tasks).toHaveLength(1);
    for (const r of [...afterRetention.streams, ...afterRetention.memories, ...afterRetention.tasks]) expect(r.sealed).toBeDefined();
    for (const s of secrets) expect(JSON.stringify(afterRetention)).not.toContain(s);

    // Unlocked, forgetting the last 5 minutes takes the recent memory and the question citing it.
    expect(await agent().evaluate((el: TaskmemAgent) => el.controller!.forgetLastMinutes(5))).toMatchObject({ memories: 1, tasks: 1 });
    expect(await memoryTexts()).toEqual([]);
    const afterForget = await records();
    expect({ memories: afterForget.memories.length, tasks: afterForget.tasks.length }).toEqual({ memories: 0, tasks: 0 });
    for (const r of afterForget.streams) expect(r.sealed).toBeDefined();
  });

    it('finishes a switch that a crash interrupted, in either direction, and loses nothing; the lock outlives delete-everything until forgotten', async () => {
    await page.goto(`${url}/test/browser/harness/lock.html`);
    await page.waitForFunction(() => document.title === 'lock ready');
    const r = await page.evaluate(async () => {
      const { dbm, repo, lockm, sealed } = window.lockModules;
      const name = 'taskmem-crash';
      const pass = 'crash test passphrase';
      const memory = (i: number) => ({ streamId: 's', clipIndex: i, t0: i, t1: i + 1, text: `memory ${i}`, modelId: 'm', adapterVersion: 0, createdAt: i });
      const errorName = async (f: () => Promise<unknown>) => f().then(() => 'none', (e: Error) => e.name);
      await dbm.deleteTaskMemDb(name);
      let db = await dbm.openTaskMemDb(name);
      const first = await lockm.PassphraseLock.load(db);
      for (let i = 0; i < 5; i++) await repo.putMemory(db, memory(i));
      await first.enable(pass, undefined, 100_000);
      const complete = (await db.get('settings', lockm.LOCK_SETTING))!.value as { sealedAll?: boolean };
      // As if the sealing pass had stopped before reaching these: plaintext records under an 'on'
      // lock whose pass has not finished.
      for (let i = 5; i < 8; i++) await db.put('memories', memory(i));
      await db.put('settings', { key: lockm.LOCK_SETTING, value: { ...complete, sealedAll: false } });
      db.close();

      db = await dbm.openTaskMemDb(name);
      const second = await lockm.PassphraseLock.load(db);
      const lockedOnLoad = second.locked;
      const readWhileLocked = await errorName(() => repo.memoriesOf(db, 's'));
      const writeWhileLocked = await errorName(() => repo.putMemory(db, memory(99)));
      const wrongUnlock = await errorName(() => second.unlock('wrong passphrase'));
      const countAfterRefusals = await db.count('memories');
      await second.unlock(pass);
      const sealedRaw = await db.getAll('memories');
      const allSealedAfterUnlock = sealedRaw.every(sealed.isSealedRecord);
      const textsAfterUnlock = (await repo.memoriesOf(db, 's')).map((m: { text: string }) => m.text);

      // As if switching off had stopped half-way: some records opened, the lock record saying so.
      const lockRow = await db.get('settings', lockm.LOCK_SETTING);
      await db.put('settings', { key: lockm.LOCK_SETTING, value: { ...(lockRow!.value as object), mode: 'turning-off' } });
      for (const rec of sealedRaw.slice(0, 4)) await db.put('memories', await sealed.openRecord(second.key!, 'memories', rec));
      db.close();

      db = await dbm.openTaskMemDb(name);
      const third = await lockm.PassphraseLock.load(db);
      const lockedMidOff = third.locked;
      await third.unlock(pass);
      const plainRaw = await db.getAll('memories');
      const out: Record<string, unknown> = {
        markedComplete: complete.sealedAll === true,
        lockedOnLoad, readWhileLocked, writeWhileLocked, wrongUnlock, countAfterRefusals, allSealedAfterUnlock, textsAfterUnlock, lockedMidOff,
        anySealedAfterOff: plainRaw.some(sealed.isSealedRecord), textsAfterOff: plainRaw.map((m: { text: string }) => m.text),
        lockGone: (await db.get('settings', lockm.LOCK_SETTING)) === undefined && !third.enabled,
      };
      db.close();

      // A forgotten passphrase: "delete everything" keeps the lock of a store in use, and removes
      // it (forget) only once the locked data is gone.
      await dbm.deleteTaskMemDb(name);
      db = await dbm.openTaskMemDb(name);
      const fourth = await lockm.PassphraseLock.load(db);
      await fourth.enable(pass, undefined, 100_000);
      await repo.putMemory(db, memory(0));
      await repo.setSetting(db, 'some.setting', 1);
      db.close();
      db = await dbm.openTaskMemDb(name);
      const fifth = await lockm.PassphraseLock.load(db);
      const forgetWithData = await errorName(() => fifth.forget());
      await repo.deleteEverything(db);
      const lockKeptByDelete = (await db.get('settings', lockm.LOCK_SETTING)) !== undefined && (await db.get('settings', 'some.setting')) === undefined;
      await fifth.forget();
      Object.assign(out, { forgetWithData, lockKeptByDelete, forgotten: !fifth.enabled && (await db.get('settings', lockm.LOCK_SETTING)) === undefined });
      db.close();
      await dbm.deleteTaskMemDb(name);
      return out;
    });
    const texts = Array.from({ length: 8 }, (_, i) => `memory ${i}`);
    expect(r).toEqual({
      markedComplete: true, lockedOnLoad: true, readWhileLocked: 'LockedError', writeWhileLocked: 'LockedError', wrongUnlock: 'WrongPassphraseError', countAfterRefusals: 8,
      allSealedAfterUnlock: true, textsAfterUnlock: texts, lockedMidOff: true, anySealedAfterOff: false, textsAfterOff: texts, lockGone: true,
      forgetWithData: 'Error', lockKeptByDelete: true, forgotten: true,
    });
  });
});
