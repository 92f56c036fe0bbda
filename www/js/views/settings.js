// @ts-check
// The settings form, built from the catalogue: one control per setting (a select for a
// choice or a preset's depths, a number field or slider, a checkbox), labelled and explained
// by the catalogue's text, shown only where the setting applies. Element ids are the setting
// keys. Built with DOM calls only: no catalogue or URL text is parsed as HTML.
import { text } from '../state.js';
import { el } from './dom.js';

/** @typedef {import('../state.js').Setting} Setting */
/** @typedef {import('../state.js').Settings} Settings */
/** @typedef {import('../state.js').SettingsModel} SettingsModel */

export class SettingsForm {
  /**
   * @param {SettingsModel} model
   * @param {Record<Setting['group'], HTMLElement>} containers where each group's controls go
   * @param {(key: string) => void} onChange called after the user changes a setting
   */
  constructor(model, containers, onChange) {
    this.model = model;
    /** @type {Map<string, {row: HTMLElement, input: HTMLInputElement | HTMLSelectElement, out: HTMLOutputElement | null, name?: HTMLElement, dice?: HTMLElement}>} */
    this.controls = new Map();
    /** The selected preset's paper, under the model picker. */
    this.paper = el('p', { class: 'paper' });
    for (const s of model.catalog.settings) {
      const c = this.control(s);
      containers[s.group].append(c.row);
      if (s.key === 'model') containers[s.group].append(this.paper);
      this.controls.set(s.key, c);
      c.input.addEventListener('change', () => onChange(s.key));
    }
  }

  /**
   * The form's words in a language: labels and help by setting key (none: the catalogue's
   * English), choice values and preset names, the dice buttons.
   * @param {import('../i18n/index.js').Words} words
   */
  translate(words) {
    for (const s of this.model.catalog.settings) {
      const c = this.controls.get(s.key);
      if (!c) continue;
      const w = words.settings[s.key];
      const label = w?.label ?? s.label;
      if (c.name) c.name.textContent = label;
      c.row.title = w?.help ?? s.help;
      if (c.dice) {
        c.dice.textContent = words.views.random;
        c.dice.title = words.views.randomTitle(label);
      }
      if (s.kind.type !== 'choice' || !(c.input instanceof HTMLSelectElement)) continue;
      for (const o of c.input.options) {
        const p = s.key === 'model' ? this.model.presets.get(o.value) : undefined;
        o.textContent = p ? `${words.presets[o.value] ?? p.label} (${p.year})` : words.choices[o.value] ?? o.value;
      }
    }
  }

  /** @param {Setting} s */
  control(s) {
    const k = s.kind;
    const row = el('label', { title: s.help, 'data-key': s.key });
    /** @type {HTMLInputElement | HTMLSelectElement} */ let input;
    /** @type {HTMLOutputElement | null} */ let out = null;
    /** @type {HTMLElement | undefined} */ let dice;
    const name = el('span');
    name.textContent = s.label;
    if (k.type === 'bool') {
      input = el('input', { id: s.key, type: 'checkbox' });
      row.className = 'check';
      row.append(input, name);
      return { row, input, out, name };
    }
    row.append(name);
    if (k.type === 'choice' || s.key === 'depth') {
      input = el('select', { id: s.key });
      if (k.type === 'choice') {
        for (const v of k.values) {
          const o = el('option', { value: v });
          const p = s.key === 'model' ? this.model.presets.get(v) : undefined;
          o.textContent = p ? `${p.label} (${p.year})` : v;
          input.append(o);
        }
      }
      row.append(input);
    } else if (k.type === 'float' && k.slider) {
      input = el('input', { id: s.key, type: 'range', min: String(k.min), max: String(k.max), step: String(k.step || 'any') });
      out = el('output', { for: s.key });
      const span = el('span', { class: 'row' });
      span.append(input, out);
      row.append(span);
      const o = out;
      input.addEventListener('input', () => (o.textContent = (/** @type {HTMLInputElement} */ (input)).value));
    } else {
      const attrs = { id: s.key, type: 'number', min: String(k.min), max: String(k.max), step: k.type === 'int' ? '1' : 'any' };
      input = el('input', attrs);
      if (k.type === 'int' && k.random) {
        const span = el('span', { class: 'row' });
        dice = el('button', { type: 'button' });
        const i = input;
        dice.addEventListener('click', () => {
          i.value = String(Math.floor(Math.random() * Math.min(k.max, 2 ** 31)));
          i.dispatchEvent(new Event('change'));
        });
        span.append(input, dice);
        row.append(span);
      } else row.append(input);
    }
    return { row, input, out, name, dice };
  }

  /** Shows `settings`: values, which controls apply, the preset's depths. */
  write(/** @type {Settings} */ settings) {
    const depth = this.controls.get('depth');
    if (depth) {
      const sel = /** @type {HTMLSelectElement} */ (depth.input);
      sel.replaceChildren(...this.model.depths(settings).map((d) => {
        const o = el('option', { value: String(d) });
        o.textContent = String(d);
        return o;
      }));
    }
    const preset = this.model.presets.get(String(settings.model));
    this.paper.textContent = preset ? preset.paper : '';
    for (const s of this.model.catalog.settings) {
      const c = /** @type {NonNullable<ReturnType<typeof this.controls.get>>} */ (this.controls.get(s.key));
      const v = settings[s.key];
      c.row.hidden = !this.model.applies(s, settings);
      if (c.input instanceof HTMLInputElement && c.input.type === 'checkbox') c.input.checked = Boolean(v);
      else c.input.value = v === null ? '' : String(v);
      if (c.out) c.out.textContent = String(v);
    }
  }

  /**
   * The settings the controls show; a control that does not apply keeps its current value.
   * @param {Settings} current
   * @returns {{settings: Settings, errors: string[]}}
   */
  read(current) {
    /** @type {Settings} */ const next = { ...current };
    const errors = [];
    for (const s of this.model.catalog.settings) {
      const c = /** @type {NonNullable<ReturnType<typeof this.controls.get>>} */ (this.controls.get(s.key));
      if (c.row.hidden) continue;
      const raw = c.input instanceof HTMLInputElement && c.input.type === 'checkbox' ? String(c.input.checked) : c.input.value;
      if (raw === '' && s.kind.type === 'int' && s.kind.random) {
        next[s.key] = null;
        continue;
      }
      try {
        next[s.key] = this.model.parse(s, raw);
      } catch (e) {
        errors.push(`${s.label} ${JSON.stringify(raw)} ${/** @type {Error} */ (e).message}; keeping ${text(current[s.key])}`);
      }
    }
    // A model change keeps the depth only if the new preset offers it.
    const offered = this.model.depths(next);
    if (offered.length && !offered.includes(Number(next.depth))) {
      const d = Number(this.model.byKey.get('depth')?.kind.default);
      next.depth = offered.includes(d) ? d : offered[0];
    }
    return { settings: next, errors };
  }
}
