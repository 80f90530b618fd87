/**
 * Kazakh, Russian and English. The choice is remembered in localStorage; without one, the first of the
 * browser's languages that we speak wins, and otherwise English: a browser that asks for none of kk, ru and
 * en is most likely a visitor's from abroad, and Kazakh citizens' browsers nearly always list kk or ru.
 */
import { en } from "./lang/en";
import { ru } from "./lang/ru";
import { kk } from "./lang/kk";
import { formatCount } from "./format";

export type Lang = "kk" | "ru" | "en";
export const LANGS: readonly Lang[] = ["kk", "ru", "en"];
export const LANG_NAMES: Record<Lang, string> = { kk: "Қазақша", ru: "Русский", en: "English" };
export type MessageKey = keyof typeof en;
export type Dictionary = Record<MessageKey, string>;

const DICTIONARIES: Record<Lang, Dictionary> = { en, ru, kk };
const STORAGE_KEY = "aiqyn.lang";

let current: Lang = "en";

function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}

export function initialLang(stored: string | null, browserLanguages: readonly string[]): Lang {
  if (isLang(stored)) return stored;
  for (const tag of browserLanguages) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLang(base)) return base;
  }
  return "en";
}

export function loadLang(): Lang {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage may be disabled; the page still works in the browser's language.
  }
  current = initialLang(stored, navigator.languages ?? [navigator.language]);
  document.documentElement.lang = current;
  return current;
}

export function setLang(lang: Lang): void {
  current = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered, but switched.
  }
}

export function lang(): Lang {
  return current;
}

export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/** BCP 47 tags for Intl: Kazakh and Russian as written in Kazakhstan and Russia, English as in the US. */
export const LOCALES: Record<Lang, string> = { kk: "kk-KZ", ru: "ru-RU", en: "en-US" };

const pluralRules = new Map<Lang, Intl.PluralRules>();
function pluralCategory(count: number): string {
  let rules = pluralRules.get(current);
  if (!rules) pluralRules.set(current, (rules = new Intl.PluralRules(LOCALES[current])));
  return rules.select(count);
}

/** `{name, plural, one {# step} few {# шага} other {# steps}}`, a subset of ICU MessageFormat. */
const PLURAL = /\{(\w+), plural,((?:\s*(?:zero|one|two|few|many|other)\s*\{[^{}]*\})+)\s*\}/g;
const PLURAL_FORM = /(zero|one|two|few|many|other)\s*\{([^{}]*)\}/g;

function pluralize(text: string, params: Record<string, string | number>): string {
  return text.replace(PLURAL, (match, name: string, body: string) => {
    const count = Number(params[name]);
    if (!(name in params) || !Number.isFinite(count)) return match;
    const forms = new Map([...body.matchAll(PLURAL_FORM)].map((m) => [m[1]!, m[2]!]));
    const form = forms.get(pluralCategory(count)) ?? forms.get("other") ?? "";
    return form.replace(/#/g, formatCount(count));
  });
}

/**
 * The message for `key` in the current language, with {name} placeholders filled in and plural forms chosen by
 * the language's own plural rules (Intl.PluralRules: one, few, many, other).
 */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = DICTIONARIES[current][key] ?? en[key] ?? key;
  const filled = text.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
  return pluralize(filled, params);
}
