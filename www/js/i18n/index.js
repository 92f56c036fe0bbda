// @ts-check
// The page's languages: one catalogue per language (en.js, zh.js), chosen by `?lang=`, else by
// the browser's languages (any zh-* picks 简体中文), else English.
import en from './en.js';
import zh from './zh.js';

/** @typedef {typeof en} Words */

/** Every language, by code. @type {Record<string, Words>} */
export const LANGUAGES = { en, zh };

/**
 * The language to use, and a message if `?lang=` named one that does not exist.
 * @param {string | null} query the `lang` URL parameter
 * @param {readonly string[]} preferred navigator.languages
 * @returns {{lang: string, error: string | null}}
 */
export function pickLanguage(query, preferred) {
  if (query !== null) {
    if (Object.hasOwn(LANGUAGES, query)) return { lang: query, error: null };
    return { lang: 'en', error: en.ui.unknownLang(query.slice(0, 40), Object.keys(LANGUAGES).join(', ')) };
  }
  const zhFirst = preferred.find((l) => /^(zh|en)\b/i.test(l));
  return { lang: zhFirst && /^zh/i.test(zhFirst) ? 'zh' : 'en', error: null };
}

let current = en;
/** The words of the page's current language (views read them when they draw). */
export const words = () => current;
/** Switches the current language (unknown codes: English). */
export function setLanguage(/** @type {string} */ lang) {
  current = LANGUAGES[lang] ?? en;
}

/** @type {Record<string, string>} */ let catalogLabels = {};
/** The settings' English labels, from the catalogue (other languages have their own). */
export function useCatalogLabels(/** @type {{key: string, label: string}[]} */ settings) {
  catalogLabels = Object.fromEntries(settings.map((s) => [s.key, s.label]));
}

/**
 * Something that went wrong, to be worded in the page's language: an error thrown by the wasm
 * module or the page's own checks (`code` + `params`, see depthlab_nn::error::ERROR_CODES), or
 * only an English `message` (from code that has no stable code). A code `msg.<name>` is one of
 * the page's own messages (`msg` in the catalogues), called with `args` and then, if there is
 * one, the worded `cause`.
 * @typedef {{message: string, code?: string, params?: Record<string, string>, args?: (string | number | boolean)[], cause?: Problem}} Problem
 */

/** The code prefix of the page's own messages: `msg.<name>`. */
const PAGE_CODE = 'msg.';

/** One of the page's own messages as a problem (workers send these; the main thread words them). */
export function pageProblem(/** @type {keyof typeof en.msg} */ name, /** @type {(string | number | boolean)[]} */ args = [], /** @type {Problem | undefined} */ cause = undefined) {
  /** @type {any} */ const f = en.msg[name];
  const english = typeof f === 'function' ? f(...args, ...(cause ? [cause.message] : [])) : String(f);
  return /** @type {Problem} */ ({ message: english, code: `${PAGE_CODE}${name}`, args, ...(cause ? { cause } : {}) });
}

/** Whether `p` is the page's own message `name` (made by {@link pageProblem}). */
export function isPageProblem(/** @type {Problem | string | null | undefined} */ p, /** @type {keyof typeof en.msg} */ name) {
  return typeof p === 'object' && p !== null && p.code === `${PAGE_CODE}${name}`;
}

/** The problem carried by a thrown value (an Error from wasm, a {@link coded} error, anything). */
export function problemOf(/** @type {any} */ e) {
  /** @type {Problem} */ const p = { message: String(e?.message ?? e) };
  if (typeof e?.code === 'string') p.code = e.code;
  if (e?.params && typeof e.params === 'object') p.params = { ...e.params };
  if (Array.isArray(e?.args)) p.args = e.args;
  if (e?.cause && typeof e.cause === 'object') p.cause = problemOf(e.cause);
  return p;
}

/** An Error carrying one of the page's own messages (see {@link pageProblem}), for `throw`. */
export function pageError(/** @type {keyof typeof en.msg} */ name, /** @type {(string | number | boolean)[]} */ args = [], /** @type {Problem | undefined} */ cause = undefined) {
  const p = pageProblem(name, args, cause);
  return Object.assign(new Error(p.message), p);
}

/** An Error with a stable code and parameters, worded by {@link say}. */
export function coded(/** @type {string} */ code, /** @type {Record<string, string | number>} */ params, /** @type {string} */ english) {
  return Object.assign(new Error(english), { code, params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) });
}

/**
 * A problem in the current language: its code's template (a setting's key also gets its
 * label in this language as `label`), else its English message.
 */
export function say(/** @type {Problem} */ p) {
  if (p.code?.startsWith(PAGE_CODE)) {
    /** @type {any} */ const f = current.msg[/** @type {keyof typeof en.msg} */ (p.code.slice(PAGE_CODE.length))];
    if (f === undefined) return p.message;
    return typeof f === 'function' ? f(...(p.args ?? []), ...(p.cause ? [say(p.cause)] : [])) : String(f);
  }
  const t = p.code ? current.errors[p.code] : undefined;
  if (!t) return p.message;
  const params = { ...(p.params ?? {}) };
  if (params.key && !params.label) params.label = current.settings[params.key]?.label ?? catalogLabels[params.key] ?? params.key;
  return t(params);
}
