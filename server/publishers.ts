/**
 * Publisher accounts: a name (which becomes the record's `publisher` field) and the SHA-256 of a random
 * bearer key. The key itself is shown once, at creation, and never stored.
 */
import crypto from "node:crypto";
import { AiqynError, LIMITS } from "../core";
import { storeProblem } from "./http/store-problem";
import type { Publisher, Store } from "./store/types";

const KEY_PREFIX = "aiq_";

export function hashApiKey(key: string): string {
  return crypto.createHash("sha256").update(key, "utf8").digest("hex");
}

export function generateApiKey(): string {
  return KEY_PREFIX + crypto.randomBytes(32).toString("base64url");
}

export async function addPublisher(
  store: Store,
  name: string,
  now = Math.floor(Date.now() / 1000),
  rights: { mayCorrectOthers?: boolean } = {},
): Promise<{ publisher: Publisher; key: string }> {
  if (!LIMITS.publisherPattern.test(name)) {
    throw new AiqynError(
      "INVALID_PUBLISHER_NAME",
      "a publisher name is 1–64 characters of a–z, 0–9, '.', '_' and '-', starting with a letter or digit",
    );
  }
  const key = generateApiKey();
  const publisher = await store.addPublisher(name, hashApiKey(key), now, rights);
  return { publisher, key };
}

/** The active publisher that a bearer key belongs to, or null (unknown or revoked key). */
export async function authenticate(store: Store, key: string): Promise<Publisher | null> {
  if (!key.startsWith(KEY_PREFIX) || key.length > 200) return null;
  let publisher: Publisher | null;
  try {
    publisher = await store.publisherByKeyHash(hashApiKey(key));
  } catch (error) {
    throw storeProblem(error);
  }
  return publisher && publisher.revokedAt === null ? publisher : null;
}
