/**
 * Receipts an auditor collected (POST answers, proof bundles): each is the operator's signed promise that a
 * seq will be anchored with a given leaf within the registry's maxAnchorDelay(). A receipt binds the registry
 * when its signer held ANCHORER_ROLE at its publishedAt (core/verify/roles.ts), so a later key rotation never voids it.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  BUNDLE_FORMAT,
  isBytes32Hex,
  receiptSignatureValid,
  roleHeldAt,
  type Hex,
  type Receipt,
  type RoleEvent,
} from "../../../core";
import { isAddress, isObject, isSignatureHex } from "../../../core/protocol/shape";
import type { FindingInput } from "./findings";

export interface LoadedReceipt {
  receipt: Receipt;
  /** file name and index within it, for messages */
  origin: string;
}

const MAX_RECEIPT_FILE_BYTES = 64 * 1024 * 1024;

/** Loads receipts from files and folders (each folder's *.json files, sorted): see entriesOf for the shapes. */
export async function loadReceipts(paths: string[]): Promise<{ receipts: LoadedReceipt[]; findings: FindingInput[] }> {
  const receipts: LoadedReceipt[] = [];
  const findings: FindingInput[] = [];
  for (const path of await receiptFiles(paths)) {
    const json = await readReceiptFile(path, findings);
    if (json === undefined) continue;
    const entries = entriesOf(json);
    entries.forEach((entry, i) => {
      const origin = entries.length === 1 ? basename(path) : `${basename(path)}[${i}]`;
      const receipt = asReceipt(entry);
      if (receipt) receipts.push({ receipt, origin });
      else
        findings.push({
          code: "RECEIPT_INVALID",
          message: `${origin} is not a receipt { seq, leaf, publishedAt, signer, signature }; skipped`,
        });
    });
  }
  return { receipts, findings };
}

/** The files named, and the *.json files of the folders named. */
async function receiptFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if (!(await stat(path)).isDirectory()) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path)).filter((n) => n.endsWith(".json")).sort();
    for (const name of names) if ((await stat(join(path, name))).isFile()) files.push(join(path, name));
  }
  return files;
}

async function readReceiptFile(path: string, findings: FindingInput[]): Promise<unknown> {
  if ((await stat(path)).size > MAX_RECEIPT_FILE_BYTES) {
    findings.push({
      code: "RECEIPT_INVALID",
      message: `${basename(path)} is larger than ${MAX_RECEIPT_FILE_BYTES} bytes; skipped`,
    });
    return undefined;
  }
  try {
    return JSON.parse(await readFile(path, "utf8")) as unknown;
  } catch {
    findings.push({ code: "RECEIPT_INVALID", message: `${basename(path)} is not JSON; skipped` });
    return undefined;
  }
}

/**
 * The receipts a file holds: one receipt, an array of receipts or bundles, a POST answer `{ receipts: [...] }`,
 * or a proof bundle (aiqyn-proof/1), whose `receipt` is taken.
 */
function entriesOf(json: unknown): unknown[] {
  if (Array.isArray(json)) return json.flatMap((item) => entriesOf(item));
  if (isObject(json) && Array.isArray(json.receipts)) return json.receipts as unknown[];
  if (isObject(json) && json.format === BUNDLE_FORMAT) return json.receipt === undefined ? [] : [json.receipt];
  return [json];
}

function asReceipt(value: unknown): Receipt | null {
  if (!isObject(value)) return null;
  const { seq, leaf, publishedAt, signer, signature } = value;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) return null;
  if (!isBytes32Hex(leaf)) return null;
  if (typeof publishedAt !== "number" || !Number.isSafeInteger(publishedAt) || publishedAt < 0) return null;
  if (!isAddress(signer)) return null;
  if (!isSignatureHex(signature)) return null;
  return { seq, leaf: leaf as Hex, publishedAt, signer, signature: signature as Hex };
}

/**
 * The receipts still to be matched against the chain, by seq. Receipts with a bad signature or a signer
 * without ANCHORER_ROLE prove nothing about the registry: they get a finding and are not tracked further.
 */
export class ReceiptBook {
  private readonly bySeq = new Map<number, LoadedReceipt[]>();

  constructor(
    readonly maxDelaySeconds: number,
    private readonly findings: (f: FindingInput) => void,
  ) {}

  /** Checks signatures and that each signer held ANCHORER_ROLE at the receipt's publishedAt. */
  admit(receipts: LoadedReceipt[], chainId: number, registry: string, roles: readonly RoleEvent[]): void {
    for (const loaded of receipts) {
      const { receipt, origin } = loaded;
      if (!receiptSignatureValid(receipt, chainId, registry)) {
        this.findings({
          code: "RECEIPT_BAD_SIGNATURE",
          seq: receipt.seq,
          message: `${origin}: the signature is not ${receipt.signer}'s over this receipt for chain ${chainId} and registry ${registry}`,
        });
        continue;
      }
      if (!roleHeldAt(roles, receipt.signer, receipt.publishedAt)) {
        this.findings({
          code: "RECEIPT_UNKNOWN_SIGNER",
          seq: receipt.seq,
          message: `${origin}: the signer ${receipt.signer} did not hold ANCHORER_ROLE at publishedAt ${receipt.publishedAt}; the receipt binds nobody`,
        });
        continue;
      }
      const list = this.bySeq.get(receipt.seq) ?? [];
      list.push(loaded);
      this.bySeq.set(receipt.seq, list);
    }
  }

  get size(): number {
    return this.bySeq.size;
  }

  /** For a chain batch: receipts whose seq it anchors were honoured in time? (Only needs the chain.) */
  checkTiming(batchId: number, firstSeq: number, leafCount: number, anchoredAt: number): void {
    for (const [seq, list] of this.bySeq) {
      if (seq < firstSeq || seq >= firstSeq + leafCount) continue;
      for (const { receipt, origin } of list) {
        const deadline = receipt.publishedAt + this.maxDelaySeconds;
        if (anchoredAt > deadline) {
          this.findings({
            code: "RECEIPT_LATE",
            batchId,
            seq,
            message: `${origin}: seq ${seq} was anchored at ${anchoredAt}, ${anchoredAt - receipt.publishedAt} s after publishedAt; the promise was ${this.maxDelaySeconds} s (maxAnchorDelay)`,
            expected: deadline,
            actual: anchoredAt,
          });
        }
      }
    }
  }

  /** After a batch's records were verified against its root: each receipt's leaf must be the anchored one. */
  checkLeaves(batchId: number, firstSeq: number, leaves: readonly Hex[] | null): void {
    for (let i = 0; i < (leaves?.length ?? 0); i++) {
      const seq = firstSeq + i;
      const list = this.bySeq.get(seq);
      if (!list) continue;
      for (const { receipt, origin } of list) {
        if (receipt.leaf.toLowerCase() !== leaves![i]) {
          this.findings({
            code: "RECEIPT_LEAF_MISMATCH",
            batchId,
            seq,
            message: `${origin}: seq ${seq} is anchored with another leaf than the receipt promised`,
            expected: receipt.leaf,
            actual: leaves![i],
          });
        }
      }
      this.bySeq.delete(seq);
    }
  }

  /** When a batch's records could not be verified: its receipts' leaves stay unchecked. */
  markUnchecked(batchId: number, firstSeq: number, leafCount: number): void {
    for (const [seq, list] of this.bySeq) {
      if (seq < firstSeq || seq >= firstSeq + leafCount) continue;
      for (const { origin } of list) {
        this.findings({
          code: "RECEIPT_UNCHECKED",
          batchId,
          seq,
          message: `${origin}: seq ${seq} is anchored in batch ${batchId}, but its records could not be verified, so the leaf was not compared`,
        });
      }
      this.bySeq.delete(seq);
    }
  }

  /** After the walk: receipts for seqs at or past nextSeq were never anchored. */
  checkUnanchored(nextSeq: number, now: number): void {
    for (const [seq, list] of this.bySeq) {
      if (seq < nextSeq) continue;
      for (const { receipt, origin } of list) {
        const deadline = receipt.publishedAt + this.maxDelaySeconds;
        if (now > deadline) {
          this.findings({
            code: "RECEIPT_NOT_HONOURED",
            seq,
            message: `${origin}: seq ${seq} was promised by ${deadline} (publishedAt ${receipt.publishedAt} + ${this.maxDelaySeconds} s) and is not anchored (nextSeq ${nextSeq})`,
            expected: `anchored by ${deadline}`,
            actual: `not anchored at ${now}`,
          });
        } else {
          this.findings({
            code: "RECEIPT_PENDING",
            seq,
            message: `${origin}: seq ${seq} is not anchored yet; it is due by ${deadline}`,
          });
        }
      }
      this.bySeq.delete(seq);
    }
  }
}
