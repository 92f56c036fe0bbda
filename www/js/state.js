// @ts-check
// All settings in one serialisable object, mirrored to the URL query so a configuration can
// be shared or embedded (?act=tanh&lr=0.01&epochs=3…). Parsing never throws: bad parameters
// are reported and replaced by defaults.

/** @typedef {{model: string, activation: string, optimizer: string, lr: number, momentum: number,
 *   batchSize: number, epochs: number, seed: number | null, augment: boolean, strength: number,
 *   noise: number}} Settings */

/** @type {Settings} */
export const DEFAULTS = Object.freeze({
  model: 'lenet5', activation: 'relu', optimizer: 'adam', lr: 0.001, momentum: 0.9,
  batchSize: 64, epochs: 10, seed: 42, augment: true, strength: 1, noise: 0,
});

/** URL key, settings key, parser. Each parser returns a value or throws with the reason. */
const FIELDS = [
  ['model', 'model', oneOf(['lenet5'])],
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
  return { settings, errors };
}

/** The query string for `s`, listing only what differs from the defaults. */
export function toQuery(/** @type {Settings} */ s) {
  const q = new URLSearchParams();
  for (const [key, field] of FIELDS) {
    const v = s[field];
    if (v === DEFAULTS[field]) continue;
    q.set(key, field === 'augment' ? (v ? '1' : '0') : v === null ? 'random' : String(v));
  }
  const str = q.toString();
  return str ? `?${str}` : '';
}

/** The trainer's config object for `s` (see the wasm Trainer constructor). */
export function trainerConfig(/** @type {Settings} */ s, /** @type {number} */ seed) {
  const optimizer = s.optimizer === 'sgd' ? { kind: 'sgd', lr: s.lr, momentum: s.momentum } : { kind: 'adam', lr: s.lr };
  return {
    model: s.model, activation: s.activation, optimizer, batchSize: s.batchSize, epochs: s.epochs, seed,
    augment: { enabled: s.augment, strength: s.strength, noise_std: s.noise },
  };
}
