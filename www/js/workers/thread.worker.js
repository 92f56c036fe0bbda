// @ts-check
// A helper thread of the threaded build: started by a trainer worker, it instantiates the same
// module on the trainer's shared memory and joins its pool (crates/wasm/src/threads.rs):
// threadHelper() waits for tasks and never returns. The trainer keeps a reference to this
// worker (Firefox would otherwise collect a worker only the shared memory points to).

self.onmessage = async (/** @type {MessageEvent<import('../protocol.js').TrainerToThread>} */ ev) => {
  const m = ev.data;
  if (m?.type !== 'thread-init') return;
  /** @type {typeof import('../../../depthlab-wasm.js')} */
  const glue = await import(m.glue);
  await glue.default({ module_or_path: m.module, memory: m.memory });
  glue.threadHelper();
};
