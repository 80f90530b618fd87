/**
 * A WebAssembly Keccak-256 (hash-wasm) for the audit's million leaves: about 10× faster than the pure-JS
 * default. It is injected into core's leafHash and buildBatchTree, never used to define a hash: before use it
 * must agree with core's keccak256 on a set of inputs covering every block-size edge, else core's is used.
 */
import { wasmKeccak } from "../../core/protocol/wasm-keccak";
import { agreesWithCore, keccak256, type Keccak } from "../../core";

/** The probe lives in core (core/protocol/keccak.ts), shared with the page's figure check. */
export { agreesWithCore };

export interface KeccakChoice {
  keccak: Keccak;
  name: "hash-wasm" | "@noble/hashes";
}

export async function fastKeccak(): Promise<KeccakChoice> {
  const wasm = await wasmKeccak();
  return wasm ? { keccak: wasm, name: "hash-wasm" } : { keccak: keccak256, name: "@noble/hashes" };
}
