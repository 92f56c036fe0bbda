// @ts-check
// All settings in one serialisable object, mirrored to the URL query so a configuration can
// be shared or embedded (?act=tanh&lr=0.01&epochs=3…). Parsing never throws: bad parameters
// are reported and replaced by defaults.

/** @typedef {{model: string, depth: number, shortcut: string, unit: string, cardinality: number,
 *   width: number, aux: boolean, noShortcuts: boolean, activation: string, optimizer: string,
 *   lr: number, momentum: number, batchSize: number, epochs: number, seed: number | null,
 *   augment: boolean, strength: number, noise: number}} Settings */

/** Every preset, its label, and which options apply to it. */
export const MODELS = Object.freeze({
  lenet5: { label: 'LeNet-5 (1998)', options: ['activation'] },
  alexnet_mini: { label: 'AlexNet-mini (2012)', options: [] },
  vgg_mini: { label: 'VGG-mini (2014)', options: [] },
  plain: { label: 'plain-N (no shortcuts)', options: ['depth'], depths: 'six' },
  resnet: { label: 'ResNet-N v1 (2015)', options: ['depth', 'shortcut', 'noShortcuts'], depths: 'six' },
  resnet_v2: { label: 'ResNet-N v2, pre-activation (2016)', options: ['depth', 'shortcut', 'unit', 'noShortcuts'], depths: 'six' },
  bottleneck_resnet: { label: 'Bottleneck ResNet-N', options: ['depth', 'noShortcuts'], depths: 'nine' },
  highway: { label: 'Highway-N (2015)', options: ['depth'], depths: 'six' },
  resnext: { label: 'ResNeXt-N (2017)', options: ['depth', 'cardinality', 'width', 'noShortcuts'], depths: 'nine' },
  inception: { label: 'Inception (2014)', options: ['aux'] },
});

/** Depths a preset accepts: 6n+2 (plain, ResNet, Highway) or 9n+2 (bottleneck, ResNeXt). */
export const DEPTHS = Object.freeze({ six: [8, 14, 20, 32, 44, 56], nine: [11, 20, 29] });

/** @type {Settings} */
export const DEFAULTS = Object.freeze({
  model: 'lenet5', depth: 20, shortcut: 'A', unit: 'e', cardinality: 4, width: 4, aux: true, noShortcuts: false,
  activation: 'relu', optimizer: 'adam', lr: 0.001, momentum: 0.9,
  batchSize: 64, epochs: 10, seed: 42, augment: true, strength: 1, noise: 0,
});

/** URL key, settings key, parser. Each parser returns a value or throws with the reason. */
const FIELDS = [
  ['model', 'model', oneOf(Object.keys(MODELS))],
  ['depth', 'depth', int(8, 56)],
  ['sc', 'shortcut', oneOf(['A', 'B', 'C'])],
  ['unit', 'unit', oneOf(['a', 'b', 'c', 'd', 'e'])],
  ['card', 'cardinality', int(1, 32)],
  ['width', 'width', int(1, 64)],
  ['aux', 'aux', oneOf(['0', '1'], (v) => v === '1')],
  ['nosc', 'noShortcuts', oneOf(['0', '1'], (v) => v === '1')],
  ['act', 'activation', oneOf(['relu', 'tanh', 'sigmoid'])],
  ['opt', 'optimizer', oneOf(['adam', 'sgd'])],
  ['lr', 'lr', num(1e-6, 1)],
  ['mom', 'momentum', num(0, 0.999)],
  ['bs', 'batchSize', int(1, 1024)],
  ['epochs', 'epochs', int(1, 200)],
  ['seed', 'seed', (s) => (s === 'random' ? null : int(0, 2 ** 32 - 1)(s))],
  ['aug', 'augment', oneOf(['0', '1'], (v) => v === '1')],
  ['strength', 'strength', num(0, 2)],
  ['noise', 'noise', num(0, 0.5)],
];

function oneOf(values, map = (v) => v) {
  return (s) => {
    if (!values.includes(s)) throw new Error(`must be one of ${values.join(', ')}`);
    return map(s);
  };
}
function num(lo, hi) {
  return (s) => {
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v) || v < lo || v > hi) throw new Error(`must be a number from ${lo} to ${hi}`);
    return v;
  };
}
function int(lo, hi) {
  return (s) => {
    const v = Number(s);
    if (!/^\d+$/.test(s.trim()) || v < lo || v > hi) throw new Error(`must be a whole number from ${lo} to ${hi}`);
    return v;
  };
}

/**
 * Settings from a query string; unknown or invalid parameters become messages.
 * @param {string} search e.g. location.search
 * @returns {{settings: Settings, errors: string[]}}
 */
export function fromQuery(search) {
  const q = new URLSearchParams(search);
  /** @type {any} */ const settings = { ...DEFAULTS };
  const errors = [];
  const known = new Set(FIELDS.map((f) => f[0]));
  for (const key of q.keys()) if (!known.has(key)) errors.push(`URL parameter "${key}" is not known (known: ${[...known].join(', ')}); ignored`);
  for (const [key, field, parse] of FIELDS) {
    const raw = q.get(key);
    if (raw === null) continue;
    try {
      settings[field] = parse(raw);
    } catch (e) {
      errors.push(`URL parameter ${key}=${JSON.stringify(raw)} ${e.message}; using ${JSON.stringify(DEFAULTS[field])}`);
    }
  }
  const family = MODELS[settings.model].depths;
  if (family && !DEPTHS[family].includes(settings.depth)) {
    errors.push(`depth ${settings.depth} does not fit ${MODELS[settings.model].label}: choose one of ${DEPTHS[family].join(', ')}; using 20`);
    settings.depth = 20;
  }
  return { settings, errors };
}

/** The query string for `s`, listing only what differs from the defaults. */
export function toQuery(/** @type {Settings} */ s) {
  const q = new URLSearchParams();
  for (const [key, field] of FIELDS) {
    const v = s[field];
    if (v === DEFAULTS[field]) continue;
    q.set(key, typeof v === 'boolean' ? (v ? '1' : '0') : v === null ? 'random' : String(v));
  }
  const str = q.toString();
  return str ? `?${str}` : '';
}

/** The trainer's config object for `s` (see the wasm Trainer constructor). */
export function trainerConfig(/** @type {Settings} */ s, /** @type {number} */ seed) {
  const optimizer = s.optimizer === 'sgd' ? { kind: 'sgd', lr: s.lr, momentum: s.momentum } : { kind: 'adam', lr: s.lr };
  return {
    model: modelConfig(s), optimizer, batchSize: s.batchSize, epochs: s.epochs, seed,
    augment: { enabled: s.augment, strength: s.strength, noise_std: s.noise },
  };
}

/** The model part of the wasm Trainer's config (see depthlab_nn::TrainConfig). */
export function modelConfig(/** @type {Settings} */ s) {
  const opts = MODELS[s.model].options;
  /** @type {Record<string, unknown>} */ const m = { model: s.model };
  if (opts.includes('depth')) m.depth = s.depth;
  if (opts.includes('activation')) m.activation = s.activation;
  if (opts.includes('shortcut')) m.shortcut = s.shortcut;
  if (opts.includes('unit')) m.unit = s.unit;
  if (opts.includes('cardinality')) Object.assign(m, { cardinality: s.cardinality, width: s.width });
  if (opts.includes('aux')) m.aux_heads = s.aux;
  if (opts.includes('noShortcuts')) m.remove_shortcuts = s.noShortcuts;
  return m;
}
