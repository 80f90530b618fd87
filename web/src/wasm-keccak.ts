/**
 * The figure check's Keccak-256: hash-wasm's WebAssembly one (its wasm embedded in the JS, compiled under the
 * page's CSP 'wasm-unsafe-eval'), about 6× faster than core's pure-JS one on a record's leaf. It is injected
 * into core's leafHash and batch root, never a definition of its own: it is used only once core's
 * agreesWithCore finds it returns exactly core's keccak256; otherwise, or when WebAssembly cannot be compiled
 * here (no WebAssembly, a CSP without 'wasm-unsafe-eval'), core's own is used.
 */
import { keccak256, type Keccak } from "../../core/protocol/keccak";
import { wasmKeccak } from "../../core/protocol/wasm-keccak";

export interface PageKeccak {
  keccak: Keccak;
  /** Which one hashes: "wasm" (hash-wasm) or "js" (core's @noble/hashes). */
  name: "wasm" | "js";
}

export async function pageKeccak(): Promise<PageKeccak> {
  const wasm = await wasmKeccak();
  return wasm ? { keccak: wasm, name: "wasm" } : { keccak: keccak256, name: "js" };
}
