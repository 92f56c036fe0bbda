// @ts-check
// A helper thread of the threaded build: started by a trainer worker, it instantiates the same
// module on the trainer's shared memory and joins its pool (crates/wasm/src/threads.rs):
// threadHelper() waits for tasks and never returns (unless it traps). The trainer keeps a reference to this
// worker (Firefox would otherwise collect a worker only the shared memory points to).

self.onmessage = async (/** @type {MessageEvent<import('../protocol.js').TrainerToThread>} */ ev) => {
  const m = ev.data;
  if (m?.type !== 'thread-init') return;
  /** @type {typeof import('../../../depthlab-wasm.js')} */
  const glue = await import(m.glue);
  await glue.default({ module_or_path: m.module, memory: m.memory });
  const flag = glue.threadFailureFlag();
  try {
    glue.threadHelper();
  } catch (e) {
    // This instance trapped inside a task, which will never report done: raise the pool's
    // failure flag so that the thread waiting for it stops waiting (and traps in turn; the page
    // replaces that worker). Plain JS on the shared memory: this instance may be unusable.
    const cells = new Int32Array(m.memory.buffer);
    Atomics.store(cells, flag >> 2, 1);
    Atomics.notify(cells, flag >> 2);
    throw e;
  }
};
