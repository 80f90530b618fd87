/** Display helpers: dates in UTC (one unambiguous clock for every reader), grouped decimals, short hashes. */
import type { Lang } from "./i18n";

export function formatUtc(unixSeconds: number | null | undefined): string {
  if (typeof unixSeconds !== "number" || !Number.isFinite(unixSeconds)) return "—";
  return `${new Date(unixSeconds * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Groups the whole part of a decimal string ("1234567.5" → "1 234 567.5"); keeps the digits exactly. */
export function groupDecimal(text: string, lang: Lang): string {
  if (!/^\d+(\.\d+)?$/.test(text)) return text;
  const [whole = "", fraction] = text.split(".");
  const separator = lang === "en" ? "," : "\u202f";
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
  const point = lang === "en" ? "." : ",";
  return fraction === undefined ? grouped : `${grouped}${point}${fraction}`;
}

/** Dollars with cents written out when there are any ("762000.5" → "$762,000.50"); whole sums stay whole. */
export function formatUsd(text: string, lang: Lang): string {
  const cents = /^\d+\.\d$/.test(text) ? `${text}0` : text;
  return `$${groupDecimal(cents, lang)}`;
}

/** 0x1234…abcd: enough to recognise a hash; the full value sits in the title and in copyable text. */
export function shortHex(hex: string, keep = 6): string {
  return hex.length > 2 + keep * 2 + 1 ? `${hex.slice(0, 2 + keep)}…${hex.slice(-keep)}` : hex;
}

export function isoDateToUnix(date: string, endOfDay: boolean): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms)) return null;
  return Math.floor(ms / 1000) + (endOfDay ? 86_399 : 0);
}
