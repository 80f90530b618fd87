// Records for the core tests: a plain valid one, a deterministic generator for large batches, and fast-check
// arbitraries that reach the edges (unicode, emoji, the longest strings, the largest numbers).
import fc from "fast-check";
import { LIMITS, RECORD_KIND_NAMES, ZERO_BYTES32, type RecordInput, type RecordKind, type RecordV1 } from "../../core";

export const DOC_HASH = "0x8f3b2c6a1e5d4f7a9b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a" as const;

/** A valid publisher input; `over` replaces fields (and may add unknown ones). */
export function sampleInput(over: Record<string, unknown> = {}): RecordInput & Record<string, unknown> {
  return {
    kind: "INFLOW_SEIZURE",
    occurredAt: 1_761_955_200,
    asset: "BTC",
    amount: "12.5",
    valueUsd: "1375000.00",
    counterparty: "Binance",
    reference: "court order 2-17/2025",
    documentHash: DOC_HASH,
    memo: "",
    corrects: 0,
    ...over,
  } as RecordInput & Record<string, unknown>;
}

/** A valid whole record: sampleInput's fields as the server stores them (seq 17); `over` replaces fields. */
export function sampleRecord(over: Record<string, unknown> = {}): RecordV1 {
  const { kind, occurredAt, ...rest } = sampleInput();
  return {
    seq: 17,
    kind,
    occurredAt,
    publishedAt: 1_761_955_300,
    publisher: "ministry-of-finance",
    ...rest,
    ...over,
  } as RecordV1;
}

/** Record number `seq` of a plain series (its times, amount and reference follow seq); `overrides` replaces fields. */
export function numberedRecord(seq: number, overrides: Partial<RecordV1> = {}): RecordV1 {
  return {
    seq,
    kind: "INFLOW_SEIZURE",
    occurredAt: 1_761_955_200 + seq,
    publishedAt: 1_761_955_300 + seq,
    publisher: "treasury",
    asset: "BTC",
    amount: `${seq}.5`,
    valueUsd: "1000.25",
    counterparty: "Court of Astana",
    reference: `case-${seq}`,
    documentHash: ZERO_BYTES32,
    memo: "",
    corrects: 0,
    ...overrides,
  };
}

/** mulberry32: a tiny seeded PRNG, so a batch of 2,000 records costs one integer of fast-check input. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ["Binance", "Қазақстан", "ETF", "грант", "🚀", "court", "№ 17", "Ünïcödé", "東京", "x"];

/** `count` valid records with consecutive seqs from `firstSeq`, varied by `seed`. */
export function seededRecords(seed: number, firstSeq: number, count: number): RecordV1[] {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const seq = firstSeq + i;
    const kind = pick(RECORD_KIND_NAMES.filter((k) => k !== "RETRACTION"));
    return sampleRecord({
      seq,
      kind,
      occurredAt: 1_700_000_000 + Math.floor(rand() * 60_000_000),
      publishedAt: 1_761_955_300 + seq,
      asset: pick(["BTC", "BNB", "IBIT", "COIN", "KZT", "ETH.W", "A-1"]),
      amount: `${1 + Math.floor(rand() * 1e9)}.${Math.floor(rand() * 1e6)}`,
      valueUsd: `${Math.floor(rand() * 1e12)}.${Math.floor(rand() * 100)}`,
      counterparty: `${pick(WORDS)} ${Math.floor(rand() * 1e6)}`,
      reference: `ref-${seed}-${seq}`,
      memo: rand() < 0.3 ? "" : `${pick(WORDS)} ${pick(WORDS)}`,
      corrects: seq > 1 && rand() < 0.1 ? 1 + Math.floor(rand() * (seq - 1)) : 0,
    });
  });
}

// ---- fast-check arbitraries -------------------------------------------------------------------------------

/** Well-formed NFC text without control characters, of at most `max` code points, biased to the edges. */
export function textArb(max: number): fc.Arbitrary<string> {
  const char = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom("a", "Z", "0", " ", ".", "-", "/", "№") },
    { weight: 2, arbitrary: fc.constantFrom("Қ", "ә", "ü", "Ø", "東", "😀", "🇰🇿", "𝄞", "\u00e9", "\u2028") },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
  );
  const text = fc.array(char, { maxLength: Math.min(max, 60) }).map((parts) => parts.join(""));
  const longest = fc.constantFrom("é", "😀", "a").map((c) => c.repeat(max));
  return fc
    .oneof({ weight: 8, arbitrary: text }, { weight: 1, arbitrary: longest })
    .filter((s) => s.normalize("NFC") === s && !/[\u0000-\u001f\u007f-\u009f]/.test(s) && [...s].length <= max);
}

const UINT256_MAX = (1n << 256n) - 1n;

/** A decimal string with at most `scale` decimals whose scaled value fits uint256 and is ≥ `min`. */
export function decimalArb(scale: number, min = 0n): fc.Arbitrary<string> {
  const scaled = fc.oneof(
    fc.bigInt({ min, max: UINT256_MAX }),
    fc.constantFrom(min, min + 1n, UINT256_MAX, UINT256_MAX - 1n, 10n ** BigInt(scale)),
    fc.bigInt({ min, max: 10n ** 30n }),
  );
  return fc.tuple(scaled, fc.nat({ max: scale })).map(([value, extraZeros]) => {
    const digits = value.toString().padStart(scale + 1, "0");
    const whole = digits.slice(0, digits.length - scale);
    const fraction = digits.slice(digits.length - scale).replace(/0+$/, "");
    // Trailing zeros are allowed and change nothing: sometimes add some, within the field's scale.
    const padded = fraction.length + extraZeros <= scale ? fraction + "0".repeat(extraZeros) : fraction;
    return padded ? `${whole}.${padded}` : whole;
  });
}

const uint53 = fc.oneof(
  fc.constantFrom(0, 1, LIMITS.maxInteger, 2 ** 32, 2 ** 32 - 1),
  fc.nat({ max: LIMITS.maxInteger }),
);

/** The reconciliation fields of a valid WALLET_DECLARED (Hardhat's test account #1; the memo's form only). */
export const SAMPLE_DECLARATION = {
  counterparty: "eip155:31337:0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  reference: "eip155:31337/slip44:60@0",
  memo: `0x${"11".repeat(64)}1b`,
} as const;

/** Any valid Record v1 (validateRecord accepts it), including extreme values. */
export const recordArb: fc.Arbitrary<RecordV1> = fc
  .record({
    seq: uint53.map((n) => Math.max(1, n)),
    kind: fc.constantFrom<RecordKind>(...RECORD_KIND_NAMES),
    occurredAt: uint53,
    publishedAt: uint53,
    publisher: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,63}$/),
    asset: fc.stringMatching(/^[A-Z0-9.-]{1,16}$/),
    amount: decimalArb(18, 1n),
    valueUsd: decimalArb(2),
    counterparty: textArb(LIMITS.counterpartyChars),
    reference: textArb(LIMITS.referenceChars),
    documentHash: fc
      .uint8Array({ minLength: 32, maxLength: 32 })
      .map((b) => `0x${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")}`),
    memo: textArb(LIMITS.memoChars),
    corrects: uint53,
  })
  .map((r) => {
    const record: RecordV1 = { ...r, corrects: r.corrects % r.seq };
    if (record.kind === "WALLET_DECLARED") return { ...record, ...SAMPLE_DECLARATION };
    if (record.kind === "RETRACTION")
      return {
        ...record,
        amount: "0",
        corrects: record.seq > 1 ? Math.max(1, record.corrects) : 0,
        kind: record.seq > 1 ? "RETRACTION" : "VALUATION",
      };
    return record;
  });
