/**
 * Each language's messages in two parts, so that the verify path downloads only what it shows: "verify" (the
 * shell, the verify view and its checks) and "later" (the ledger, the fund, the holdings, the governance, the home
 * page's sections, and what the verify view loads on demand: the settings panel, a link's banner and the document
 * check), loaded with the first view that needs it.
 * A language is still written as one dictionary (en.ts, kk.ts, ru.ts); <lang>-verify.ts and <lang>-later.ts pick
 * their part of it, and web/build.mjs inlines what they pick, so a part's chunk carries only its own messages.
 */
export type Part = "verify" | "later";

const LATER = /^(fund|gov|holdings|home|ledger|settings|link|document)\./;
/** Keys under a "later" prefix that the verify view shows too. */
const ON_VERIFY_PATH: ReadonlySet<string> = new Set([
  "gov.verdictLink",
  "ledger.batch",
  "ledger.time",
  "ledger.tx",
  "settings.title",
]);

export function partOf(key: string): Part {
  return LATER.test(key) && !ON_VERIFY_PATH.has(key) ? "later" : "verify";
}

/** The messages of `dictionary` in `part`, in their order. */
export function pick<K extends string>(dictionary: Record<K, string>, part: Part): Partial<Record<K, string>> {
  return Object.fromEntries(Object.entries(dictionary).filter(([key]) => partOf(key) === part)) as Partial<
    Record<K, string>
  >;
}
