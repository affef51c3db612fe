/** Opens the database and runs schema migrations; the only place that knows store layout. */
import { openDB, deleteDB, type IDBPDatabase } from 'idb';
import { DB_NAME, DB_VERSION, type TaskMemDB } from './schema';

export type Db = IDBPDatabase<TaskMemDB>;

/** Each entry upgrades the schema from version i to i + 1; never edit one that has shipped. */
const MIGRATIONS: ((db: Db) => void)[] = [
  (db) => {
    const streams = db.createObjectStore('streams', { keyPath: 'id' });
    streams.createIndex('byCreated', 'createdAt');
    const memories = db.createObjectStore('memories', { keyPath: ['streamId', 'clipIndex'] });
    memories.createIndex('byStream', 'streamId');
    memories.createIndex('byCreated', 'createdAt');
    const tasks = db.createObjectStore('tasks', { keyPath: 'id', autoIncrement: true });
    tasks.createIndex('byAsked', 'askedAt');
    tasks.createIndex('byStream', 'streamId');
    const adapters = db.createObjectStore('adapters', { keyPath: ['modelId', 'layer', 'version'] });
    adapters.createIndex('byModel', 'modelId');
    db.createObjectStore('settings', { keyPath: 'key' });
  },
];

export async function openTaskMemDb(name = DB_NAME): Promise<Db> {
  if (MIGRATIONS.length !== DB_VERSION) throw new Error('schema version and migrations disagree');
  return openDB<TaskMemDB>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      for (let v = oldVersion; v < DB_VERSION; v++) MIGRATIONS[v](db);
    },
    blocking(_current, _blocked, event) {
      // A newer tab wants to upgrade: step aside instead of blocking it forever.
      (event.target as IDBDatabase).close();
    },
  });
}

export async function deleteTaskMemDb(name = DB_NAME): Promise<void> {
  await deleteDB(name);
}
