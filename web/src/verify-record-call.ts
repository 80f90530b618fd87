/**
 * The "verify on chain" second opinion: TransparencyRegistry.verifyRecord(batchId, record, proof) by eth_call.
 *
 * Calldata = selector ‖ uint64 batchId ‖ offset of the record tuple ‖ offset of the proof array ‖ tuple ‖ array.
 * The tuple is dynamic, so its head word is an offset (0x60: after the three head words) to a body that is the
 * 13 fields' own head + tail encoding. That body is core's encodeRecord without its leading version word, with
 * every string offset 32 less (they counted from the version word). Reusing encodeRecord keeps one definition of
 * the record encoding; only this wrapping lives here.
 */
import {
  bytesToHex,
  encodeRecord,
  hexToBytes,
  keccak256,
  uintWordBytes,
  utf8Bytes,
  AiqynError,
  type Hex,
  type RecordV1,
  type RpcRequest,
} from "../../core/index";

export const VERIFY_RECORD_SIGNATURE =
  "verifyRecord(uint64,(uint64,uint8,uint64,uint64,string,string,uint256,uint256,string,string,bytes32,string,uint64),bytes32[])";

/** Head words of encodeRecord (version word = 0) that hold a string's offset: publisher, asset, counterparty, reference, memo. */
const STRING_OFFSET_WORDS = [5, 6, 9, 10, 12];

function uintWord(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new AiqynError("INVALID_ARGUMENT", "expected a non-negative safe integer");
  return uintWordBytes(value);
}

/** abi.encode of the Record struct's fields as a tuple body (what an offset to a dynamic tuple points at). */
export function recordTupleBody(record: RecordV1): Uint8Array {
  const body = encodeRecord(record).slice(32);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (const word of STRING_OFFSET_WORDS) {
    // Offsets are far below 2^32: the word's last four bytes hold all of it.
    const at = (word - 1) * 32 + 28;
    view.setUint32(at, view.getUint32(at) - 32);
  }
  return body;
}

export function verifyRecordCalldata(batchId: number, record: RecordV1, proof: readonly Hex[]): Hex {
  const selector = keccak256(utf8Bytes(VERIFY_RECORD_SIGNATURE)).slice(0, 4);
  const tuple = recordTupleBody(record);
  const parts: Uint8Array[] = [
    selector,
    uintWord(batchId),
    uintWord(3 * 32),
    uintWord(3 * 32 + tuple.length),
    tuple,
    uintWord(proof.length),
  ];
  for (const element of proof) parts.push(hexToBytes(element));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return bytesToHex(out);
}

/** Asks the registry itself; true only when the contract answers a bool true. Throws on RPC errors or reverts. */
export async function verifyRecordOnChain(
  request: RpcRequest,
  registry: string,
  batchId: number,
  record: RecordV1,
  proof: readonly Hex[],
): Promise<boolean> {
  const result = await request("eth_call", [
    { to: registry, data: verifyRecordCalldata(batchId, record, proof) },
    "latest",
  ]);
  if (typeof result !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(result)) {
    throw new AiqynError("RPC_BAD_ANSWER", "verifyRecord did not answer one ABI word (is that the registry?)");
  }
  const value = BigInt(result);
  if (value > 1n) throw new AiqynError("RPC_BAD_ANSWER", "verifyRecord answered something that is not a bool");
  return value === 1n;
}
