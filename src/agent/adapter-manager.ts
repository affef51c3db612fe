/**
 * The TaskMem adapter in the app: which stored version memorization uses, training a new one on
 * the questions asked (on request, or automatically after every N new questions), cancelling and
 * resetting. Owns `state.adapter`; the controller hands it the store and the worker.
 *
 * Reset keeps every AdapterRecord (they are history, exported with everything else, and name what
 * they learned from): it stores the newest version number under `adapter.resetAfter:<model>:<layer>`,
 * and only versions above that number can become active. The next training after a reset starts
 * from the plain model and still gets a fresh version number.
 *
 * Forgetting (forget.ts) marks versions that learned from deleted data stale. Rolling back pins an
 * older version under `adapter.pinned:<model>:<layer>` (it stays active until a new version is
 * trained or the adapter is reset); retraining rolls back to the newest version that learned from
 * nothing deleted, then trains from it. A training that finishes after some of its clips or
 * questions were forgotten is discarded rather than stored.
 */
import type { Db } from '../store/db';
import * as repo from '../store/repository';
import type { AdapterRecord, AdapterStaleness, TaskRecord } from '../store/schema';
import { inheritedStaleness, lastCleanVersion, memoryKeyOf, stalenessOf } from '../store/staleness';
import type { ForgetSummary } from '../store/forget';
import type { ModelSpec } from '../memorize/registry';
import type { RecentTask } from '../adapter/reward';
import type { InferenceClient } from '../worker/client';
import type { AdapterProgress, AdapterTrainingOptions, SteerSite } from '../worker/protocol';
import { DEFAULT_RECENT_CLIPS } from '../worker/recent-clips';
import { isBoolean, isPlainObject, readSetting, wholeNumber } from '../store/settings';

export interface AdapterResult {
  version: number;
  lossBefore: number;
  lossAfter: number;
  pairs: number;
  /** Share of pairs whose preferred memory the new vector makes more likely than the reference does. */
  pairAccuracy: number;
  seconds: number;
}

export interface AdapterState {
  /** The active version; 0 = none (the plain model). */
  version: number;
  /** 'paused': automatic training is off (training by hand still works). */
  status: 'idle' | 'training' | 'paused' | 'error';
  progress: AdapterProgress | null;
  /** How many questions the active version learned from. */
  tasksLearned: number;
  lastResult: AdapterResult | null;
  /** Train automatically after every `autoEvery` new questions. */
  auto: boolean;
  autoEvery: number;
  /** False once the loaded model turns out to have no steer input. */
  supported: boolean;
  error: string | null;
  /** Why the active version is stale (it learned from something since deleted); null when it is not. */
  stale: AdapterStaleness | null;
  /** When the active version is stale: the newest version that learned from nothing deleted (0 = the plain model). */
  rollbackTo: number | null;
  /** The decoder layer the adapter is added after (the loaded decoder's, once it is loaded). */
  layer: number;
  /** Every stored version of this model and layer, oldest first. */
  versions: { version: number; createdAt: number; stale: string | null }[];
  /** True while an older version is pinned by a rollback. */
  pinned: boolean;
}

export const ADAPTER_SETTING = {
  auto: 'adapter.auto',
  autoEvery: 'adapter.autoEvery',
  recentClips: 'adapter.recentClips',
  training: 'adapter.training',
  resetAfter: (spec: ModelSpec) => `adapter.resetAfter:${spec.id}:${spec.steer.layer}`,
  pinned: (spec: ModelSpec) => `adapter.pinned:${spec.id}:${spec.steer.layer}`,
} as const;

export const DEFAULT_AUTO_EVERY = 5;
/** The reward profile reads the user's recent questions; older ones say less about what matters now. */
const RECENT_TASKS = 50;

export interface AdapterHost {
  readonly spec: ModelSpec;
  db(): Db | null;
  /** The worker client with the model loaded (loading it if needed). */
  readyClient(): Promise<InferenceClient>;
  /** The worker client if the model is already loaded, else null (automatic training never loads it). */
  loadedClient(): InferenceClient | null;
  changed(): void;
  emit(type: string, detail: unknown): void;
}

const TRAINING_OPTION_KEYS = ['steps', 'candidates', 'batch', 'directions', 'temperature', 'seed'];
const isTrainingOptions = (v: unknown): v is AdapterTrainingOptions =>
  isPlainObject(v) && Object.entries(v).every(([k, x]) => TRAINING_OPTION_KEYS.includes(k) && typeof x === 'number' && Number.isFinite(x) && x >= 0)
  // SPSA averages a whole number of directions, at least one.
  && (v.directions === undefined || (Number.isInteger(v.directions) && (v.directions as number) >= 1));

const toRecentTask = (t: TaskRecord): RecentTask => ({ type: t.type, question: t.question, askedAt: t.askedAt });
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class AdapterManager {
  readonly state: AdapterState = {
    version: 0, status: 'idle', progress: null, tasksLearned: 0, lastResult: null, auto: true, autoEvery: DEFAULT_AUTO_EVERY, supported: true, error: null,
    stale: null, rollbackTo: null, versions: [], pinned: false, layer: 0,
  };
  /** Memory keys and task ids deleted in this session: a training that used any of them is discarded. */
  private readonly forgottenKeys = new Set<string>();
  private readonly forgottenTasks = new Set<number>();
  private active: AdapterRecord | null = null;
  /** The version whose vector the worker holds; memories are stamped with it. */
  private applied = 0;
  private recentClips = DEFAULT_RECENT_CLIPS;
  private options: AdapterTrainingOptions = {};
  /** Newest task id any version learned from, or an automatic attempt was made at. */
  private autoMark = 0;
  private run: Promise<void> | null = null;
  private cancelRequested = false;

  /**
   * The model and the layer adapters are stored and applied for: the registry's, until the loaded
   * decoder says it steers after another layer (onModelLoaded).
   */
  private spec: ModelSpec;

  constructor(private readonly host: AdapterHost) {
    this.spec = host.spec;
    this.state.layer = host.spec.steer.layer;
  }

  /** The adapter version to stamp on memories the worker writes from now on. */
  get memorizeVersion(): number {
    return this.applied;
  }

  /** How many memorized clips the worker keeps for training. */
  get recentClipCount(): number {
    return this.recentClips;
  }

  private get idleStatus(): AdapterState['status'] {
    return this.state.auto ? 'idle' : 'paused';
  }

  /** Reads the settings and the active version from the store: on init, after import or deletion. */
  async load(db: Db) {
    const spec = this.spec;
    const reads = await Promise.all([
      readSetting(db, { key: ADAPTER_SETTING.auto, fallback: true, valid: isBoolean, expected: 'true or false' }),
      readSetting(db, { key: ADAPTER_SETTING.autoEvery, fallback: DEFAULT_AUTO_EVERY, valid: wholeNumber(1, 1_000_000), expected: 'a whole number of at least 1' }),
      readSetting(db, { key: ADAPTER_SETTING.recentClips, fallback: DEFAULT_RECENT_CLIPS, valid: wholeNumber(1, 1024), expected: 'a whole number from 1 to 1024' }),
      readSetting<AdapterTrainingOptions>(db, { key: ADAPTER_SETTING.training, fallback: {}, valid: isTrainingOptions, expected: 'training options (steps, candidates, batch, directions, temperature, seed as numbers)' }),
      readSetting(db, { key: ADAPTER_SETTING.resetAfter(spec), fallback: 0, valid: wholeNumber(0, Number.MAX_SAFE_INTEGER), expected: 'a version number' }),
      readSetting<number | null>(db, { key: ADAPTER_SETTING.pinned(spec), fallback: null, valid: (v): v is number | null => v === null || (Number.isInteger(v) && (v as number) > 0), expected: 'a version number or null' }),
    ] as const);
    const records = await this.versions(db);
    const [auto, autoEvery, recentClips, options, resetAfter, pinned] = [reads[0].value, reads[1].value, reads[2].value, reads[3].value, reads[4].value, reads[5].value];
    const problems = reads.map((r) => r.problem).filter((p): p is string => p !== null);
    Object.assign(this.state, { auto, autoEvery });
    this.recentClips = recentClips;
    this.options = options;
    this.autoMark = Math.max(0, ...records.flatMap((r) => r.trainedOn.taskIds));
    const pinnedRecord = typeof pinned === 'number' ? records.find((r) => r.version === pinned) : undefined;
    this.state.pinned = !!pinnedRecord;
    this.activate(pinnedRecord ?? records.filter((r) => r.version > resetAfter).at(-1) ?? null, records);
    if (this.state.status !== 'training') this.state.status = this.idleStatus;
    if (problems.length) this.state.error = problems.join(' ');
    this.host.changed();
    const client = this.host.loadedClient();
    if (client) await this.apply(client);
  }

  /**
   * The worker has just loaded the model: it starts plain, so hand it the active vector. `steer`
   * is where its decoder adds the vector (null: nowhere); a decoder prepared at another layer than
   * the registry's gets that layer's versions and settings, since a vector trained for one layer
   * means nothing after another.
   */
  async onModelLoaded(client: InferenceClient, steer: SteerSite | null) {
    this.applied = 0;
    this.state.supported = steer !== null;
    if (steer && steer.layer !== this.spec.steer.layer) {
      this.spec = { ...this.spec, steer };
      // The other layer's last result says nothing about this one's versions.
      Object.assign(this.state, { layer: steer.layer, lastResult: null });
      const db = this.host.db();
      if (db) await this.load(db);
      else this.activate(null, []);
    }
    if (!steer) {
      this.state.error = `${this.spec.label} has no steer input, so it cannot use or learn an adapter; memories are written by the plain model.`;
      this.host.changed();
      return;
    }
    await this.apply(client);
  }

  private async versions(db: Db): Promise<AdapterRecord[]> {
    return (await repo.adaptersOf(db, this.spec.id)).filter((r) => r.layer === this.spec.steer.layer);
  }

  private activate(record: AdapterRecord | null, line?: AdapterRecord[]) {
    this.active = record;
    this.state.version = record?.version ?? 0;
    this.state.tasksLearned = record?.trainedOn.taskIds.length ?? 0;
    if (record) this.state.lastResult = resultOf(record);
    this.state.stale = (record && stalenessOf(record)) ?? null;
    if (line) {
      this.state.versions = line.map((r) => ({ version: r.version, createdAt: r.createdAt, stale: stalenessOf(r)?.reason ?? null }));
      this.state.rollbackTo = record?.stale ? lastCleanVersion(line, record.version) : null;
    }
  }

  private async apply(client: InferenceClient) {
    if (!this.state.supported) return;
    // Stamped before set-steer is posted: memorize requests posted after it also run after it
    // (the worker's lock is FIFO), so a memory's version always names the vector that wrote it.
    this.applied = this.active?.version ?? 0;
    await client.setSteer(this.active?.vector ?? null);
  }

  /** Trains a new version on the recent questions and clips; memorization goes on meanwhile. */
  train(): Promise<void> {
    if (this.run) return this.run;
    this.run = this.doTrain().finally(() => (this.run = null));
    return this.run;
  }

  private async doTrain() {
    const db = this.host.db();
    if (!db) return;
    this.cancelRequested = false;
    Object.assign(this.state, { status: 'training', error: null, progress: { phase: 'collect', done: 0, total: 0, loss: null } });
    this.host.changed();
    try {
      const client = await this.host.readyClient();
      if (!this.state.supported) throw new Error(`${this.spec.label} has no steer input`);
      const tasks = (await repo.listTasks(db)).slice(-RECENT_TASKS);
      this.autoMark = Math.max(this.autoMark, ...tasks.map((t) => t.id ?? 0));
      // The worker starts from the vector it holds, which is the active version's.
      const parentVersion = this.active?.version ?? 0;
      if (this.cancelRequested) return this.cancelled();
      const outcome = await client.trainAdapter(tasks.map(toRecentTask), this.options, (p) => {
        this.state.progress = p;
        this.host.changed();
      });
      if (outcome.outcome === 'cancelled') return this.cancelled();
      const usedForgotten = outcome.trainedOn.clipKeys.some(([s, c]) => this.forgottenKeys.has(memoryKeyOf(s, c))) || tasks.some((t) => this.forgottenTasks.has(t.id!));
      if (usedForgotten) {
        this.state.status = this.idleStatus;
        this.state.error = 'The training finished after some of the clips or questions it learned from were forgotten, so its result was discarded and nothing was stored. Train again to learn from what is left.';
        this.host.emit('agent-error', { message: this.state.error });
        return;
      }
      const line = await this.versions(db);
      const version = Math.max(0, ...line.map((r) => r.version)) + 1;
      const createdAt = Date.now();
      const stale = inheritedStaleness(line.find((r) => r.version === parentVersion), createdAt);
      const record: AdapterRecord = {
        modelId: this.spec.id,
        layer: this.spec.steer.layer,
        version,
        vector: outcome.vector,
        createdAt,
        trainedOn: { taskIds: tasks.map((t) => t.id!), memoryKeys: outcome.trainedOn.clipKeys },
        metrics: outcome.metrics,
        parentVersion,
        ...(stale ? { stale } : {}),
      };
      // Stored before it is used: a version that memories name always exists in the store.
      await repo.putAdapter(db, record);
      await repo.setSetting(db, ADAPTER_SETTING.pinned(this.spec), null);
      this.state.pinned = false;
      this.activate(record, [...line, record]);
      await this.apply(client);
      this.state.status = this.idleStatus;
      this.host.emit('adapter', { version, metrics: record.metrics, trainedOn: record.trainedOn });
    } catch (e) {
      const active = this.state.version ? `adapter v${this.state.version}` : 'the plain model';
      this.state.status = 'error';
      this.state.error = `Adapter training failed: ${message(e)}. Memorization goes on with ${active}; nothing stored was changed.`;
      this.host.emit('agent-error', { message: this.state.error });
    } finally {
      this.state.progress = null;
      this.host.changed();
    }
  }

  private cancelled() {
    this.state.status = this.idleStatus;
  }

  /** Stops a running training; the active version stays as it was. */
  async cancel() {
    const run = this.run;
    if (!run) return;
    this.cancelRequested = true;
    await this.host.loadedClient()?.cancelAdapter();
    await run;
  }

  /** Back to the plain model; stored versions are kept as history (see the module comment). */
  async reset() {
    await this.cancel();
    const db = this.host.db();
    if (!db) return;
    const line = await this.versions(db);
    const newest = Math.max(0, ...line.map((r) => r.version));
    await repo.setSetting(db, ADAPTER_SETTING.resetAfter(this.spec), newest);
    await repo.setSetting(db, ADAPTER_SETTING.pinned(this.spec), null);
    this.state.pinned = false;
    this.activate(null, line);
    if (this.state.status === 'error') this.state.status = this.idleStatus;
    this.state.error = null;
    this.host.changed();
    const client = this.host.loadedClient();
    if (client) await this.apply(client);
  }

  /**
   * Makes `version` the active one (0 = the plain model) until a new version is trained or the
   * adapter is reset; memorization uses it from the next clip on. Stale versions are refused.
   */
  async rollback(version: number) {
    await this.cancel();
    const db = this.host.db();
    if (!db) return;
    if (version === 0) return this.reset();
    const line = await this.versions(db);
    const target = line.find((r) => r.version === version);
    if (!target) throw new RangeError(`There is no adapter v${version} to roll back to.`);
    if (target.stale) throw new RangeError(`Adapter v${version} is stale too (${target.stale.reason}); roll back further or retrain.`);
    await repo.setSetting(db, ADAPTER_SETTING.pinned(this.spec), version);
    this.state.pinned = true;
    this.activate(target, line);
    if (this.state.status === 'error') this.state.status = this.idleStatus;
    this.state.error = null;
    this.host.changed();
    const client = this.host.loadedClient();
    if (client) await this.apply(client);
  }

  /** Rolls back to the newest version that learned from nothing deleted, then trains from it. */
  async retrain() {
    const db = this.host.db();
    if (!db) return;
    if (this.state.stale) await this.rollback(lastCleanVersion(await this.versions(db), this.state.version));
    await this.train();
  }

  /** Something was deleted: remember it for running trainings, and read the versions' staleness afresh. */
  async onForgotten(summary: Pick<ForgetSummary, 'memoryKeys' | 'taskIds' | 'staleVersions'>) {
    for (const [s, c] of summary.memoryKeys) this.forgottenKeys.add(memoryKeyOf(s, c));
    for (const id of summary.taskIds) this.forgottenTasks.add(id);
    const db = this.host.db();
    if (!db) return;
    const line = await this.versions(db);
    this.activate(this.active ? line.find((r) => r.version === this.active!.version) ?? null : null, line);
    this.host.changed();
  }

  /** Pauses (false) or resumes (true) automatic training. */
  async setAuto(on: boolean) {
    const db = this.host.db();
    if (db) await repo.setSetting(db, ADAPTER_SETTING.auto, on);
    this.state.auto = on;
    if (this.state.status !== 'training') {
      this.state.status = this.idleStatus;
      this.state.error = null;
    }
    this.host.changed();
  }

  async setAutoEvery(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`train after every N questions: N must be a whole number >= 1, got ${n}`);
    const db = this.host.db();
    if (db) await repo.setSetting(db, ADAPTER_SETTING.autoEvery, n);
    this.state.autoEvery = n;
    this.host.changed();
  }

  /** Phase Two knobs (steps, candidates, ...), stored with the settings. */
  async setTrainingOptions(options: AdapterTrainingOptions) {
    const db = this.host.db();
    if (db) await repo.setSetting(db, ADAPTER_SETTING.training, options);
    this.options = { ...options };
  }

  /** A question was logged: trains automatically once `autoEvery` new ones have come in. */
  async onTaskAdded() {
    const db = this.host.db();
    if (!db || !this.state.auto || this.run || !this.state.supported || !this.host.loadedClient()) return;
    const fresh = (await repo.listTasks(db)).filter((t) => (t.id ?? 0) > this.autoMark).length;
    if (fresh >= this.state.autoEvery) await this.train();
  }

  /** Everything was deleted or replaced: stop training and read the store afresh. */
  async reload(db: Db) {
    await this.cancel();
    this.state.lastResult = null;
    this.state.error = null;
    await this.load(db);
  }
}

function resultOf(r: AdapterRecord): AdapterResult {
  const m = r.metrics;
  return { version: r.version, lossBefore: m.lossBefore ?? NaN, lossAfter: m.lossAfter ?? NaN, pairs: m.pairs ?? 0, pairAccuracy: m.pairAccuracyAfter ?? NaN, seconds: m.seconds ?? 0 };
}
