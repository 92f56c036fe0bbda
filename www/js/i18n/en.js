// @ts-check
// English: every word of the lessons and of the page chrome the lessons touch. One catalogue
// per language (zh.js mirrors this file key for key; a test checks they have the same keys).

/** @typedef {{name: string, loss?: number, acc?: number, ratio?: number, params?: number, macs?: number, rate?: number}} Measured */

const pct = (/** @type {number | undefined} */ a) => (a === undefined ? '–' : `${(a * 100).toFixed(1)}%`);
const num = (/** @type {number | undefined} */ v, d = 3) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));
const big = (/** @type {number | undefined} */ n) => (n === undefined ? '–' : n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n));

export default {
  lang: 'en',
  name: 'English',
  ui: {
    language: 'Language',
    lessons: 'Lessons',
    lessonsIntro: 'Each lesson reproduces one claim of an article on why deep networks are hard to train (LeNet → AlexNet → VGG → ResNet → Highway → Inception → ResNeXt). Open one, press Run, watch the curves part, read what happened.',
    freeLab: 'Free lab',
    freeLabHint: 'Every setting, your own runs and sweeps.',
    open: 'Open',
    run: 'Run this lesson',
    running: 'Running…',
    back: '← All lessons',
    claim: 'The claim',
    look: 'What to look at',
    measured: 'What this run measured',
    next: 'Try next',
    notYet: 'Press “Run this lesson”: the result appears here as the runs finish.',
    lessonN: (/** @type {number} */ n) => `Lesson ${n}`,
    runsOf: (/** @type {number} */ done, /** @type {number} */ all) => `${done} of ${all} runs finished`,
    unknownLesson: (/** @type {string} */ id, /** @type {string} */ ids) => `There is no lesson "${id}"; the lessons are ${ids}. Showing the list.`,
    unknownLang: (/** @type {string} */ l, /** @type {string} */ langs) => `No language "${l}"; available: ${langs}. Using English.`,
  },
  /** The page's fixed text, by the `data-i18n` key of its element in index.html. */
  chrome: {
    model: 'Model',
    training: 'Training',
    augmentation: 'Augmentation',
    data: 'Data',
    start: 'Start',
    pause: 'Pause',
    resume: 'Resume',
    clearRuns: 'Clear runs',
    export: 'Export',
    runs: 'Runs',
    keepWeights: 'Keep weights',
    trainerWorkers: 'Trainer workers',
    sweepSummary: 'Depth sweep: two families at several depths, one step budget — does training get harder with depth?',
    kStatus: 'status',
    kEpoch: 'epoch',
    kRate: 'samples/s',
    kTest: 'test accuracy',
    kWait: 'waiting for data',
    kParams: 'parameters',
    capLoss: 'Training loss per step (smoothed), every visible run',
    capAcc: 'Accuracy: training (smoothed, lines) and test (each epoch’s end, dots)',
    insideSummary: 'Inside the network: gradient flow over training, and the signal through every layer',
    statistic: 'statistic',
    besideIt: 'beside it',
    featuresSummary: 'What the layers compute: the first filters, and the feature maps of every convolution for one digit',
    testSummary: 'The test set through the selected run’s eyes: confusion matrix and the most confidently wrong digits',
    batchCaption: 'The batch being trained on, as the augmentation worker made it',
    drawCaption: 'Draw a digit: the model’s answer',
    clear: 'Clear',
    archSummary: 'The architecture, drawn: blocks, branches and shortcut paths, with shapes, parameters and MACs (click a block to highlight its rows)',
    costSummary: 'Cost table: output shape, parameters and multiply-accumulates of every layer',
  },
  /** Setting labels and help by key; English ones are the catalogue's own (crates/nn/src/catalog/settings.rs). */
  settings: /** @type {Record<string, {label: string, help: string}>} */ ({}),
  /** The result sentence, by the lesson's measure. */
  measure: {
    final_loss: (/** @type {Measured[]} */ rs) => `Final training loss (mean of the last 10% of steps) and test accuracy: ${rs.map((r) => `${r.name} ${num(r.loss)} (${pct(r.acc)})`).join('; ')}.`,
    gradient_ratio: (/** @type {Measured[]} */ rs) => `First layer's weight gradient over the last layer's, at the last probed step: ${rs.map((r) => `${r.name} ${r.ratio === undefined ? '–' : r.ratio.toExponential(1)}`).join('; ')}.`,
    cost: (/** @type {Measured[]} */ rs) => `Parameters, multiply-accumulates per digit, training speed and test accuracy: ${rs.map((r) => `${r.name}: ${big(r.params)} parameters, ${big(r.macs)} MACs, ${num(r.rate, 0)} samples/s, ${pct(r.acc)}`).join('; ')}.`,
  },
  lessons: {
    'deeper-wider': {
      title: 'From LeNet-5 to AlexNet to VGG: deeper and wider',
      claim: 'Each generation stacked more and wider convolutions — LeNet-5 (1998), AlexNet (2012), VGG (2014) — and bought accuracy with parameters and computation.',
      look: 'The cost table and the architecture: where the parameters sit (the fully connected layers) and where the multiply-accumulates go (the convolutions). Then the accuracy each buys in the same 200 steps.',
      next: 'In the lab, train each for a full epoch and compare the test accuracy each parameter buys.',
    },
    degradation: {
      title: 'Degradation: deeper plain nets train worse',
      claim: 'Stacking more layers onto a plain network makes its training error higher, not lower — and this is not overfitting, because it is the training error that rises (He et al. 2016, Fig. 1).',
      look: 'The sweep chart: final training loss against depth. The deepest plain net should end higher than a shallower one, on the very data it trains on.',
      next: 'Run the next lesson, which adds the ResNets of the same depths.',
    },
    'residual-fix': {
      title: 'The residual fix: identity shortcuts stop the degradation',
      claim: 'The same layers with identity shortcuts (option A) do not degrade: each deeper ResNet ends no worse than the shallower ones (He et al. 2016, Fig. 6).',
      look: 'Two lines in the sweep chart: plain nets turn upward with depth, ResNets keep falling.',
      next: 'Add depths 44 and 56 in the lab’s depth sweep (longer, but the gap widens).',
    },
    'vanishing-gradients': {
      title: 'Vanishing gradients: sigmoid plain net vs ReLU vs ResNet',
      claim: 'Through many sigmoid layers the gradient shrinks at every layer (the sigmoid’s slope is at most 1/4), so the first layers barely learn. ReLU keeps more of it; identity shortcuts carry it past the nonlinearities.',
      look: 'The gradient-flow heatmaps, the plain sigmoid net beside the ResNet, on one colour scale: the bottom rows (input side) of the plain sigmoid net are dark — orders of magnitude less gradient.',
      next: 'Turn batch norm back on for the plain sigmoid net and watch the heatmap even out.',
    },
    'shortcut-options': {
      title: 'Shortcut options A, B and C',
      claim: 'Zero-padded identities (A), projections only where the shape changes (B) and projections everywhere (C) end up close: projections are not essential to solve degradation (He et al. 2016, Table 3).',
      look: 'The final losses side by side, and the architecture: dashed zero-padding versus 1×1 projection boxes.',
      next: 'Repeat at depth 56 in the lab, where B’s extra parameters matter less still.',
    },
    'pre-activation': {
      title: 'Pre-activation: ResNet v1 vs v2',
      claim: 'Moving batch norm and ReLU in front of the convolutions (unit e, “full pre-activation”) leaves the shortcut path a pure identity, which trains deeper nets more easily (He et al. 2016b).',
      look: 'The two loss curves, and the gradient flow: the v2 net’s shortcut path carries the gradient without a nonlinearity.',
      next: 'In the lab, compare the units a–e of ResNet v2 at the same depth.',
    },
    bottleneck: {
      title: 'The 1×1 bottleneck of Inception',
      claim: 'On a 28×28×192 input, 32 filters of 5×5 cost 120,422,400 multiplies; a 16-channel 1×1 reduction first cuts that to 2,408,448 + 10,035,200 = 12,443,648 — about 10× less — and the network still learns.',
      look: 'The cost table of GoogLeNet’s inception (3a): the b5 rows with and without the reduction. Then the two runs’ losses and speeds.',
      next: 'Open the Inception preset: every module there uses the same trick.',
    },
    cardinality: {
      title: 'Cardinality vs width: ResNeXt',
      claim: 'At (nearly) the same number of parameters, splitting a block’s 3×3 convolution into more, narrower groups (cardinality) trains as well as or better than a single wide group (Xie et al. 2017, Table 2).',
      look: 'Three ResNeXt-11s with 128.8 k, 124.0 k and 125.2 k parameters: 1 group of 16 channels, 4 of 6, 16 of 2. Their parameters, speed and accuracy side by side.',
      next: 'Try ResNeXt-20 in the lab, or cardinality 32 with width 2.',
    },
    'shortcut-ablation': {
      title: 'Shortcut ablation: remove them and see',
      claim: 'A ResNet with its shortcuts removed is a plain net again: the same layers, trained the same way, end higher.',
      look: 'The loss curves side by side, then the gradient flow: without shortcuts the first layers get less.',
      next: 'Repeat at depth 56 in the lab, where the gap is larger.',
    },
  },
};
