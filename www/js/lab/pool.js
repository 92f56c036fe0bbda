// @ts-check
// The trainer pool: N trainer workers, each training one run at a time, fed by the one
// augmentation worker over a MessageChannel per trainer. Runs wait in a queue (their position
// is kept on the run) and start on the first free worker. A worker that dies or traps is
// replaced; its run continues from its last checkpoint (or is marked failed with a message when
// it has none or was resumed too often); the other runs go on.

/** @typedef {import('../protocol.js').MainToTrainer} MainToTrainer */
/** @typedef {import('../protocol.js').TrainerToMain} TrainerToMain */
/** @typedef {import('./runs.js').Run} Run */

/**
 * @typedef {{worker: Worker, ready: boolean, runId: number | null, threads: number,
 *   deadline: ReturnType<typeof setTimeout> | null, links: number[]}} Slot  (deadline: the pending
 *   check that the run given to this worker has started, see START_DEADLINES_MS; links: the
 *   augmentation worker's ends of the channels this worker was given, by id)
 */
import { threadsPerRun } from '../threads.js';
import { START_DEADLINES_MS } from '../protocol.js';
import { pageProblem } from '../i18n/index.js';

export class TrainerPool {
  /**
   * @param {number} size trainer workers
   * @param {WebAssembly.Module} module the compiled wasm, shared by every worker
   * @param {(m: import('../protocol.js').MainToAugment, t?: Transferable[]) => void} toAugment
   * @param {(slot: number, m: TrainerToMain) => void} onMessage every message from every worker
   * @param {(slot: number, runId: number | null, why: string | import('../i18n/index.js').Problem) => void} onCrash a worker
   *   died: the browser's message, or the problem its wasm trap reported
   * @param {number} memoryLimit bytes a run may take in a worker (larger configurations are refused)
   * @param {{glue: string | null, cores: number, cap: number}} threads the threaded build's glue
   *   (null: the single-thread build), the cores the runs share, and the most threads per run
   */
  constructor(size, module, toAugment, onMessage, onCrash, memoryLimit, threads) {
    this.module = module;
    this.threads = threads;
    /** Threads each busy run uses now (1 in the single-thread build). */
    this.perRun = 1;
    this.memoryLimit = memoryLimit;
    this.toAugment = toAugment;
    this.onMessage = onMessage;
    this.onCrash = onCrash;
    /** @type {Slot[]} */ this.slots = [];
    /** Run ids waiting for a worker, first first. */
    /** @type {number[]} */ this.queue = [];
    /** @type {Map<number, import('../protocol.js').TrainConfigJson>} */ this.configs = new Map();
    /** Runs to continue from a saved state (their worker died), by id. */
    /** @type {Map<number, import('../protocol.js').Resume>} */ this.resumes = new Map();
    /**
     * Starts that took too long and what the pool did (a new channel, a new worker), oldest
     * first: for the tests and the console.
     * @type {{slot: number, runId: number, action: 'new channel' | 'new worker', afterMs: number}[]}
     */
    this.startRescues = [];
    /** Id of the next channel to the augmentation worker. */
    this.nextLink = 1;
    /**
     * How new runs wait before they are handed to workers: the page passes the frame
     * scheduler's `whenDrawn`, so the views draw the new runs before the cores fill up.
     * @type {(f: () => void) => void}
     */
    this.afterDraw = (f) => f();
    this.scheduling = false;
    for (let i = 0; i < size; i++) this.slots.push(this.spawn(i));
  }

  /** A new trainer worker for slot `i`, wired to the augmentation worker. */
  spawn(/** @type {number} */ i) {
    const worker = new Worker(new URL('../workers/trainer.worker.js', import.meta.url), { type: 'module' });
    /** @type {Slot} */ const slot = { worker, ready: false, runId: null, threads: 1, deadline: null, links: [] };
    worker.onmessage = (/** @type {MessageEvent<TrainerToMain>} */ ev) => {
      const m = ev.data;
      if (m.type === 'ready') slot.ready = true;
      // The run given to this worker has started or ended: its start is no longer watched.
      const mine = 'runId' in m && m.runId === slot.runId;
      const ended = m.type === 'done' || m.type === 'stopped' || m.type === 'error';
      if (mine && (ended || m.type === 'started')) this.unwatch(slot);
      if (mine && ended) slot.runId = null;
      this.onMessage(i, m);
      if (m.type === 'error' && m.fatal) {
        // Its wasm instance trapped: never reuse it; a fresh worker takes the slot. A run it was
        // training whose own step did not trap (the trap came from another message, or from a
        // helper thread while it waited) is lost with it, as in a crash: it continues from its
        // checkpoint.
        const lost = slot.runId;
        this.retire(slot);
        this.slots[i] = this.spawn(i);
        if (lost !== null) this.onCrash(i, lost, m.problem);
        return;
      }
      if (slot.runId === null && slot.ready) this.schedule();
    };
    worker.onerror = (e) => {
      e.preventDefault();
      const lost = slot.runId;
      this.retire(slot);
      this.slots[i] = this.spawn(i);
      this.onCrash(i, lost, e.message || 'the trainer worker stopped unexpectedly');
    };
    const port = this.channel(slot);
    this.post(worker, { type: 'init', module: this.module, port, memoryLimit: this.memoryLimit, maxThreads: this.maxThreadsPerRun, ...(this.threads.glue ? { glue: this.threads.glue } : {}) }, [port]);
    return slot;
  }

  /** A new channel between `slot`'s worker and the augmentation worker: the worker's end. */
  channel(/** @type {Slot} */ slot) {
    const { port1, port2 } = new MessageChannel();
    const link = this.nextLink++;
    slot.links.push(link);
    this.toAugment({ type: 'connect', link, port: port2 }, [port2]);
    return port1;
  }

  /**
   * Stops the worker of `slot` for good, with its pending start check, and the augmentation
   * worker's ends of its channels (with the batch maker of a run it was training, which holds
   * a copy of the training digits: 6 MB for the bundled set, 47 MB for the whole of MNIST).
   */
  retire(/** @type {Slot} */ slot) {
    this.unwatch(slot);
    slot.worker.terminate();
    for (const link of slot.links) this.toAugment({ type: 'disconnect', link });
    slot.links = [];
  }

  /**
   * Checks, `START_DEADLINES_MS[attempt]` from now, that the run just given to slot `i` has
   * started; if not, gives its worker a new channel to the augmentation worker (the trainer
   * asks for the run again over it), or after the last deadline replaces the worker.
   */
  watchStart(/** @type {number} */ i, /** @type {number} */ runId, attempt = 0, since = performance.now()) {
    const slot = this.slots[i];
    this.unwatch(slot);
    slot.deadline = setTimeout(() => {
      slot.deadline = null;
      if (this.slots[i] !== slot || slot.runId !== runId) return;
      const afterMs = Math.round(performance.now() - since);
      if (attempt + 1 < START_DEADLINES_MS.length) {
        this.startRescues.push({ slot: i, runId, action: 'new channel', afterMs });
        console.warn(`trainer worker ${i + 1}: run ${runId} has not started after ${afterMs} ms; giving it a new channel to the augmentation worker`);
        const port = this.channel(slot);
        this.post(slot.worker, { type: 'port', port }, [port]);
        this.watchStart(i, runId, attempt + 1, since);
        return;
      }
      this.startRescues.push({ slot: i, runId, action: 'new worker', afterMs });
      console.warn(`trainer worker ${i + 1}: run ${runId} has not started after ${afterMs} ms; replacing the worker`);
      this.retire(slot);
      this.slots[i] = this.spawn(i);
      this.onCrash(i, runId, pageProblem('startStalled', [Math.round(afterMs / 1000)]));
    }, START_DEADLINES_MS[attempt]);
  }

  /** Cancels the pending start check of `slot`, if any. */
  unwatch(/** @type {Slot} */ slot) {
    clearTimeout(slot.deadline ?? undefined);
    slot.deadline = null;
  }

  post(/** @type {Worker} */ w, /** @type {MainToTrainer} */ m, /** @type {Transferable[]} */ t = []) {
    w.postMessage(m, t);
  }

  /** Whether any worker has finished loading. */
  get ready() {
    return this.slots.some((s) => s.ready);
  }

  /** Queues run `id` with `config`; it starts as soon as a worker is free. */
  submit(/** @type {number} */ id, /** @type {import('../protocol.js').TrainConfigJson} */ config) {
    this.configs.set(id, config);
    this.queue.push(id);
    this.scheduleAfterDraw();
  }

  /**
   * Queues several runs (a sweep, a lesson) at once, in this order, and schedules once: the
   * first is not briefly alone with every core (and a helper thread started) before the
   * others arrive.
   */
  submitAll(/** @type {{id: number, config: import('../protocol.js').TrainConfigJson}[]} */ runs) {
    for (const { id, config } of runs) {
      this.configs.set(id, config);
      this.queue.push(id);
    }
    this.scheduleAfterDraw();
  }

  /** Schedules once `afterDraw` lets it (the queue is filled already: stop and remove see it). */
  scheduleAfterDraw() {
    if (this.scheduling) return;
    this.scheduling = true;
    this.afterDraw(() => {
      this.scheduling = false;
      this.schedule();
    });
  }

  /**
   * Continues run `id` from `resume` (null: from its start) on the next free worker, ahead of
   * the queue.
   */
  resume(/** @type {number} */ id, /** @type {import('../protocol.js').Resume | null} */ resume) {
    if (!this.configs.has(id)) return false;
    if (resume) this.resumes.set(id, resume);
    this.queue.unshift(id);
    this.schedule();
    return true;
  }

  /** Kills the worker in slot `i` as a crash would (a test hook): it is replaced and its run reported lost. */
  kill(/** @type {number} */ i) {
    const slot = this.slots[i];
    if (!slot) return;
    this.retire(slot);
    this.slots[i] = this.spawn(i);
    this.onCrash(i, slot.runId, 'terminated');
  }

  /** Test hook: a helper thread of the worker in slot `i` traps (threaded build), as a bug in a kernel would. */
  trapHelper(/** @type {number} */ i) {
    const slot = this.slots[i];
    if (slot) this.post(slot.worker, { type: 'debug-trap-helper' });
  }

  /** Test hook: the worker in slot `i` runs `jobs` jobs back to back on as many threads as a lone run gets (it must be idle). */
  poolStress(/** @type {number} */ i, /** @type {number} */ jobs, /** @type {number} */ tasks) {
    const slot = this.slots[i];
    if (slot) this.post(slot.worker, { type: 'debug-pool-stress', jobs, tasks, threads: this.maxThreadsPerRun });
  }

  /** The most threads one run gets (a run training alone), in the threaded build. */
  get maxThreadsPerRun() {
    return threadsPerRun(this.threads.cores, 1, this.threads.cap);
  }

  /** Starts queued runs on free workers, after sharing the cores among the runs training. */
  schedule() {
    /** @type {number[]} */ const starting = [];
    for (let i = 0; i < this.slots.length && this.queue.length; i++) {
      const slot = this.slots[i];
      if (!slot.ready || slot.runId !== null) continue;
      slot.runId = /** @type {number} */ (this.queue.shift());
      starting.push(i);
    }
    this.rebalance();
    for (const i of starting) {
      const slot = this.slots[i];
      const id = /** @type {number} */ (slot.runId);
      const resume = this.resumes.get(id);
      this.resumes.delete(id);
      this.post(slot.worker, { type: 'start', runId: id, config: /** @type {any} */ (this.configs.get(id)), ...(resume ? { resume } : {}) });
      this.watchStart(i, id);
      this.onMessage(i, { type: 'assigned', runId: id });
    }
  }

  /**
   * Threaded build: each worker with a run gets cores / runs threads (www/js/threads.js), told
   * before its next step; results do not depend on it, so runs may change count mid-way.
   */
  rebalance() {
    if (!this.threads.glue) return;
    const busy = this.slots.filter((s) => s.runId !== null);
    this.perRun = threadsPerRun(this.threads.cores, busy.length, this.threads.cap);
    for (const s of busy) {
      if (s.threads === this.perRun) continue;
      s.threads = this.perRun;
      this.post(s.worker, { type: 'threads', count: this.perRun });
    }
  }

  /** Position of run `id` in the queue (1 = next), or 0 when not queued. */
  position(/** @type {number} */ id) {
    return this.queue.indexOf(id) + 1;
  }

  /** The slot training run `id`, or -1. */
  slotOf(/** @type {number} */ id) {
    return this.slots.findIndex((s) => s.runId === id);
  }

  /** Stops run `id` wherever it is (queued runs just leave the queue). */
  stop(/** @type {number} */ id) {
    const q = this.queue.indexOf(id);
    if (q >= 0) {
      this.queue.splice(q, 1);
      return;
    }
    const i = this.slotOf(id);
    if (i >= 0) this.post(this.slots[i].worker, { type: 'stop', runId: id });
  }

  /** Sends `m` to the worker in slot `i`. */
  send(/** @type {number} */ i, /** @type {MainToTrainer} */ m, /** @type {Transferable[]} */ t = []) {
    this.slots[i]?.worker.postMessage(m, t);
  }

  /** Sends `m` to any ready worker (descriptions). */
  sendAny(/** @type {MainToTrainer} */ m) {
    const s = this.slots.find((x) => x.ready) ?? this.slots[0];
    s.worker.postMessage(m);
  }

  /** Changes the number of workers; idle ones beyond the new size are terminated. */
  resize(/** @type {number} */ size) {
    while (this.slots.length < size) this.slots.push(this.spawn(this.slots.length));
    while (this.slots.length > size) {
      const last = this.slots[this.slots.length - 1];
      if (last.runId !== null) break; // busy: it goes when its run ends (next resize)
      this.retire(last);
      this.slots.pop();
    }
    this.schedule();
  }
}
