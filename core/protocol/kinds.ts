/**
 * The record kinds of Record v1 and their uint8 codes in the leaf encoding (docs/PROTOCOL.md). On their own so
 * that the field rules record validation runs (references.ts) can name a kind without importing the record.
 */
/** Kind names and their uint8 codes in the leaf encoding. Codes are fixed forever. */
export const RECORD_KINDS = {
  INFLOW_SEIZURE: 1,
  INFLOW_MINING: 2,
  INFLOW_OTHER: 3,
  INVESTMENT: 4,
  DIVESTMENT: 5,
  GRANT: 6,
  EXPENSE: 7,
  TRANSFER: 8,
  VALUATION: 9,
  RETRACTION: 10,
  WALLET_DECLARED: 11,
} as const;

export type RecordKind = keyof typeof RECORD_KINDS;
export const RECORD_KIND_NAMES = Object.keys(RECORD_KINDS) as RecordKind[];

export function kindCode(kind: RecordKind): number {
  return RECORD_KINDS[kind];
}

export function isRecordKind(value: unknown): value is RecordKind {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(RECORD_KINDS, value);
}
