/**
 * The page's languages as Intl knows them: their BCP 47 tags, the Kazakh fallback where a browser's Intl has no
 * Kazakh data, and whole numbers in a language (the `#` of a plural message). On its own so that the messages
 * (i18n.ts) and the display helpers (format.ts) share it without importing each other.
 */
export type Lang = "kk" | "ru" | "en";

/** BCP 47 tags for Intl: Kazakh and Russian as written in Kazakhstan and Russia, English as in the US. */
export const LOCALES: Record<Lang, string> = { kk: "kk-KZ", ru: "ru-RU", en: "en-US" };

/**
 * Some browsers' Intl has no Kazakh data (Debian's Chromium answers "2026 M12 7" and "$ 1,234.50"). Kazakh
 * writes numbers and dollars exactly as Russian does in Kazakhstan (CLDR: "1 234,50 $"), so numbers then go
 * through ru-KZ; dates are put together from CLDR's Kazakh pattern ("2026 ж. 7 желтоқсан") and month names.
 */
const KAZAKH_NUMBERS_FALLBACK = "ru-KZ";
export const KAZAKH_MONTHS = [
  "қаңтар",
  "ақпан",
  "наурыз",
  "сәуір",
  "мамыр",
  "маусым",
  "шілде",
  "тамыз",
  "қыркүйек",
  "қазан",
  "қараша",
  "желтоқсан",
];
/** CLDR's abbreviated Kazakh months (for chart axes). */
export const KAZAKH_MONTHS_SHORT = [
  "қаң.",
  "ақп.",
  "нау.",
  "сәу.",
  "мам.",
  "мау.",
  "шіл.",
  "там.",
  "қыр.",
  "қаз.",
  "қар.",
  "жел.",
];
let kazakhData: boolean | null = null;
export function hasKazakhData(): boolean {
  kazakhData ??=
    new Intl.DateTimeFormat(LOCALES.kk, { timeZone: "UTC", month: "long" }).format(Date.UTC(2026, 0, 15)) ===
    KAZAKH_MONTHS[0];
  return kazakhData;
}

/** The tag numbers are formatted with in `language`. */
export function numberLocale(language: Lang): string {
  return language === "kk" && !hasKazakhData() ? KAZAKH_NUMBERS_FALLBACK : LOCALES[language];
}

const counts = new Map<Lang, Intl.NumberFormat>();
/** A whole number as `language` groups its digits. */
export function countIn(value: number, language: Lang): string {
  let format = counts.get(language);
  if (!format) counts.set(language, (format = new Intl.NumberFormat(numberLocale(language))));
  return format.format(value);
}
