// The page's language: Korean, with English behind the switch in the header (remembered in
// localStorage). Views call t(ko, en) while they render; a switch renders the page again.

const KEY = 'bookstore.lang';
const listeners = new Set();
let lang = load();

/** 'ko' (the default) or 'en'. */
export function getLang() {
  return lang;
}

/** The text in the page's language; Korean when there is no English. */
export function t(ko, en) {
  return lang === 'en' && en ? en : ko;
}

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'ko';
  try { localStorage.setItem(KEY, lang); } catch { /* storage disabled: this visit only */ }
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The particle that follows a Korean word: josa('주소', '을', '를') -> '를'. */
export function josa(word, afterConsonant, afterVowel) {
  const last = String(word).trim().slice(-1).charCodeAt(0);
  if (last >= 0xac00 && last <= 0xd7a3) {
    return (last - 0xac00) % 28 === 0 ? afterVowel : afterConsonant;
  }
  return `${afterConsonant}(${afterVowel})`;
}

function load() {
  try { return localStorage.getItem(KEY) === 'en' ? 'en' : 'ko'; } catch { return 'ko'; }
}
