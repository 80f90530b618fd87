/**
 * The one hash of the protocol: Keccak-256 (Ethereum's, not NIST SHA3-256).
 *
 * Every function that hashes takes an optional `Keccak` so that a host can inject a faster implementation
 * (the server uses WebAssembly); the default is @noble/hashes, pure JS and browser-safe. Any injected
 * function must return exactly Keccak-256 of its input: the test suite checks the server's against this one.
 */
import { keccak_256 } from "@noble/hashes/sha3";

export type Keccak = (data: Uint8Array) => Uint8Array;

export const keccak256: Keccak = (data) => keccak_256(data);

/** Lengths around Keccak-256's 136-byte rate, plus typical leaf preimages. */
const PROBE_LENGTHS = [0, 1, 31, 32, 33, 64, 135, 136, 137, 271, 272, 273, 416, 1000, 4096];

/**
 * True when `candidate` returns exactly core's Keccak-256 on inputs covering every block-size edge: a host
 * checks a faster implementation with it before injecting it (the CLI's audit, the page's figure check).
 */
export function agreesWithCore(candidate: Keccak): boolean {
  for (const length of PROBE_LENGTHS) {
    const input = new Uint8Array(length);
    for (let i = 0; i < length; i++) input[i] = (i * 131 + length * 7) & 0xff;
    const a = candidate(input);
    const b = keccak256(input);
    if (!(a instanceof Uint8Array) || a.length !== 32 || a.some((byte, i) => byte !== b[i])) return false;
  }
  return true;
}
