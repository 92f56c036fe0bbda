// @ts-check
// Finished runs survive a reload: each run that ends (done, stopped, failed) is written to
// IndexedDB — its settings, config, name, colour and metrics, and its weights (safetensors) when
// "Keep weights" is on — and read back
// when the page opens. Removing a run deletes it; "Clear runs" deletes them all. Storage that
// fails (private mode, quota) is reported once and the page goes on without it.

/** @typedef {import('./runs.js').Run} Run */

const DB = 'depthlab';
const STORE = 'runs';
/** Fields of a run that are kept (the rest is live state: worker, previews, queue position). */
const KEPT = /** @type {const} */ (['id', 'settings', 'config', 'color', 'customName', 'modelName', 'status', 'problem', 'visible', 'seed', 'params',
  'probeNames', 'probes', 'totalSteps', 'bpe', 'samplesPerSec', 'waitFraction', 'elapsed', 'message', 'createdAt', 'sweep', 'metrics', 'weights', 'test']);

/** @returns {Promise<IDBDatabase>} */
function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** @template T @param {IDBRequest<T>} req @returns {Promise<T>} */
const done = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

export class RunArchive {
  /** @param {(message: string) => void} onError told once when storage does not work */
  constructor(onError) {
    this.onError = onError;
    this.failed = false;
    /** @type {Promise<IDBDatabase> | null} */ this.db = null;
  }

  /** @template T @param {(s: IDBObjectStore) => IDBRequest<T>} fn @param {IDBTransactionMode} mode */
  async with(fn, mode) {
    if (this.failed) return undefined;
    try {
      this.db ??= open();
      const db = await this.db;
      return await done(fn(db.transaction(STORE, mode).objectStore(STORE)));
    } catch (e) {
      this.failed = true;
      this.onError(String(/** @type {Error} */ (e).message ?? e));
      return undefined;
    }
  }

  /** Every kept run, oldest first. */
  async load() {
    const all = /** @type {Run[] | undefined} */ (await this.with((s) => s.getAll(), 'readonly'));
    return (all ?? []).sort((a, b) => a.id - b.id);
  }

  /** Keeps `run` (called when it ends or is renamed, hidden or shown). */
  save(/** @type {Run} */ run) {
    /** @type {Record<string, unknown>} */ const rec = {};
    for (const k of KEPT) rec[k] = run[k];
    return this.with((s) => s.put(rec), 'readwrite');
  }

  remove(/** @type {number} */ id) {
    return this.with((s) => s.delete(id), 'readwrite');
  }

  clear() {
    return this.with((s) => s.clear(), 'readwrite');
  }
}
