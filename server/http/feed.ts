/**
 * GET /api/v1/feed.atom: the newest records as an Atom 1.0 feed, for feed readers. It is the server's list and
 * says so: nothing in it is checked; every entry links to the record's verify page, where the citizen's own
 * browser checks it against the chain. Ids are stable per registry and seq (`urn:aiqyn-record:…`).
 */
import type { Store, StoredRecord } from "../store/types";

export const FEED_RECORDS = 50;

export interface FeedContext {
  chainId: number;
  registry: string;
  /** The page's origin as the client reached it (links are absolute: feed readers resolve nothing else). */
  origin: string;
}

const escapeXml = (text: string) =>
  text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);

const iso = (unix: number) => new Date(unix * 1000).toISOString().replace(".000Z", "Z");

function entry(s: StoredRecord, ctx: FeedContext): string {
  const r = s.record;
  const link = `${ctx.origin}/verify/${r.seq}`;
  const status = s.batchStatus === "anchored" ? "anchored (as the server says)" : "pending (not anchored yet)";
  const title = `#${r.seq} ${r.kind} ${r.amount} ${r.asset}${r.counterparty ? ` · ${r.counterparty}` : ""}`;
  const summary =
    `Listed by the server, not verified: open ${link} to check it against the chain. ` +
    `Status: ${status}. Value: ${r.valueUsd} USD. Occurred: ${iso(r.occurredAt)}. Reference: ${r.reference}.` +
    (r.corrects !== 0 ? ` Corrects record #${r.corrects}.` : "");
  return [
    "  <entry>",
    `    <id>urn:aiqyn-record:eip155:${ctx.chainId}:${ctx.registry.toLowerCase()}:${r.seq}</id>`,
    `    <title>${escapeXml(title.slice(0, 300))}</title>`,
    `    <link rel="alternate" type="text/html" href="${escapeXml(link)}"/>`,
    `    <updated>${iso(r.publishedAt)}</updated>`,
    `    <category term="${escapeXml(r.kind)}"/>`,
    `    <summary type="text">${escapeXml(summary)}</summary>`,
    "  </entry>",
  ].join("\n");
}

/** The feed of the newest FEED_RECORDS records, newest first. */
export async function recordsFeed(store: Store, ctx: FeedContext): Promise<string> {
  const { records } = await store.counts();
  // Seqs are gapless from 1, so the newest are the last FEED_RECORDS.
  const newest = await store.listRecords({ afterSeq: Math.max(0, records - FEED_RECORDS), limit: FEED_RECORDS });
  const entries = newest.reverse().map((s) => entry(s, ctx));
  const updated = newest[0] ? iso(newest[0].record.publishedAt) : iso(0);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>urn:aiqyn-feed:eip155:${ctx.chainId}:${ctx.registry.toLowerCase()}</id>`,
    "  <title>Aiqyn: new records as this server lists them (unverified; check each on its verify page)</title>",
    `  <subtitle>The server's list, not a verification. Each record's verify page checks it against registry ${escapeXml(ctx.registry)} on chain ${ctx.chainId}.</subtitle>`,
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(`${ctx.origin}/api/v1/feed.atom`)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(`${ctx.origin}/`)}"/>`,
    "  <author><name>Aiqyn server</name></author>",
    `  <updated>${updated}</updated>`,
    ...entries,
    "</feed>",
    "",
  ].join("\n");
}
