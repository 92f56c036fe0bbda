// @ts-check
// Starts the threaded build's helper threads (thread.worker.js) for a worker that runs that
// build: each instantiates the module on the worker's shared memory and joins its pool
// (crates/wasm/src/threads.rs). The Worker objects are kept here: Firefox would otherwise
// collect a worker only the shared memory refers to.

/** @type {Worker[]} */ const started = [];

/**
 * Makes sure `count` helpers exist (started ones are kept; none is stopped).
 * @param {string} glue the threaded build's glue URL
 * @param {WebAssembly.Module} module
 * @param {WebAssembly.Memory} memory the caller's (shared) memory
 * @param {number} count
 * @param {(message: string) => void} onError a helper failed to start or trapped
 */
export function startHelpers(glue, module, memory, count, onError) {
  while (started.length < count) {
    const h = new Worker(new URL('./thread.worker.js', import.meta.url), { type: 'module' });
    h.onerror = (e) => {
      e.preventDefault();
      onError(e.message || 'unknown');
    };
    h.postMessage({ type: 'thread-init', glue, module, memory });
    started.push(h);
  }
}
