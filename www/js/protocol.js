// @ts-check
// Every message between the main thread and the two workers, and between the workers over
// their MessageChannel: plain objects tagged by `type`, declared once here. Each sender posts
// through a function typed with its channel's union and each receiver switches on `type`, so
// `cargo xtask check` (TypeScript, checkJs) refuses a wrong or missing field.

/** Batches the trainer keeps requested ahead of the one it is training on. */
export const PREFETCH = 3;

/**
 * Most metrics messages per second from the trainer. Each one redraws every view: about 7 ms
 * of the page's main thread and as much again in compositing, for ResNet-20 in headless Chromium.
 * When every core trains, that time comes out of training: at 10 a second (one per ResNet-20
 * step on 2 threads) the page's own threads took 17 ms of CPU per step, at 4 a second 9 ms.
 * Four updates a second still move the curves smoothly.
 */
export const METRICS_HZ = 4;

/** Seconds between the trainer's in-memory checkpoints of a running run (for crash recovery). */
export const CHECKPOINT_SECONDS = 5;

/**
 * How long the pool waits for a trainer to report a run 'started', in turn, before it acts
 * (a start takes tens of milliseconds: the model is built and the augmentation worker answers
 * with the test digits). After each of the first ones it gives the trainer a new channel to
 * the augmentation worker, over which the trainer asks for the run again: a message lost
 * between the two workers (a run once stood 'starting' for three minutes in headless Firefox,
 * in CI, with no error) costs seconds instead of the run. After the last one the trainer's
 * thread is taken as blocked: the worker is replaced and the run starts on a new one.
 */
export const START_DEADLINES_MS = [5000, 5000, 10000];

/**
 * The trainer's config: depthlab_nn::TrainConfig as JSON (built by state.js from the catalogue).
 * @typedef {{model: Record<string, unknown>, batch_size: number, epochs: number, steps: number, seed: number | null,
 *   augment: AugmentSettings, [key: string]: unknown}} TrainConfigJson
 * @typedef {{enabled: boolean, strength: number, noise_std: number}} AugmentSettings
 * @typedef {{name: string, bytes: Uint8Array}} NamedBytes
 * @typedef {'safetensors' | 'pytorch' | 'onnx'} ExportFormat what Export writes: the weights, a PyTorch folder (zipped), an ONNX graph
 * @typedef {import('./i18n/index.js').Problem} Problem
 * @typedef {{name: string, kind: string, output: number[], params: number, macs: number}} CostRow
 * @typedef {{total: number, params: number, optimizer: number, activations: number, scratch: number}} MemoryEstimate
 * @typedef {{name: string, params: number, macs: number, memory: MemoryEstimate, memoryLimit: number, memoryProblem?: Problem, rows: CostRow[], spec: {name: string, layers: {type: string, [k: string]: any}[], remove_shortcuts?: boolean}}} ModelDescription
 */

/**
 * What a model answered for every test digit at an evaluation (for the confusion matrix and
 * the most confidently wrong digits): the true labels, the predicted class, the probability
 * given to the prediction and to the true class.
 * @typedef {{labels: Uint8Array, predicted: Uint8Array, confidence: Float32Array, trueProb: Float32Array}} TestAnswers
 */

/**
 * What one convolution passes on for one image: `data` holds `shape[0]` maps of
 * `shape[1]×shape[2]`.
 * @typedef {{layer: string, shape: number[], data: Float32Array}} FeatureMap
 */

/**
 * A run's training state at step `step` (Trainer.saveState), kept on the main thread so a run
 * whose worker dies continues, bit for bit, in a new one.
 * @typedef {{step: number, bytes: Uint8Array}} Resume
 */

/**
 * main → augmentation worker
 * @typedef {{type: 'init', module: WebAssembly.Module}
 *   | {type: 'connect', link: number, port: MessagePort}
 *   | {type: 'disconnect', link: number}
 *   | {type: 'debug-drop-run', count: number}
 *   | {type: 'debug-links'}
 *   | {type: 'load-bundled'}
 *   | {type: 'load-files', files: NamedBytes[]}
 *   | {type: 'test-images', id: number, indices: number[]}} MainToAugment  ('connect' gives it its end of a
 *   trainer's channel, 'disconnect' takes it back when that trainer is gone; test hooks: 'debug-drop-run' ignores the
 *   next `count` 'run' requests from trainers, as if those messages were lost; 'debug-links' is answered by 'links')
 */

/**
 * augmentation worker → main
 * @typedef {{type: 'ready'}
 *   | {type: 'dataset', source: Problem, train: number, test: number}
 *   | {type: 'dataset-error', problem: Problem}
 *   | {type: 'test-images', id: number, images: Uint8Array | null, message?: string}
 *   | {type: 'links', open: number, runs: number}} AugmentToMain
 */

/**
 * main → trainer worker
 * @typedef {{type: 'init', module: WebAssembly.Module, port: MessagePort, memoryLimit: number, maxThreads: number, glue?: string}
 *   | {type: 'threads', count: number}
 *   | {type: 'port', port: MessagePort}
 *   | {type: 'start', runId: number, config: TrainConfigJson, resume?: Resume}
 *   | {type: 'pause', runId: number} | {type: 'resume', runId: number} | {type: 'stop', runId: number}
 *   | {type: 'discard', runId: number}
 *   | {type: 'predict', id: number, runId: number, image: Float32Array}
 *   | {type: 'features', id: number, runId: number, image: Float32Array}
 *   | {type: 'describe', id: number, config: TrainConfigJson}
 *   | {type: 'export', runId: number, keep?: boolean, format?: ExportFormat}
 *   | {type: 'restore', runId: number, config: TrainConfigJson, bytes: Uint8Array}
 *   | {type: 'import', runId: number, name: string, bytes: Uint8Array}
 *   | {type: 'debug-trap-helper'}
 *   | {type: 'debug-hang'}
 *   | {type: 'debug-pool-stress', jobs: number, tasks: number, threads: number}} MainToTrainer  (test hooks: 'debug-trap-helper' makes a
 *   helper thread trap; 'debug-hang' blocks the worker's thread for good; 'debug-pool-stress' runs jobs back to back on
 *   the worker's thread pool, answered by 'pool-stress'. 'port' is a new channel to the augmentation worker, see
 *   START_DEADLINES_MS)
 */

/**
 * trainer worker → main
 * @typedef {{type: 'metrics', runId: number, steps: number[], losses: number[], accs: number[], hashes: number[],
 *   step: number, epoch: number,
 *   batchInEpoch: number, batchesPerEpoch: number, epochs: number, samplesPerSec: number, waitFraction: number,
 *   elapsed: number, threads: number, batchesReceived: number, producedByAugmenter: number, memoryBytes: number,
 *   preview: Uint8Array | null, probeStep: number, probes: Float32Array | null}} MetricsMessage
 * @typedef {{type: 'ready', simd: string, threaded: boolean, memoryBytes: number}
 *   | {type: 'started', runId: number, totalSteps: number, epochs: number, seed: number, params: number, modelName: string, probeNames: string[],
 *      batchesPerEpoch: number, trainCount: number, testCount: number, memoryBytes: number}
 *   | MetricsMessage
 *   | {type: 'epoch', runId: number, epoch: number, testAccuracy: number, testLoss: number, evalMs: number, test: TestAnswers}
 *   | {type: 'done', runId: number, step: number, elapsed: number}
 *   | {type: 'checkpoint', runId: number, step: number, bytes: Uint8Array}
 *   | {type: 'stopped', runId: number, memoryBytes?: number}
 *   | {type: 'paused', runId: number, step: number}
 *   | {type: 'prediction', id: number, probs: Float32Array | null}
 *   | {type: 'features', id: number, runId: number, maps: FeatureMap[], filters: {shape: number[], data: Float32Array} | null}
 *   | {type: 'description', id: number, model?: ModelDescription, error?: Problem}
 *   | {type: 'weights', runId: number, keep: boolean, bytes: Uint8Array<ArrayBuffer>, modelName: string}
 *   | {type: 'restored', runId: number}
 *   | {type: 'export-files', runId: number, format: ExportFormat, modelName: string, files: [string, Uint8Array<ArrayBuffer>][]}
 *   | {type: 'import-result', ok: boolean, problem: Problem}
 *   | {type: 'pool-stress', wrong?: number, helpers?: number, ms?: number, error?: string}
 *   | {type: 'error', runId?: number, problem: Problem, fatal?: boolean}
 *   | {type: 'assigned', runId: number}} TrainerToMain  ('assigned' is made by the pool on the main thread; 'paused'
 *   confirms a pause: every step up to `step` was sent and none follows until resume)
 */

/**
 * trainer worker → its helper threads (threaded build; thread.worker.js)
 * @typedef {{type: 'thread-init', glue: string, module: WebAssembly.Module, memory: WebAssembly.Memory}} TrainerToThread
 */

/**
 * trainer → augmentation worker (MessagePort)
 * @typedef {{type: 'run', runId: number, seed: number, batchSize: number, augment: AugmentSettings, startAt: number}
 *   | {type: 'need', runId: number, count: number}
 *   | {type: 'recycle', runId: number, images: Float32Array, labels: Uint8Array}
 *   | {type: 'stop', runId: number}} TrainerToAugment
 */

/**
 * augmentation → trainer worker (MessagePort)
 * @typedef {{type: 'batch', runId: number, seq: number, epoch: number, index: number, n: number,
 *   images: Float32Array, labels: Uint8Array, produced: number}} BatchMessage
 * @typedef {{type: 'run-ready', runId: number, batchesPerEpoch: number, trainCount: number,
 *   testImages: Float32Array, testLabels: Uint8Array, calibImages: Float32Array}
 *   | BatchMessage
 *   | {type: 'run-error', runId: number, problem: Problem}} AugmentToTrainer
 */

export {};
