// @ts-check
/**
 * Messages between the main thread and the two workers, and between the workers over their
 * MessageChannel. Every message is a plain object tagged by `type`.
 *
 * main → augment:  init {module, port} · load-bundled · load-files {files: [{name, bytes}]}
 *                  · set-augment {augment}
 * augment → main:  ready · dataset {source, train, test} · dataset-error {message}
 * main → trainer:  init {module, port} · start {config} · pause · resume · reset
 *                  · predict {id, image} · describe {id, model} · export · import {name, bytes}
 * trainer → main:  ready {simd} · started {seed, params, modelName, probeNames, batchesPerEpoch}
 *                  · metrics {steps, losses, accs, gradNorms, …} (≤ 10 Hz) · epoch {epoch, testAccuracy,
 *                  testLoss} · done · prediction {id, probs} · description {id, model | error}
 *                  · weights {bytes, modelName} · import-result {ok, message} · error {message}
 * trainer → augment (port): run {runId, seed, batchSize, augment} · need {runId, count}
 *                  · recycle {images, labels}
 * augment → trainer (port): run-ready {runId, batchesPerEpoch, trainCount, testImages,
 *                  testLabels, calibImages} · batch {runId, seq, epoch, index, n, images, labels}
 *                  · run-error {runId, message}
 */

/** Batches the trainer keeps requested ahead of the one it is training on. */
export const PREFETCH = 3;

/** Most metrics messages per second from the trainer. */
export const METRICS_HZ = 10;

/** Pixels of one 28×28 digit. */
export const PIXELS = 784;
