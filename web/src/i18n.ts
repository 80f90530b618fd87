/**
 * Kazakh, Russian and English. The choice is remembered in localStorage; without one, the first of the
 * browser's languages that we speak wins, and otherwise English: a browser that asks for none of kk, ru and
 * en is most likely a visitor's from abroad, and Kazakh citizens' browsers nearly always list kk or ru.
 *
 * Each language is its own chunks, loaded on demand: a visitor downloads only the language the page is shown in,
 * and of it first only the verify path's messages (web/src/lang/parts.ts). The page renders once they have
 * arrived (useLang); the other views wait for the rest (useLaterMessages).
 */
import type { en } from "./lang/en";
import type { Part } from "./lang/parts";
import { countIn, LOCALES, type Lang } from "./locale";

export { LOCALES, type Lang } from "./locale";
export const LANGS: readonly Lang[] = ["kk", "ru", "en"];
export const LANG_NAMES: Record<Lang, string> = { kk: "Қазақша", ru: "Русский", en: "English" };
export type MessageKey = keyof typeof en;
export type Dictionary = Record<MessageKey, string>;

type Messages = Partial<Dictionary>;
/** One dynamic import per language and part, so the bundler gives each its own chunk. */
const LOADERS: Record<Lang, Record<Part, () => Promise<Messages>>> = {
  en: {
    verify: () => import("./lang/en-verify").then((m) => m.messages),
    later: () => import("./lang/en-later").then((m) => m.messages),
  },
  ru: {
    verify: () => import("./lang/ru-verify").then((m) => m.messages),
    later: () => import("./lang/ru-later").then((m) => m.messages),
  },
  kk: {
    verify: () => import("./lang/kk-verify").then((m) => m.messages),
    later: () => import("./lang/kk-later").then((m) => m.messages),
  },
};
const STORAGE_KEY = "aiqyn.lang";

/** Each language's messages so far (its parts merged as they arrive), and the parts asked for. */
const loaded: Partial<Record<Lang, Messages>> = {};
const asked = new Map<string, Promise<void>>();
let current: Lang = "en";
/** The current language's messages; empty until useLang() has loaded them (t() then answers the key). */
let messages: Partial<Dictionary> = {};

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

/** The language to show: the remembered choice, else the browser's. Its messages still need useLang(). */
export function loadLang(): Lang {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage may be disabled; the page still works in the browser's language.
  }
  return initialLang(stored, navigator.languages ?? [navigator.language]);
}

/** Loads `part` of `language`'s messages, once (a failed load is asked again next time). */
function loadPart(language: Lang, part: Part): Promise<void> {
  const key = `${language}:${part}`;
  let done = asked.get(key);
  if (!done) {
    done = LOADERS[language][part]().then((partMessages) => {
      loaded[language] = { ...loaded[language], ...partMessages };
      if (language === current) messages = loaded[language];
    });
    done.catch(() => asked.delete(key));
    asked.set(key, done);
  }
  return done;
}

/**
 * Loads `language`'s verify-path messages (once) and makes it current; the page's `lang` attribute follows. The
 * rest of its messages load with useLaterMessages().
 */
export async function useLang(language: Lang): Promise<void> {
  await loadPart(language, "verify");
  current = language;
  messages = loaded[language]!;
  if (typeof document !== "undefined") document.documentElement.lang = language;
}

/** Loads the rest of the current language's messages (the ledger's, the fund's…), once. */
export function useLaterMessages(): Promise<void> {
  return loadPart(current, "later");
}

/** Switches to `language` and remembers the choice. */
export async function setLang(language: Lang): Promise<void> {
  await useLang(language);
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Not remembered, but switched.
  }
}

export function lang(): Lang {
  return current;
}

export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(messages, key);
}

const pluralRules = new Map<Lang, Intl.PluralRules>();
function pluralCategory(language: Lang, count: number): string {
  let rules = pluralRules.get(language);
  if (!rules) pluralRules.set(language, (rules = new Intl.PluralRules(LOCALES[language])));
  return rules.select(count);
}

/** `{name, plural, one {# step} few {# шага} other {# steps}}`, a subset of ICU MessageFormat. */
const PLURAL = /\{(\w+), plural,((?:\s*(?:zero|one|two|few|many|other)\s*\{[^{}]*\})+)\s*\}/g;
const PLURAL_FORM = /(zero|one|two|few|many|other)\s*\{([^{}]*)\}/g;

/** The names a message takes: its {name} placeholders and its {name, plural, …} counts. */
export function messageParams(text: string): string[] {
  const names = [...text.matchAll(/\{(\w+)(?:\}|, plural,)/g)].map((m) => m[1]!);
  return [...new Set(names)].sort();
}

/**
 * Fills `text`'s {name} placeholders from `params`, then picks each plural form by `language`'s own plural rules
 * (Intl.PluralRules: one, few, many, other; "other" when the language has no form for the category), with `#`
 * the count grouped as the language groups numbers.
 */
export function formatMessage(text: string, params: Record<string, string | number>, language: Lang): string {
  const filled = text.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
  return filled.replace(PLURAL, (match, name: string, body: string) => {
    const count = Number(params[name]);
    if (!(name in params) || !Number.isFinite(count)) return match;
    const forms = new Map([...body.matchAll(PLURAL_FORM)].map((m) => [m[1]!, m[2]!]));
    const form = forms.get(pluralCategory(language, count)) ?? forms.get("other") ?? "";
    return form.replace(/#/g, countIn(count, language));
  });
}

/** The message for `key` in the current language, its placeholders and plural forms filled in. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return formatMessage(messages[key] ?? key, params, current);
}
