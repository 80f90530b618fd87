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
