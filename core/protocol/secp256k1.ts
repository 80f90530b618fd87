/**
 * secp256k1 ECDSA public-key recovery, and nothing else: what the receipt check (core/receipt.ts) needs to learn
 * who signed. It replaces @noble/curves on the page's verify path, where the whole curve library (signing,
 * DER, hash-to-curve…) weighed 12.7 KB gzipped before the first verdict; this is under 1 KB.
 *
 * Only public data goes through here (a signature, a hash), so plain BigInt arithmetic with its data-dependent
 * timing is fine. It answers exactly as @noble/curves' `Signature.fromCompact(rs).addRecoveryBit(v)
 * .recoverPublicKey(hash)` does for recovery ids 0 and 1, throwing where it throws (r or s outside 1..n−1, r not
 * the x of a curve point, the point at infinity); test/core/secp256k1.test.ts compares the two.
 *
 * Q = r⁻¹·(s·R − h·G), R the curve point with x = r and the parity of y the recovery id (SEC 1, 4.1.6).
 */
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const GX = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n;
const GY = 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n;

/** A point in Jacobian coordinates (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity. */
type Jacobian = readonly [bigint, bigint, bigint];
const INFINITY: Jacobian = [0n, 1n, 0n];

function mod(a: bigint, m: bigint = P): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** a⁻¹ mod m (m prime, a ≠ 0 mod m), by the extended Euclidean algorithm. */
function invert(a: bigint, m: bigint): bigint {
  let [x, y, u, v] = [mod(a, m), m, 1n, 0n];
  if (x === 0n) throw new Error("no inverse of zero");
  while (x !== 0n) {
    const q = y / x;
    [x, y, u, v] = [y - q * x, x, v - q * u, u];
  }
  return mod(v, m);
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = mod(result * b);
    b = mod(b * b);
  }
  return result;
}

/** 2·p on y² = x³ + 7 (a = 0). */
function double([x, y, z]: Jacobian): Jacobian {
  if (z === 0n || y === 0n) return INFINITY;
  const yy = mod(y * y);
  const s = mod(4n * x * yy);
  const m = mod(3n * x * x);
  const x3 = mod(m * m - 2n * s);
  return [x3, mod(m * (s - x3) - 8n * yy * yy), mod(2n * y * z)];
}

function add(p: Jacobian, q: Jacobian): Jacobian {
  const [x1, y1, z1] = p;
  const [x2, y2, z2] = q;
  if (z1 === 0n) return q;
  if (z2 === 0n) return p;
  const z1z1 = mod(z1 * z1);
  const z2z2 = mod(z2 * z2);
  const u1 = mod(x1 * z2z2);
  const u2 = mod(x2 * z1z1);
  const s1 = mod(y1 * z2 * z2z2);
  const s2 = mod(y2 * z1 * z1z1);
  const hh = mod(u2 - u1);
  const rr = mod(s2 - s1);
  if (hh === 0n) return rr === 0n ? double(p) : INFINITY;
  const h2 = mod(hh * hh);
  const h3 = mod(h2 * hh);
  const v = mod(u1 * h2);
  const x3 = mod(rr * rr - h3 - 2n * v);
  return [x3, mod(rr * (v - x3) - s1 * h3), mod(hh * z1 * z2)];
}

function multiply(p: Jacobian, k: bigint): Jacobian {
  let result = INFINITY;
  for (let i = BigInt(k.toString(2).length) - 1n; i >= 0n; i--) {
    result = double(result);
    if ((k >> i) & 1n) result = add(result, p);
  }
  return result;
}

function bytesToBigint(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  return n;
}

function bigintTo32Bytes(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31, v = n; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/**
 * The signer's public key, x ‖ y (64 bytes, without the 0x04 prefix), from a 32-byte message hash, the compact
 * signature r ‖ s (64 bytes) and the recovery id (0 or 1). Throws when no key can be recovered.
 */
export function recoverPublicKey(hash: Uint8Array, compact: Uint8Array, recovery: number): Uint8Array {
  if (hash.length !== 32 || compact.length !== 64) throw new Error("expected a 32-byte hash and a 64-byte signature");
  if (recovery !== 0 && recovery !== 1) throw new Error("recovery id must be 0 or 1");
  const r = bytesToBigint(compact.subarray(0, 32));
  const s = bytesToBigint(compact.subarray(32));
  if (r < 1n || r >= N || s < 1n || s >= N) throw new Error("r and s must lie in 1..n-1");
  // R: x = r (< n < p), y the square root of x³ + 7 with the recovery id's parity.
  const rhs = mod(r * r * r + 7n);
  let y = power(rhs, (P + 1n) / 4n);
  if (mod(y * y) !== rhs) throw new Error("r is not the x of a curve point");
  if ((y & 1n) !== BigInt(recovery)) y = mod(-y);
  const rInverse = invert(r, N);
  const h = mod(bytesToBigint(hash), N);
  const u1 = mod(-h * rInverse, N);
  const u2 = mod(s * rInverse, N);
  const [qx, qy, qz] = add(multiply([GX, GY, 1n], u1), multiply([r, y, 1n], u2));
  if (qz === 0n) throw new Error("the recovered key is the point at infinity");
  const zInverse = invert(qz, P);
  const zz = mod(zInverse * zInverse);
  const key = new Uint8Array(64);
  key.set(bigintTo32Bytes(mod(qx * zz)), 0);
  key.set(bigintTo32Bytes(mod(qy * zz * zInverse)), 32);
  return key;
}
