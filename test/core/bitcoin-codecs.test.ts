// core/chains/bitcoin/codecs.ts (bech32, bech32m, base58check decoders of our own) beside @scure/base, which
// decoded addresses before them, and @scure/btc-signer's Address: the same strings accepted, the same bytes out.
import { expect } from "chai";
import fc from "fast-check";
import { sha256 } from "@noble/hashes/sha2";
import { bech32, bech32m, createBase58check } from "@scure/base";
import { Address, OutScript, type NETWORK } from "@scure/btc-signer";
import { BECH32, BECH32M, decodeBase58check, decodeBech32, wordsToBytes } from "../../core/chains/bitcoin/codecs";
import {
  BITCOIN_NETWORKS,
  bitcoinNetwork,
  decodeBitcoinAddress,
  scureNetwork,
  type BitcoinNetwork,
} from "../../core/chains/bitcoin/networks";

const base58check = createBase58check(sha256);
const MAINNET = bitcoinNetwork("000000000019d6689c085ae165831e93")!;
const TESTNET = bitcoinNetwork("000000000933ea01ad0ee984209779ba")!;
const hex = (bytes: Uint8Array | readonly number[]) => Buffer.from(bytes).toString("hex");

/** What a decoder does with `input`: its result, or that it threw. */
function outcome(decode: () => unknown): string {
  try {
    const value = decode();
    return JSON.stringify(value, (_, v: unknown) => (v instanceof Uint8Array ? hex(v) : v));
  } catch {
    return "throws";
  }
}
const ours = (text: string, constant: number) => outcome(() => decodeBech32(text, constant));
const scure = (text: string, constant: number) =>
  outcome(() => (constant === BECH32 ? bech32 : bech32m).decode(text as `${string}1${string}`, 90));

// BIP-173 "Test vectors": valid and invalid bech32 strings; BIP-350's for bech32m.
const VALID_BECH32 = [
  "A12UEL5L",
  "a12uel5l",
  "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
  "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
  "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
  "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
  "?1ezyfcl",
];
const INVALID_BECH32 = [
  "\x201nwldj5",
  "\x7f1axkwrx",
  "\x801eym55h",
  "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
  "pzry9x0s0muk",
  "1pzry9x0s0muk",
  "x1b4n0q5v",
  "li1dgmt3",
  "de1lg7wt\xff",
  "A1G7SGD8",
  "10a06t8",
  "1qzzfhee",
];
const VALID_BECH32M = [
  "A1LQFN3A",
  "a1lqfn3a",
  "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
  "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
  "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
  "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
  "?1v759aa",
];
const INVALID_BECH32M = [
  "\x201xj0phk",
  "\x7f1g6xzxy",
  "\x801vctc34",
  "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
  "qyrz8wqd2c9m",
  "1qyrz8wqd2c9m",
  "y1b0jsk6g",
  "lt1igcx5c0",
  "in1muywd",
  "mm1crxm3i",
  "au1s5cgom",
  "M1VUXWEZ",
  "16plkw9",
  "1p2gdwpf",
];

/** BIP-350's valid segwit addresses, lowercased (the page reads an address in its one lowercase spelling). */
const VALID_ADDRESSES: [BitcoinNetwork, string, string][] = [
  [MAINNET, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"],
  [
    TESTNET,
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
    "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
  ],
  [
    TESTNET,
    "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
    "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
  ],
  [
    TESTNET,
    "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
    "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
  ],
  [
    MAINNET,
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
    "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
  ],
  // Base58check: P2PKH, P2SH, and the all-zero hash (21 leading "1"s: every byte of the payload zero).
  [MAINNET, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "76a91477bff20c60e522dfaa3350c39b030a5d004e839a88ac"],
  [MAINNET, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "a914b472a266d0bd89c13706a4132ccfb16f7c3b9fcb87"],
  [MAINNET, "1111111111111111111114oLvT2", "76a914000000000000000000000000000000000000000088ac"],
];

/**
 * BIP-350's invalid addresses (and BIP-173's valid ones that BIP-350 no longer reads, or Aiqyn does not support:
 * witness v1 of 40 bytes, v2, v16), each on the network its prefix names; plus uppercase and base58 edge cases.
 */
const INVALID_ADDRESSES: [BitcoinNetwork, string][] = [
  [MAINNET, "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut"],
  [MAINNET, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd"],
  [TESTNET, "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf"],
  [MAINNET, "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL"],
  [MAINNET, "bc1s0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq54well"],
  [MAINNET, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh"],
  [TESTNET, "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47"],
  [MAINNET, "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4"],
  [MAINNET, "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R"],
  [MAINNET, "bc130xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq7zws8r"],
  [MAINNET, "bc1pw5dgrnzv"],
  [MAINNET, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav"],
  [MAINNET, "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P"],
  [MAINNET, "bc1qr508d6qejxtdg4y5r3zarvaryv98gj9p"],
  [TESTNET, "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq"],
  [MAINNET, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf"],
  [TESTNET, "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j"],
  [MAINNET, "bc1gmk9yu"],
  [MAINNET, "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"],
  [MAINNET, "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y"],
  [MAINNET, "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs"],
  [TESTNET, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"],
  [MAINNET, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"], // checksum
  [MAINNET, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN0"], // "0" is not base58
  [TESTNET, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"], // mainnet's version byte
  [MAINNET, "11111111111111111111111111"],
  [MAINNET, ""],
];

/** networks.ts's decoding before core/chains/bitcoin/codecs.ts, with @scure/base's decoders: the script's hex. */
function scureAddressScript(network: BitcoinNetwork, address: string): string {
  const hrp = /^([a-z]+)1/.exec(address)?.[1];
  const prefix = hrp && network.bech32.includes(hrp) ? hrp : network.bech32[0]!;
  if (address !== address.toLowerCase() && /^[A-Z]+1/.test(address)) throw new Error("uppercase");
  if (/^([a-z]+)1/.test(address) && address.startsWith(`${prefix}1`)) {
    const version = bech32.decodeUnsafe(address, 90) ? 0 : 1;
    const decoded = (version === 0 ? bech32 : bech32m).decode(address as `${string}1${string}`, 90);
    if (decoded.prefix !== prefix) throw new Error("prefix");
    const [witnessVersion, ...words] = decoded.words;
    if (witnessVersion !== version) throw new Error("witness version");
    const program = hex(bech32.fromWords(words));
    if (version === 0 && program.length === 40) return `0014${program}`;
    if (version === 0 && program.length === 64) return `0020${program}`;
    if (version === 1 && program.length === 64) return `5120${program}`;
    throw new Error("unsupported");
  }
  const payload = base58check.decode(address);
  if (payload.length !== 21) throw new Error("length");
  const hash = hex(payload.subarray(1));
  if (payload[0] === network.pubKeyHash) return `76a914${hash}88ac`;
  if (payload[0] === network.scriptHash) return `a914${hash}87`;
  throw new Error("version byte");
}

/** Addresses of every kind on every network, random hashes, written by @scure/btc-signer. */
const arbAddress = fc
  .record({
    network: fc.constantFrom(...BITCOIN_NETWORKS),
    type: fc.constantFrom("wpkh", "wsh", "tr", "pkh", "sh"),
    hash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    prefixIndex: fc.nat(1),
    zeros: fc.nat(20),
  })
  .map(({ network, type, hash, prefixIndex, zeros }) => {
    const bech32Prefix = network.bech32[prefixIndex % network.bech32.length]!;
    const bytes = hash.slice(0, type === "wsh" || type === "tr" ? 32 : 20).fill(0, 0, zeros); // leading zero bytes
    const address = Address(scureNetwork(network, bech32Prefix) as typeof NETWORK).encode(
      type === "tr" ? { type, pubkey: bytes } : { type, hash: bytes },
    );
    return { network, address };
  });

/** One edit of a string: a character replaced, inserted or removed, or its case flipped. */
const arbEdit = (text: string) =>
  fc
    .record({
      at: fc.nat(text.length),
      kind: fc.constantFrom("replace", "insert", "remove", "case"),
      char: fc.constantFrom(
        ..."qpzry9x8gf2tvdw0s3jn54khce6mua7l1bioQPZ123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl",
      ),
    })
    .map(({ at, kind, char }) => {
      if (kind === "insert") return text.slice(0, at) + char + text.slice(at);
      if (kind === "remove") return text.slice(0, at) + text.slice(at + 1);
      const c = text[at] ?? "";
      const swapped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
      return text.slice(0, at) + (kind === "case" ? swapped : char) + text.slice(at + 1);
    });

describe("core: Bitcoin address codecs of our own (bech32, bech32m, base58check)", function () {
  this.timeout(60_000);

  it("decode BIP-173's and BIP-350's valid strings as @scure/base does, and refuse their invalid ones", () => {
    for (const [constant, valid, invalid] of [
      [BECH32, VALID_BECH32, INVALID_BECH32],
      [BECH32M, VALID_BECH32M, INVALID_BECH32M],
    ] as const) {
      for (const text of valid) {
        expect(ours(text, constant), text).to.not.equal("throws");
        expect(ours(text, constant), text).to.equal(scure(text, constant));
        // A valid bech32 string is not a valid bech32m one, and the other way round.
        expect(ours(text, constant === BECH32 ? BECH32M : BECH32), text).to.equal("throws");
      }
      for (const text of invalid) {
        expect(ours(text, constant), JSON.stringify(text)).to.equal("throws");
        expect(scure(text, constant), JSON.stringify(text)).to.equal("throws");
      }
    }
  });

  it("read BIP-350's valid addresses and base58check's as the scripts they pay, and refuse the invalid ones", () => {
    for (const [network, address, script] of VALID_ADDRESSES) {
      const decoded = decodeBitcoinAddress(network, address);
      expect(decoded.ok && decoded.value.script, address).to.equal(script);
      expect(hex(OutScript.encode(Address(scureNetwork(network)).decode(address))), address).to.equal(script);
    }
    for (const [network, address] of INVALID_ADDRESSES) {
      expect(decodeBitcoinAddress(network, address).ok, `${network.name} ${address}`).to.equal(false);
    }
  });

  it("accept and reject exactly what @scure/base does, edited addresses and random strings alike", () => {
    const check = (text: string) => {
      for (const constant of [BECH32, BECH32M]) expect(ours(text, constant), text).to.equal(scure(text, constant));
      expect(
        outcome(() => decodeBase58check(text)),
        text,
      ).to.equal(outcome(() => base58check.decode(text)));
    };
    fc.assert(
      fc.property(
        arbAddress.chain(({ address }) => fc.oneof(fc.constant(address), arbEdit(address))),
        check,
      ),
      { numRuns: 1500, seed: 23 },
    );
    fc.assert(fc.property(fc.string({ maxLength: 100 }), check), { numRuns: 500, seed: 29 });
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }).map((bytes) => base58check.encode(bytes)),
        (text) => {
          check(text);
          expect(hex(decodeBase58check(text))).to.equal(hex(base58check.decode(text)));
        },
      ),
      { numRuns: 500, seed: 31 },
    );
  });

  it("turn words into bytes as @scure/base's fromWords does: at most 4 bits of padding, all zero", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 31 }), { maxLength: 70 }), (words) => {
        expect(
          outcome(() => wordsToBytes(words)),
          words.join(),
        ).to.equal(outcome(() => bech32.fromWords(words)));
      }),
      { numRuns: 2000, seed: 37 },
    );
    // Each of a byte string's own words, decoded back: the bytes (the padding is zero and short).
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(hex(wordsToBytes(bech32.toWords(bytes)))).to.equal(hex(bytes));
      }),
      { numRuns: 300, seed: 41 },
    );
  });

  it("decode every kind of address on every network as before, to the script @scure/btc-signer reads", () => {
    fc.assert(
      fc.property(
        arbAddress.chain((a) =>
          fc.oneof(
            fc.constant(a),
            arbEdit(a.address).map((address) => ({ ...a, address })),
          ),
        ),
        ({ network, address }) => {
          const decoded = decodeBitcoinAddress(network, address);
          const script = decoded.ok ? decoded.value.script : "throws";
          // The same answer as networks.ts gave with @scure/base's decoders.
          expect(script, address).to.equal(outcome(() => scureAddressScript(network, address)).replace(/"/g, ""));
          // The script btc-signer reads, wherever it reads one; it refuses more: a P2TR key off the curve.
          const prefix = /^([a-z]+)1/.exec(address)?.[1];
          const hrp = prefix && network.bech32.includes(prefix) ? prefix : network.bech32[0];
          const signer = outcome(() => {
            const out = Address(scureNetwork(network, hrp)).decode(address);
            if (!["wpkh", "wsh", "tr", "pkh", "sh"].includes(out.type)) throw new Error(out.type);
            return hex(OutScript.encode(out));
          });
          const upperBech32 = address !== address.toLowerCase() && /^[A-Z]+1/.test(address); // refused by policy
          if (signer !== "throws" && !upperBech32) expect(script, address).to.equal(signer.replace(/"/g, ""));
          else if (script !== "throws") expect(decoded.ok && decoded.value.type, address).to.equal("tr");
        },
      ),
      { numRuns: 1500, seed: 43 },
    );
  });
});
