// @ts-check
// The settings of the page as one serialisable object, mirrored to the URL query so a
// configuration can be shared or embedded (?model=resnet&depth=32&lr=0.01…). Which settings
// exist, their defaults, ranges and when they apply all come from depthlab-nn's catalogue
// (exported by the wasm module as `catalog()`); this file keeps only the mapping between the
// URL, the settings object and the trainer's config. Parsing never throws: bad parameters are
// reported and replaced by defaults.
import { words, say, problemOf, coded } from './i18n/index.js';

/**
 * @typedef {{type: 'choice', values: string[], default: string}
 *   | {type: 'int', min: number, max: number, default: number, random: boolean}
 *   | {type: 'float', min: number, max: number, default: number, step: number, slider: boolean}
 *   | {type: 'bool', default: boolean}} Kind
 * @typedef {{key: string, path: string, group: 'model' | 'training' | 'augment', label: string, help: string,
 *   kind: Kind, when: {key: string, values: string[]} | null}} Setting
 * @typedef {{preset: string, label: string, paper: string, year: number, options: string[],
 *   depth: {a: number, offered: number[]} | null}} PresetInfo
 * @typedef {{presets: PresetInfo[], settings: Setting[], pixels: number, calibrationDigits: number,
 *   probeFields: {key: string, label: string, help: string, log: boolean}[], errorCodes: string[],
 *   sweep: {families: string[], depths: number[], budget: [string, string][]}}} Catalog
 * @typedef {Record<string, string | number | boolean | null>} Settings  keyed by setting key; `null` = random seed
 */

/**
 * Page-only settings (not part of a run's configuration), by URL key.
 * `workers`: trainer workers in the pool (default: one per core), with its range;
 * `lang`: the page's language (i18n/index.js checks it); `lesson`: the open lesson's id, or
 * `index` for the list (app.js checks it against the catalogue's lessons); `embed`, `hide`, `autostart`,
 * `host`: embedding (embed.js checks them); `runs`: a comparison — the runs a copied link trains, at most
 * `max` (see SettingsModel.runsToQuery).
 */
export const PAGE_SETTINGS = Object.freeze({ workers: { min: 1, max: 16 }, threads: {}, fma: {}, lang: {}, lesson: {}, embed: {}, hide: {}, autostart: {}, host: {}, runs: { max: 10 }, sweep: {} });

/** The text form of a value, as the catalogue and the URL write it. */
export function text(/** @type {string | number | boolean | null} */ v) {
  return v === null ? 'random' : String(v);
}

/** Settings, URL and trainer-config conversions for one catalogue. */
export class SettingsModel {
  /** @param {Catalog} catalog */
  constructor(catalog) {
    this.catalog = catalog;
    /** @type {Map<string, Setting>} */
    this.byKey = new Map(catalog.settings.map((s) => [s.key, s]));
    /** @type {Map<string, PresetInfo>} */
    this.presets = new Map(catalog.presets.map((p) => [p.preset, p]));
  }

  /** @returns {Settings} every setting at its default */
  defaults() {
    /** @type {Settings} */ const s = {};
    for (const st of this.catalog.settings) s[st.key] = st.kind.default;
    return s;
  }

  /**
   * Parses `raw` for setting `s`; throws with the reason.
   * @param {Setting} s @param {string} raw
   */
  parse(s, raw) {
    const k = s.kind;
    const v = raw.trim();
    switch (k.type) {
      case 'choice':
        if (!k.values.includes(v)) throw coded('setting.choice', { key: s.key, value: v.slice(0, 60), choices: k.values.join(', ') }, `${s.key} "${v}" is not one of ${k.values.join(', ')}`);
        return v;
      case 'bool':
        if (!['true', 'false', '1', '0'].includes(v)) throw coded('setting.bool', { key: s.key, value: v }, `${s.key} "${v}" is not true or false`);
        return v === 'true' || v === '1';
      case 'int': {
        if (k.random && v === 'random') return null;
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < k.min || n > k.max) throw coded('setting.int', { key: s.key, value: v.slice(0, 60), min: k.min, max: k.max }, `${s.key} "${v}" is not a whole number from ${k.min} to ${k.max}`);
        return n;
      }
      case 'float': {
        const n = Number(v);
        // Compared as the trainer will (f32), so the page never accepts what Rust refuses.
        const f = Math.fround(n);
        if (v === '' || !Number.isFinite(n) || f < Math.fround(k.min) || f > Math.fround(k.max)) throw coded('setting.float', { key: s.key, value: v.slice(0, 60), min: k.min, max: k.max }, `${s.key} "${v}" is not a number from ${k.min} to ${k.max}`);
        return n;
      }
    }
  }

  /** Whether setting `s` applies under `settings` (the preset takes it; its condition holds). */
  applies(/** @type {Setting} */ s, /** @type {Settings} */ settings) {
    if (s.group === 'model' && s.key !== 'model') return this.presets.get(String(settings.model))?.options.includes(s.key) ?? false;
    return !s.when || s.when.values.includes(text(settings[s.when.key]));
  }

  /** Depths offered for the current preset (empty when it has no depth). */
  depths(/** @type {Settings} */ settings) {
    return this.presets.get(String(settings.model))?.depth?.offered ?? [];
  }

  /**
   * Settings from a query string; unknown or invalid parameters become messages and keep
   * their defaults.
   * @param {string} search e.g. location.search
   * @returns {{settings: Settings, errors: string[]}}
   */
  fromQuery(search) {
    const q = new URLSearchParams(search);
    const settings = this.defaults();
    const errors = [];
    for (const key of new Set(q.keys())) {
      if (!this.byKey.has(key) && !(key in PAGE_SETTINGS)) errors.push(words().msg.urlUnknown(key.slice(0, 60), [...this.byKey.keys()].join(', ')));
    }
    for (const s of this.catalog.settings) {
      const raw = q.get(s.key);
      if (raw === null) continue;
      try {
        settings[s.key] = this.parse(s, raw);
      } catch (e) {
        errors.push(words().msg.urlValue(s.key, say(problemOf(e)), text(s.kind.default)));
      }
    }
    const offered = this.depths(settings);
    if (offered.length && !offered.includes(Number(settings.depth))) {
      const d = Number(this.byKey.get('depth')?.kind.default);
      const fallback = offered.includes(d) ? d : offered[0];
      const preset = String(settings.model);
      errors.push(words().msg.depthNotOffered(String(settings.depth), words().presets[preset] ?? this.presets.get(preset)?.label ?? preset, offered.join(', '), fallback));
      settings.depth = fallback;
    }
    return { settings, errors };
  }

  /**
   * A comparison as one URL parameter value: each run's settings that differ from the defaults
   * as `key:value` pairs joined by `,`, runs joined by `;` (catalogue keys and values never
   * contain these characters). A run's seed is always written, so a link reproduces it.
   * @param {Settings[]} runs
   */
  runsToQuery(runs) {
    return runs.map((r) => this.catalog.settings
      .filter((s) => r[s.key] !== s.kind.default || s.key === 'seed')
      .map((s) => `${s.key}:${text(r[s.key])}`).join(',')).join(';');
  }

  /**
   * The runs of a `runs=` value: each from the defaults and its pairs; a bad pair or run is a
   * message (naming the run by its place) and is left out.
   * @param {string} value
   * @returns {{runs: Settings[], errors: string[], places: number[]}} `places`: each accepted run's place in the list (1-based)
   */
  runsFromQuery(value) {
    /** @type {Settings[]} */ const runs = [];
    /** @type {number[]} */ const places = [];
    const errors = [];
    const items = value.split(';').filter((x) => x.trim() !== '');
    if (items.length > PAGE_SETTINGS.runs.max) errors.push(words().msg.runsTooMany(items.length, PAGE_SETTINGS.runs.max));
    for (const [i, item] of items.slice(0, PAGE_SETTINGS.runs.max).entries()) {
      const s = this.defaults();
      let ok = true;
      for (const pair of item.split(',')) {
        const [key, raw] = pair.split(':');
        const st = this.byKey.get(key ?? '');
        if (!st || raw === undefined) {
          errors.push(words().msg.runsPair(i + 1, pair.slice(0, 60)));
          ok = false;
          continue;
        }
        try {
          s[st.key] = this.parse(st, raw);
        } catch (e) {
          errors.push(words().msg.runsValue(i + 1, say(problemOf(e))));
          ok = false;
        }
      }
      if (ok) {
        runs.push(s);
        places.push(i + 1);
      }
    }
    return { runs, errors, places };
  }

  /**
   * The runs of a `sweep=` value (places in `runs=`, 1-based, comma-separated) that form one
   * depth sweep, as indices into the accepted runs; a bad value is a message and no sweep.
   * @param {string} value @param {number[]} places the accepted runs' places (runsFromQuery)
   * @returns {{members: number[], error: string | null}}
   */
  sweepFromQuery(value, places) {
    const items = value.split(',');
    const members = [];
    for (const item of items) {
      const at = /^\d{1,3}$/.test(item) ? places.indexOf(Number(item)) : -1;
      if (at < 0 || members.includes(at)) return { members: [], error: words().msg.sweepParam(JSON.stringify(value.slice(0, 40)), places.length) };
      members.push(at);
    }
    return { members, error: null };
  }

  /** The query string for `settings`, listing only what differs from the defaults. */
  toQuery(/** @type {Settings} */ settings) {
    const q = new URLSearchParams();
    for (const s of this.catalog.settings) {
      if (settings[s.key] !== s.kind.default) q.set(s.key, text(settings[s.key]));
    }
    const str = q.toString();
    return str ? `?${str}` : '';
  }

  /**
   * The trainer's config (depthlab_nn::TrainConfig as JSON): every setting written at its
   * catalogue path (`model.depth`, `augment.noise_std`, …).
   * @param {Settings} settings @param {number | null} seed the seed to use (`null`: random)
   * @returns {import('./protocol.js').TrainConfigJson}
   */
  trainerConfig(settings, seed = /** @type {number | null} */ (settings.seed ?? null)) {
    /** @type {Record<string, any>} */ const config = {};
    for (const s of this.catalog.settings) {
      const parts = s.path.split('.');
      let obj = config;
      for (const p of parts.slice(0, -1)) obj = obj[p] ??= {};
      obj[parts[parts.length - 1]] = s.key === 'seed' ? seed : settings[s.key];
    }
    return /** @type {import('./protocol.js').TrainConfigJson} */ (config);
  }
}
