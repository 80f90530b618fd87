/**
 * The Safe as the ops commands meet it: reading a Safe's owners and threshold (the admin should be one), and the
 * Safe{Wallet} Transaction Builder's batch file checksum, so that a `--print-tx` file imports without the
 * builder's "checksum does not match" warning.
 *
 * The builder's checksum (safe-react-apps, apps/tx-builder/src/lib/checksum.ts): keccak256 of the UTF-8 of a
 * canonical serialisation of the whole batch file with `meta.name` set to null and no `meta.checksum` key. The
 * serialisation writes an array as `[a,b]`; an object as `{` + JSON of its sorted key list + each value
 * (in that key order) followed by a comma + `}`; anything else as JSON, undefined as null.
 */
import { Contract, getAddress, keccak256, toUtf8Bytes, type Provider } from "ethers";

export interface SafeSetup {
  owners: string[];
  threshold: number;
}

/** A Safe's owners (checksummed) and threshold, or undefined when the address does not answer as a Safe. */
export async function readSafe(provider: Provider, address: string): Promise<SafeSetup | undefined> {
  const safe = new Contract(
    address,
    ["function getOwners() view returns (address[])", "function getThreshold() view returns (uint256)"],
    provider,
  );
  try {
    const owners = ((await safe.getFunction("getOwners").staticCall()) as string[]).map((a) => getAddress(a));
    const threshold = Number(await safe.getFunction("getThreshold").staticCall());
    return owners.length > 0 && threshold >= 1 && threshold <= owners.length ? { owners, threshold } : undefined;
  } catch {
    return undefined;
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort();
    const record = value as Record<string, unknown>;
    return `{${JSON.stringify(keys)}${keys.map((key) => `${canonical(record[key])},`).join("")}}`;
  }
  return value === undefined ? "null" : JSON.stringify(value);
}

export interface TxBuilderBatch {
  meta: Record<string, unknown> & { name: string };
  [key: string]: unknown;
}

/** The builder's hash of a batch exactly as given (its `addChecksum`: meta.name as null, every other key kept). */
export function batchHash(batch: TxBuilderBatch): string {
  return keccak256(toUtf8Bytes(canonical({ ...batch, meta: { ...batch.meta, name: null } })));
}

/**
 * The checksum a batch file carries: what the builder's import (`validateChecksum`) recomputes, the hash with
 * meta.checksum removed.
 */
export function txBuilderChecksum(batch: TxBuilderBatch): string {
  const { checksum: _omitted, ...meta } = batch.meta;
  return batchHash({ ...batch, meta: { ...meta, name: batch.meta.name } });
}
