/**
 * Where alerts go: JSON lines on stdout, a webhook (each alert POSTed alone, its body signed with HMAC-SHA256
 * under a shared secret, retried with backoff), and an Atom feed file a feed reader can follow.
 *
 * The webhook's recipe (docs/MONITORING.md): the header `X-Aiqyn-Signature: sha256=<hex>` carries
 * HMAC-SHA256(secret, the request body's exact bytes); a receiver recomputes it over the body it received,
 * compares in constant time, and drops a repeated `id`.
 */
import { createHmac } from "node:crypto";
import { writeFileAtomic } from "../fs-atomic";
import type { Alert } from "./alerts";

export const ALERT_FORMAT = "aiqyn-alert/1";
export const SIGNATURE_HEADER = "x-aiqyn-signature";

/** The body POSTed for one alert, exactly as signed. */
export function webhookBody(alert: Alert): string {
  return JSON.stringify({ format: ALERT_FORMAT, ...alert });
}

/** `sha256=` + hex HMAC-SHA256(secret, body). */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

export interface WebhookOptions {
  url: string;
  secret: string;
  /** Attempts per alert in one delivery round (default 4: one and three retries). */
  attempts?: number;
  /** First pause between attempts, doubled each time (default 500 ms). */
  backoffMs?: number;
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** POSTs one alert until a 2xx answer or the attempts run out. Resolves true when delivered. */
export async function postAlert(options: WebhookOptions, alert: Alert): Promise<boolean> {
  const body = webhookBody(alert);
  const attempts = options.attempts ?? 4;
  let pause = options.backoffMs ?? 500;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await fetch(options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [SIGNATURE_HEADER]: webhookSignature(options.secret, body),
          "x-aiqyn-alert-id": alert.id,
        },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) return true;
    } catch {
      // unreachable or timed out: retried below
    }
    if (attempt < attempts) await sleep(pause);
    pause *= 2;
  }
  return false;
}

/** Delivers the outbox's alerts in order; returns those the webhook did not accept (kept for the next cycle). */
export async function deliverWebhook(options: WebhookOptions, outbox: readonly Alert[]): Promise<Alert[]> {
  const left: Alert[] = [];
  for (const alert of outbox) {
    // Once the receiver is down, don't spend the whole backoff on every alert of the round.
    if (left.length > 0 || !(await postAlert(options, alert))) left.push(alert);
  }
  return left;
}

const escapeXml = (text: string) =>
  text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);

export const FEED_ENTRIES = 100;

/** An Atom 1.0 feed of the newest alerts (newest first). */
export function atomFeed(registry: string, alerts: readonly Alert[], now: Date): string {
  const entries = [...alerts]
    .slice(-FEED_ENTRIES)
    .reverse()
    .map((a) =>
      [
        "  <entry>",
        `    <id>urn:aiqyn-alert:${escapeXml(encodeURIComponent(`${registry}/${a.id}`))}</id>`,
        `    <title>${escapeXml(`[${a.severity}] ${a.kind}: ${a.message}`.slice(0, 300))}</title>`,
        `    <updated>${a.raisedAt}</updated>`,
        `    <category term="${escapeXml(a.kind)}" label="${escapeXml(a.severity)}"/>`,
        `    <content type="text">${escapeXml(`${a.message}\n\n${JSON.stringify(a, null, 2)}`)}</content>`,
        "  </entry>",
      ].join("\n"),
    );
  const updated = alerts.at(-1)?.raisedAt ?? now.toISOString();
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>urn:aiqyn-monitor:${escapeXml(encodeURIComponent(registry))}</id>`,
    `  <title>${escapeXml(`Aiqyn monitor: alerts for registry ${registry}`)}</title>`,
    "  <author><name>aiqyn monitor</name></author>",
    `  <updated>${updated}</updated>`,
    ...entries,
    "</feed>",
    "",
  ].join("\n");
}

export function writeAtomFeed(path: string, registry: string, alerts: readonly Alert[]): Promise<void> {
  return writeFileAtomic(path, atomFeed(registry, alerts, new Date()));
}
