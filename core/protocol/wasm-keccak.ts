/**
 * Keccak-256 through WebAssembly (hash-wasm) for the hosts that hash a great many leaves: the server, the audit and
 * the page's figure check. Never a definition of the hash: it is handed out only once core's agreesWithCore finds
 * it returns exactly core's keccak256, and null when it does not, or when WebAssembly cannot be compiled here (no
 * WebAssembly, a page's CSP without 'wasm-unsafe-eval'); the host then keeps core's own.
 */
import { createKeccak } from "hash-wasm";
import { agreesWithCore, type Keccak } from "./keccak";

export async function wasmKeccak(): Promise<Keccak | null> {
  try {
    const hasher = await createKeccak(256);
    const candidate: Keccak = (data) => {
      hasher.init();
      hasher.update(data);
      return hasher.digest("binary");
    };
    return agreesWithCore(candidate) ? candidate : null;
  } catch {
    return null;
  }
}
