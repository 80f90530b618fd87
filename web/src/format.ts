/**
 * Display helpers, all through Intl in the page's language: dates in UTC (one unambiguous clock for every reader)
 * with the language's own month names, grouped decimals that keep every digit, dollars in the language's own
 * currency pattern, chain names from core's network table. (Plural forms: t() in i18n.ts.)
 */
import { KNOWN_NETWORKS } from "../../core/chains/evm/networks";
import { lang, t, type Lang } from "./i18n";
import { countIn, hasKazakhData, KAZAKH_MONTHS, KAZAKH_MONTHS_SHORT, LOCALES, numberLocale } from "./locale";

export function locale(language: Lang = lang()): string {
  return numberLocale(language);
}

function kazakhDate(date: Date, withTime: boolean, withDay = true): string {
  const day = withDay ? `${date.getUTCDate()} ` : "";
  const text = `${date.getUTCFullYear()} ж. ${day}${KAZAKH_MONTHS[date.getUTCMonth()]}`;
  if (!withTime) return text;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${text}, ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
}

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let value = cache.get(key) as T | undefined;
  if (!value) cache.set(key, (value = make()));
  return value;
}

function dateTimeFormat(language: Lang, withTime: boolean): Intl.DateTimeFormat {
  return cached(`dt|${language}|${withTime}`, () => {
    const options: Intl.DateTimeFormatOptions = { timeZone: "UTC", year: "numeric", month: "long", day: "numeric" };
    if (withTime) Object.assign(options, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    return new Intl.DateTimeFormat(LOCALES[language], options);
  });
}

/** "7 December 2026, 14:05 UTC" / "7 декабря 2026 г., 14:05 UTC" / "2026 ж. 7 желтоқсан, 14:05 UTC". */
export function formatUtc(unixSeconds: number | null | undefined, language: Lang = lang()): string {
  if (typeof unixSeconds !== "number" || !Number.isFinite(unixSeconds)) return "—";
  const date = new Date(unixSeconds * 1000);
  if (language === "kk" && !hasKazakhData()) return `${kazakhDate(date, true)} UTC`;
  return `${dateTimeFormat(language, true).format(date)} UTC`;
}

/** The date alone, in UTC ("7 December 2026"). */
export function formatUtcDate(unixSeconds: number, language: Lang = lang()): string {
  const date = new Date(unixSeconds * 1000);
  if (language === "kk" && !hasKazakhData()) return kazakhDate(date, false);
  return dateTimeFormat(language, false).format(date);
}

/** "December 2026" / "декабрь 2026 г." / "2026 ж. желтоқсан", for a "YYYY-MM" month. */
export function formatMonth(month: string, language: Lang = lang()): string {
  const ms = Date.parse(`${month}-01T00:00:00Z`);
  if (!/^\d{4}-\d{2}$/.test(month) || Number.isNaN(ms)) return month;
  if (language === "kk" && !hasKazakhData()) return kazakhDate(new Date(ms), false, false);
  const format = cached(
    `month|${language}`,
    () => new Intl.DateTimeFormat(LOCALES[language], { timeZone: "UTC", year: "numeric", month: "long" }),
  );
  return format.format(new Date(ms));
}

/** A chart's time axis label, in UTC: "Mar 2026", "мар. 2026 г.", "2026 ж. нау.". */
export function formatAxisMonth(unixSeconds: number, language: Lang = lang()): string {
  const date = new Date(unixSeconds * 1000);
  if (language === "kk" && !hasKazakhData())
    return `${date.getUTCFullYear()} ж. ${KAZAKH_MONTHS_SHORT[date.getUTCMonth()]}`;
  const format = cached(
    `axis|${language}`,
    () => new Intl.DateTimeFormat(LOCALES[language], { timeZone: "UTC", year: "numeric", month: "short" }),
  );
  return format.format(date);
}

/** The language's digit grouping and decimal sign, e.g. en "1,234,567.5", ru and kk "1 234 567,5". */
function separators(language: Lang): { group: string; decimal: string } {
  const format = cached(`num|${language}`, () => new Intl.NumberFormat(locale(language)));
  const parts = (format as Intl.NumberFormat).formatToParts(1234567.5);
  return {
    group: parts.find((p) => p.type === "group")?.value ?? ",",
    decimal: parts.find((p) => p.type === "decimal")?.value ?? ".",
  };
}

/**
 * Groups the whole part of a decimal string by the language's own rule; keeps every digit exactly (a Number
 * would round 18 decimals). Anything but a plain decimal is returned as it is.
 */
export function groupDecimal(text: string, language: Lang = lang()): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const [, sign = "", whole = "", fraction] = match;
  const { group, decimal } = separators(language);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  return `${sign}${grouped}${fraction === undefined ? "" : `${decimal}${fraction}`}`;
}

/**
 * Dollars in the language's own currency pattern ("$762,000.50", "762 000,50 $", "762 000,50 $"); cents written
 * out when there are any, whole sums stay whole. The digits come from the decimal string, never from a float.
 */
export function formatUsd(text: string, language: Lang = lang()): string {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const [, whole = "0", fraction] = match;
  const cents = fraction === undefined ? undefined : fraction.padEnd(2, "0");
  const format = cached(
    `usd|${language}`,
    () => new Intl.NumberFormat(locale(language), { style: "currency", currency: "USD", currencyDisplay: "symbol" }),
  );
  // The pattern (where the sign and the spaces go) from Intl; the digits spliced in exactly as given.
  const digits = groupDecimal(cents === undefined ? whole : `${whole}.${cents}`, language);
  const parts = (format as Intl.NumberFormat).formatToParts(1);
  let number = false;
  return parts
    .map((p) => {
      if (p.type === "integer" || p.type === "decimal" || p.type === "fraction" || p.type === "group") {
        if (number) return "";
        number = true;
        return digits;
      }
      return p.value;
    })
    .join("");
}

/** A compact axis label for dollars ("$1.2M", "1,2 млн $"). */
export function formatUsdCompact(value: number, language: Lang = lang()): string {
  const format = cached(
    `usdc|${language}`,
    () =>
      new Intl.NumberFormat(locale(language), {
        style: "currency",
        currency: "USD",
        notation: "compact",
        maximumFractionDigits: 1,
      }),
  );
  return (format as Intl.NumberFormat).format(value);
}

/** A whole count grouped by the language's rule ("12,345", "12 345"). */
export function formatCount(value: number, language: Lang = lang()): string {
  return countIn(value, language);
}

/** Names shown for core's known networks (core/chains/evm/networks.ts names them for Hardhat; these are for people). */
const NETWORK_LABELS: Record<string, string> = {
  mainnet: "Ethereum",
  sepolia: "Sepolia",
  baseSepolia: "Base Sepolia",
  opSepolia: "OP Sepolia",
  arbitrumSepolia: "Arbitrum Sepolia",
  bsc: "BNB Smart Chain",
  bscTestnet: "BNB Smart Chain Testnet",
};

/** Bitcoin's networks by their CAIP-2 reference (the genesis block hash's first 32 hex digits). */
const BITCOIN_LABELS: Record<string, string> = {
  "000000000019d6689c085ae165831e93": "Bitcoin",
  "000000000933ea01ad0ee984209779ba": "Bitcoin Testnet",
  "0f9188f13cb7b2c71f2a335e3a4fc328": "Bitcoin Regtest",
};

/** "Sepolia (chain id 11155111)"; a chain core does not name (a local Hardhat chain) is "chain id 31337". */
export function chainName(chainId: number | string): string {
  const id = Number(chainId);
  const network = KNOWN_NETWORKS.find((n) => n.chainId === id);
  if (!network) return t("chain.id", { id: String(chainId) });
  return `${NETWORK_LABELS[network.name] ?? network.name} (${t("chain.id", { id: network.chainId })})`;
}

/** A CAIP-2 chain ("eip155:1", "bip122:000000000019d6689c085ae165831e93") in words. */
export function caip2Name(chain: string): string {
  const [namespace, reference = ""] = chain.split(":");
  if (namespace === "eip155" && /^\d+$/.test(reference)) return chainName(reference);
  if (namespace === "bip122") return BITCOIN_LABELS[reference] ?? chain;
  return chain;
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
