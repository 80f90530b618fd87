import { expect } from "chai";
import { secp256k1, schnorr } from "@noble/curves/secp256k1";
import { p2tr, p2wpkh, WIF } from "@scure/btc-signer";
import { parseCaip10, parseCaip19, parseCaip2, parseMovementRef, validateRecord, type RecordV1 } from "../../core";
import { verifyBip322Simple } from "../../core/chains/bitcoin/bip322";
import {
  signBip322Multisig,
  signBip322P2tr,
  signBip322P2wpkh,
  signBip322P2wsh,
  sortedMultisig,
} from "../../core/chains/bitcoin/bip322-sign";
import { bitcoinNetwork, decodeBitcoinAddress, REGTEST_GENESIS } from "../../core/chains/bitcoin/networks";
import { base64, decodeWitness, encodeWitness } from "../../core/chains/bitcoin/witness";
import { validBatches } from "../../scripts/gen-vectors";
import { bcoinVerifyBip322, referenceSign, referenceVerify } from "../helpers/bip322-reference";

const MAINNET = bitcoinNetwork("000000000019d6689c085ae165831e93")!;
const REGTEST = bitcoinNetwork(REGTEST_GENESIS)!;
const scriptOf = (address: string, network = MAINNET) => {
  const decoded = decodeBitcoinAddress(network, address);
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.value.scriptBytes;
};

/** BIP-322's own test vectors (bip-0322.mediawiki, "Test vectors"). */
const SPEC_KEY = "L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k";
const SPEC_P2WPKH = "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l";
const SPEC_P2TR = "bc1ppv609nr0vr25u07u95waq5lucwfm6tde4nydujnu8npg4q75mr5sxq8lt3";
const SPEC_VECTORS: [string, string, string][] = [
  [
    SPEC_P2WPKH,
    "",
    "AkcwRAIgM2gBAQqvZX15ZiysmKmQpDrG83avLIT492QBzLnQIxYCIBaTpOaD20qRlEylyxFSeEA2ba9YOixpX8z46TSDtS40ASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=",
  ],
  [
    SPEC_P2WPKH,
    "Hello World",
    "AkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2KsqoNSk89pO7F29zJLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=",
  ],
  [
    SPEC_P2WPKH,
    "Hello World",
    "AkgwRQIhAOzyynlqt93lOKJr+wmmxIens//zPzl9tqIOua93wO6MAiBi5n5EyAcPScOjf1lAqIUIQtr3zKNeavYabHyR8eGhowEhAsfxIAMZZEKUPYWI4BruhAQjzFT8FSFSajuFwrDL1Yhy",
  ],
  [
    SPEC_P2TR,
    "Hello World",
    "AUHd69PrJQEv+oKTfZ8l+WROBHuy9HKrbFCJu7U1iK2iiEy1vMU5EfMtjc+VSHM7aU0SDbak5IUZRVno2P5mjSafAQ==",
  ],
];

const randomKey = () => secp256k1.utils.randomSecretKey();
const regtestWif = (key: Uint8Array) =>
  WIF({ bech32: "bcrt", pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef }).encode(key);

describe("Bitcoin protocol in core (bip122 ids, BIP-322 simple signatures)", () => {
  describe("bip122 CAIP ids", () => {
    it("parses the known chains, and refuses an unknown genesis or another spelling", () => {
      const chain = parseCaip2("bip122:000000000019d6689c085ae165831e93");
      expect(chain.ok && chain.value).to.deep.include({
        namespace: "bip122",
        reference: "000000000019d6689c085ae165831e93",
      });
      expect(parseCaip2(`bip122:${REGTEST_GENESIS}`).ok).to.equal(true);
      for (const bad of [
        "bip122:000000000019D6689C085AE165831E93",
        "bip122:000000000019d6689c085ae165831e9",
        `bip122:${"00".repeat(16)}`,
      ]) {
        const parsed = parseCaip2(bad);
        expect(!parsed.ok && parsed.error.code, bad).to.equal("CAIP2_FORMAT");
      }
      const cosmos = parseCaip2("cosmos:cosmoshub-4");
      expect(!cosmos.ok && cosmos.error.code).to.equal("CAIP_NAMESPACE_UNSUPPORTED");
    });

    it("accepts each address in its chain's canonical encoding only", () => {
      const ok = (id: string) => parseCaip10(id).ok;
      expect(ok(`bip122:000000000019d6689c085ae165831e93:${SPEC_P2WPKH}`)).to.equal(true);
      expect(ok(`bip122:000000000019d6689c085ae165831e93:${SPEC_P2TR}`)).to.equal(true);
      expect(ok("bip122:000000000019d6689c085ae165831e93:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")).to.equal(true);
      expect(ok(`bip122:000000000019d6689c085ae165831e93:${SPEC_P2WPKH.toUpperCase()}`)).to.equal(false);
      expect(ok("bip122:000000000019d6689c085ae165831e93:tb1q9vza2e8x573nczrlzms0wvx3gsqjx7vaxwd45v")).to.equal(false);
      expect(ok(`bip122:${REGTEST_GENESIS}:bcrt1q9vza2e8x573nczrlzms0wvx3gsqjx7vay85cr9`)).to.equal(true);
      expect(
        ok(
          `bip122:${REGTEST_GENESIS}:${p2wpkh(secp256k1.getPublicKey(randomKey(), true), { ...MAINNET, bech32: "rb", wif: 0xef }).address}`,
        ),
      ).to.equal(true);
      // one script, two prefixes on regtest (Bitcoin Core's bcrt, bcoin's rb): compared by script, never by text
      expect(scriptOf("bcrt1q9vza2e8x573nczrlzms0wvx3gsqjx7vay85cr9", REGTEST)).to.deep.equal(scriptOf(SPEC_P2WPKH));
    });

    it("names the coin only as slip44:0 and a movement as a whole transaction by lowercase txid", () => {
      expect(parseCaip19("bip122:000000000019d6689c085ae165831e93/slip44:0").ok).to.equal(true);
      expect(parseCaip19("bip122:000000000019d6689c085ae165831e93/slip44:60").ok).to.equal(false);
      const txid = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16";
      const ref = parseMovementRef(`bip122:000000000019d6689c085ae165831e93/tx/${txid}`);
      expect(ref.ok && ref.value).to.deep.include({ txHash: txid, logIndex: null });
      for (const bad of [`0x${txid}`, txid.toUpperCase(), `${txid}/log/0`, txid.slice(2)])
        expect(parseMovementRef(`bip122:000000000019d6689c085ae165831e93/tx/${bad}`).ok, bad).to.equal(false);
    });

    it("accepts the valid vectors' bip122 records and refuses a 9-decimal BTC amount on the amount field", () => {
      const records = validBatches().flatMap((b) => b.leaves.map((l) => l.record));
      const bitcoin = records.filter((r) => r.counterparty.startsWith("bip122:") || r.reference.startsWith("bip122:"));
      expect(bitcoin.map((r) => r.kind)).to.deep.equal(["WALLET_DECLARED", "INFLOW_MINING", "VALUATION"]);
      const movement = bitcoin[1]!;
      const refused = validateRecord({ ...movement, amount: "1.000000001" } satisfies RecordV1);
      expect(!refused.ok && refused.errors.map((e) => `${e.field}:${e.code}`)).to.deep.equal([
        "amount:DECIMAL_TOO_PRECISE",
      ]);
      expect(validateRecord({ ...movement, amount: "1.00000000" }).ok).to.equal(true);
      // the same 9 decimals on an EVM or free-text record is fine (18 decimals there)
      expect(validateRecord({ ...movement, amount: "1.000000001", reference: "court order 7" }).ok).to.equal(true);
    });
  });

  describe("BIP-322 simple signatures", () => {
    it("verify BIP-322's own test vectors, as bip322-js does", () => {
      for (const [address, message, signature] of SPEC_VECTORS) {
        expect(verifyBip322Simple(scriptOf(address), message, signature), `${address} ${message}`).to.deep.equal({
          ok: true,
        });
        expect(referenceVerify(address, message, signature)).to.equal(true);
      }
    });

    it("refuse each vector for another message or another address", () => {
      for (const [address, message, signature] of SPEC_VECTORS) {
        expect(verifyBip322Simple(scriptOf(address), `${message}!`, signature).ok).to.equal(false);
        const other = address === SPEC_P2TR ? SPEC_P2WPKH : SPEC_P2TR;
        expect(verifyBip322Simple(scriptOf(other), message, signature).ok).to.equal(false);
      }
    });

    it("sign P2WPKH exactly as BIP-322's deterministic vector (RFC 6979)", () => {
      expect(signBip322P2wpkh(WIF().decode(SPEC_KEY), "Hello World")).to.equal(SPEC_VECTORS[2]![2]);
    });

    it("agree with bip322-js both ways on random P2WPKH and P2TR keys and messages (regtest addresses)", () => {
      for (let i = 0; i < 6; i++) {
        const key = randomKey();
        const message = `aiqyn-wallet/1 test ${i} ${"қ".repeat(i)}`;
        const wpkh = p2wpkh(secp256k1.getPublicKey(key, true), { ...REGTEST, bech32: "bcrt" }).address!;
        const tr = p2tr(schnorr.getPublicKey(key), undefined, { ...REGTEST, bech32: "bcrt" }).address!;
        const network = REGTEST;
        for (const [address, mine] of [
          [wpkh, signBip322P2wpkh(key, message)],
          [tr, signBip322P2tr(key, message)],
        ] as const) {
          expect(referenceVerify(address, message, mine), `bip322-js on ours ${address}`).to.equal(true);
          const theirs = referenceSign(regtestWif(key), address, message);
          expect(
            verifyBip322Simple(scriptOf(address, network), message, theirs),
            `ours on bip322-js ${address}`,
          ).to.deep.equal({ ok: true });
          expect(verifyBip322Simple(scriptOf(address, network), `${message}.`, theirs).ok).to.equal(false);
        }
      }
    });

    it("verify a 2-of-3 sortedmulti P2WSH by any two of its keys, and refuse one signature, a stranger or the wrong order", () => {
      const keys = [randomKey(), randomKey(), randomKey()];
      const account = sortedMultisig(
        2,
        keys.map((k) => secp256k1.getPublicKey(k, true)),
        MAINNET,
      );
      const message = "aiqyn-wallet/1 treasury";
      const verdict = (memo: string) => verifyBip322Simple(account.script, message, memo);
      for (const pair of [
        [0, 1],
        [0, 2],
        [1, 2],
      ])
        expect(
          verdict(
            signBip322Multisig(
              pair.map((i) => keys[i]!),
              account,
              message,
            ),
          ),
          String(pair),
        ).to.deep.equal({ ok: true });
      const one = verdict(signBip322Multisig([keys[0]!], account, message));
      expect(one.ok === false && one.reason).to.match(/needs 2 signatures; the witness has 1/);
      expect(verdict(signBip322Multisig([keys[0]!, randomKey()], account, message)).ok).to.equal(false);
      // CHECKMULTISIG takes signatures in the script's key order: the same two, swapped, fail
      const ordered = signBip322Multisig([keys[0]!, keys[1]!], account, message);
      const items = decodeWitness(ordered)!;
      expect(verdict(encodeWitness([items[0]!, items[2]!, items[1]!, items[3]!])).ok).to.equal(false);
      expect(
        verdict(signBip322P2wsh([keys[0]!, keys[1]!], account.witnessScript, account.script, "another message")).ok,
      ).to.equal(false);
    });

    it("agree with bcoin's script interpreter on 2-of-3 multisig witnesses, valid and not", () => {
      const keys = [randomKey(), randomKey(), randomKey()];
      const account = sortedMultisig(
        2,
        keys.map((k) => secp256k1.getPublicKey(k, true)),
        MAINNET,
      );
      const message = "aiqyn-wallet/1 cross-check";
      const cases = [
        [signBip322Multisig([keys[0]!, keys[2]!], account, message), message],
        [signBip322Multisig([keys[1]!, keys[2]!], account, message), message],
        [signBip322Multisig([keys[0]!, keys[1]!], account, message), `${message}?`],
        [signBip322Multisig([keys[1]!], account, message), message],
        [signBip322Multisig([keys[0]!, randomKey()], account, message), message],
      ] as const;
      const verdicts = cases.map(([memo, m]) => [
        verifyBip322Simple(account.script, m, memo).ok,
        bcoinVerifyBip322(account.script, m, decodeWitness(memo)!),
      ]);
      expect(verdicts).to.deep.equal([
        [true, true],
        [true, true],
        [false, false],
        [false, false],
        [false, false],
      ]);
      // and on a P2WPKH vector of the spec
      const [address, m, sig] = SPEC_VECTORS[1]!;
      expect(bcoinVerifyBip322(scriptOf(address), m, decodeWitness(sig)!)).to.equal(true);
    });

    it("read base64 exactly as Node's Buffer writes it (every length), and refuse padding inside", () => {
      for (let n = 0; n < 200; n++) {
        const bytes = secp256k1.utils.randomSecretKey().slice(0, n % 33);
        const text = Buffer.from(bytes).toString("base64");
        expect(base64.encode(bytes)).to.equal(text);
        expect(Buffer.from(base64.decode(text)).equals(Buffer.from(bytes))).to.equal(true);
      }
      expect(() => base64.decode("AA==AAAA")).to.throw();
      expect(() => base64.decode("AAA")).to.throw();
    });

    it("refuse what it cannot prove, with a reason: legacy and P2SH addresses, malformed witnesses", () => {
      const legacy = verifyBip322Simple(scriptOf("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"), "m", SPEC_VECTORS[0]![2]);
      expect(legacy.ok === false && legacy.reason).to.match(/P2WPKH, P2TR key path and P2WSH multisig only/);
      for (const memo of ["", "not base64!", "AA==", `${SPEC_VECTORS[0]![2]}AA`, SPEC_VECTORS[0]![2].replace("=", "")])
        expect(verifyBip322Simple(scriptOf(SPEC_P2WPKH), "", memo).ok, memo).to.equal(false);
    });
  });
});
