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
