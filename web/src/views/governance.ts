/**
 * Governance: who may anchor, pause and administer the pinned registry, now and at any past time, with every
 * change and its transaction, read from the chain in this browser (core's role history, core/verify/roles.ts: the
 * RoleGranted/RoleRevoked logs from the deployment block) through the page's own readers; two readers must
 * agree. A holder that is a Safe shows its owners and threshold (getOwners/getThreshold by eth_call, now).
 * Nothing here comes from the data server.
 */
import {
  ANCHORER_ROLE,
  PAUSER_ROLE,
  ZERO_BYTES32,
  blockTimestamps,
  bytesToHex,
  createGetLogs,
  createRegistryReader,
  hexToBytes,
  keccak256,
  readRoleHistory,
  roleHeldAt,
  roleHolders,
  scanLogs,
  utf8Bytes,
  type Hex,
  type RoleEvent,
  type RpcRequest,
  type TrustRoot,
} from "../../../core/index";
import { navigate } from "../app";
import { pageConfig } from "../config";
import { h, replace } from "../dom";
import { t, type MessageKey } from "../i18n";
import { formatUtc } from "../format";
import { createFetchTransport, errorMessage } from "../rpc";
import { effectiveTrust, readerUrls } from "../settings";
import { txLink } from "./common";

const ROLES: { role: Hex; key: MessageKey; id: string }[] = [
  { role: ZERO_BYTES32, key: "gov.role.admin", id: "admin" },
  { role: ANCHORER_ROLE, key: "gov.role.anchorer", id: "anchorer" },
  { role: PAUSER_ROLE, key: "gov.role.pauser", id: "pauser" },
];

const selector = (signature: string) => bytesToHex(keccak256(utf8Bytes(signature)).slice(0, 4));
const PAUSED_TOPIC = bytesToHex(keccak256(utf8Bytes("Paused(address)")));
const UNPAUSED_TOPIC = bytesToHex(keccak256(utf8Bytes("Unpaused(address)")));

interface PauseEvent {
  paused: boolean;
  account: string;
  blockNumber: number;
  logIndex: number;
  timestamp: number;
  transactionHash: Hex;
}

export interface Governance {
  toBlock: number;
  fromBlock: number;
  roles: Record<string, RoleEvent[]>;
  pauses: PauseEvent[];
  pausedNow: boolean;
}

interface SafeInfo {
  owners: string[];
  threshold: number;
}

/** Everything the view shows, read from one RPC at one block. */
export async function readGovernance(rpc: RpcRequest, trust: TrustRoot, toBlock?: number): Promise<Governance> {
  const latest = toBlock ?? Number(BigInt((await rpc("eth_blockNumber", [])) as string));
  const reader = createRegistryReader(rpc, trust.registry, `0x${latest.toString(16)}`);
  const fromBlock = trust.deploymentBlock || (await reader.deploymentBlock());
  const histories = await Promise.all(
    ROLES.map((r) => readRoleHistory(rpc, { registry: trust.registry, role: r.role, fromBlock, toBlock: latest })),
  );
  const logs = await scanLogs(
    createGetLogs(rpc),
    { address: trust.registry, topics: [[PAUSED_TOPIC, UNPAUSED_TOPIC]] },
    fromBlock,
    latest,
  );
  const times = await blockTimestamps(
    rpc,
    logs.map((l) => l.blockNumber),
  );
  const pauses = logs.map((l) => ({
    paused: l.topics[0] === PAUSED_TOPIC,
    account: `0x${l.data.slice(-40)}`,
    blockNumber: l.blockNumber,
    logIndex: l.logIndex,
    timestamp: times.get(l.blockNumber)!,
    transactionHash: l.transactionHash,
  }));
  const roles = Object.fromEntries(ROLES.map((r, i) => [r.id, histories[i]!]));
  return { toBlock: latest, fromBlock, roles, pauses, pausedNow: await reader.paused() };
}

/** The Safe's owners and threshold when `account` is a Safe (or answers like one), else null. */
export async function readSafe(rpc: RpcRequest, account: string): Promise<SafeInfo | null> {
  if ((await rpc("eth_getCode", [account, "latest"])) === "0x") return null;
  const call = (data: string) => rpc("eth_call", [{ to: account, data }, "latest"]).catch(() => null);
  const [thresholdHex, ownersHex] = await Promise.all([
    call(selector("getThreshold()")),
    call(selector("getOwners()")),
  ]);
  if (typeof thresholdHex !== "string" || typeof ownersHex !== "string" || ownersHex.length < 2 + 128) return null;
  const bytes = hexToBytes(ownersHex as Hex);
  const word = (i: number) => BigInt(bytesToHex(bytes.slice(i * 32, i * 32 + 32)));
  const count = Number(word(1));
  if (bytes.length < (2 + count) * 32 || count > 100) return null;
  const owners = Array.from(
    { length: count },
    (_, i) => `0x${bytesToHex(bytes.slice((2 + i) * 32 + 12, (3 + i) * 32)).slice(2)}`,
  );
  return { owners, threshold: Number(BigInt(thresholdHex)) };
}

/** Every account that ever held the role, and whether it held it at unix time `at`. */
function holdersAt(history: RoleEvent[], at: number): string[] {
  return [...new Set(history.map((e) => e.account))].filter((a) => roleHeldAt(history, a, at));
}

export async function renderGovernance(main: HTMLElement, route: string, stillCurrent: () => boolean): Promise<void> {
  const { trust } = effectiveTrust();
  const urls = readerUrls();
  if (!trust || urls.length === 0) {
    replace(
      main,
      h("h1", {}, t("gov.title")),
      h("p", { class: "warning" }, t(trust ? "gov.noReaders" : "gov.noTrust")),
    );
    return;
  }
  replace(main, h("h1", {}, t("gov.title")), h("p", { class: "loading" }, t("gov.reading")));
  try {
    const rpcs = urls.slice(0, 2).map((url) => createFetchTransport(url));
    const first = await readGovernance(rpcs[0]!, trust);
    if (rpcs[1] && JSON.stringify(await readGovernance(rpcs[1], trust, first.toBlock)) !== JSON.stringify(first))
      throw new Error(t("gov.disagree"));
    const safes = await readSafes(rpcs[0]!, first);
    if (!stillCurrent()) return;
    const at = /^governance\/(\d{1,12})$/.exec(route)?.[1];
    replace(main, ...view(first, safes, trust, urls[0]!, at === undefined ? null : Number(at)));
  } catch (error) {
    if (stillCurrent())
      replace(
        main,
        h("h1", {}, t("gov.title")),
        h("p", { class: "error" }, t("gov.error", { message: errorMessage(error) })),
      );
  }
}

async function readSafes(rpc: RpcRequest, g: Governance): Promise<Map<string, SafeInfo>> {
  const holders = [...new Set(Object.values(g.roles).flatMap((history) => roleHolders(history)))];
  const safes = new Map<string, SafeInfo>();
  await Promise.all(
    holders.map(async (account) => {
      const safe = await readSafe(rpc, account);
      if (safe) safes.set(account, safe);
    }),
  );
  return safes;
}

function view(g: Governance, safes: Map<string, SafeInfo>, trust: TrustRoot, rpcUrl: string, at: number | null) {
  return [
    h("h1", {}, t("gov.title")),
    h(
      "p",
      { class: "gov-source" },
      t("gov.readFrom", {
        registry: trust.registry,
        chainId: trust.chainId,
        from: g.fromBlock,
        to: g.toBlock,
        rpc: rpcUrl,
      }),
    ),
    h("h2", {}, t("gov.now")),
    h(
      "p",
      { id: "gov-paused", "data-paused": String(g.pausedNow) },
      t(g.pausedNow ? "gov.pausedNow" : "gov.notPaused"),
    ),
    holdersTable("gov-now", (history) => roleHolders(history), g, safes),
    atForm(at),
    at !== null
      ? [
          h("h2", { id: "gov-at-title" }, t("gov.atTitle", { time: formatUtc(at) })),
          holdersTable("gov-at", (history) => holdersAt(history, at), g, new Map()),
        ]
      : null,
    h("h2", {}, t("gov.history")),
    historyTable(g),
  ];
}

function holdersTable(
  id: string,
  holders: (history: RoleEvent[]) => string[],
  g: Governance,
  safes: Map<string, SafeInfo>,
) {
  const rows = ROLES.map((r) => {
    const accounts = holders(g.roles[r.id]!);
    return h(
      "tr",
      { "data-role": r.id },
      h("th", { scope: "row" }, t(r.key)),
      h(
        "td",
        {},
        accounts.length === 0
          ? t("gov.nobody")
          : h(
              "ul",
              {},
              accounts.map((a) => h("li", { class: "mono", "data-account": a }, a, safeNote(safes.get(a)))),
            ),
      ),
    );
  });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id },
      h(
        "thead",
        {},
        h("tr", {}, h("th", { scope: "col" }, t("gov.role")), h("th", { scope: "col" }, t("gov.holders"))),
      ),
      h("tbody", {}, rows),
    ),
  );
}

function safeNote(safe: SafeInfo | undefined) {
  if (!safe) return null;
  return h(
    "div",
    { class: "safe", "data-threshold": String(safe.threshold), "data-owners": String(safe.owners.length) },
    t("gov.safe", { threshold: safe.threshold, owners: safe.owners.length }),
    h(
      "ul",
      {},
      safe.owners.map((o) => h("li", { class: "mono safe-owner" }, o)),
    ),
  );
}

function atForm(at: number | null) {
  const input = h("input", {
    id: "gov-at-input",
    type: "datetime-local",
    step: "1",
    value: at !== null ? new Date(at * 1000).toISOString().slice(0, 19) : "",
  });
  return h(
    "form",
    {
      class: "gov-at-form",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const ms = Date.parse(`${(input as HTMLInputElement).value}Z`);
        if (Number.isFinite(ms)) navigate(`governance/${Math.floor(ms / 1000)}`);
      },
    },
    h("label", { for: "gov-at-input" }, t("gov.atLabel")),
    input,
    h("button", { type: "submit" }, t("gov.atSubmit")),
  );
}

interface Change {
  timestamp: number;
  blockNumber: number;
  logIndex: number;
  text: string;
  kind: string;
  tx: Hex | undefined;
}

function historyTable(g: Governance) {
  const changes: Change[] = [
    ...ROLES.flatMap((r) =>
      g.roles[r.id]!.map((e) => ({
        ...e,
        kind: `${r.id}-${e.granted ? "granted" : "revoked"}`,
        text: t(e.granted ? "gov.granted" : "gov.revoked", { role: t(r.key), account: e.account }),
        tx: e.transactionHash,
      })),
    ),
    ...g.pauses.map((p) => ({
      ...p,
      kind: p.paused ? "paused" : "unpaused",
      text: t(p.paused ? "gov.pausedBy" : "gov.unpausedBy", { account: p.account }),
      tx: p.transactionHash,
    })),
  ].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id: "gov-history" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("gov.when")),
          h("th", { scope: "col" }, t("gov.block")),
          h("th", { scope: "col" }, t("gov.change")),
          h("th", { scope: "col" }, t("gov.tx")),
        ),
      ),
      h(
        "tbody",
        {},
        changes.map((c) =>
          h(
            "tr",
            { "data-kind": c.kind, "data-tx": c.tx ?? "" },
            h("td", {}, formatUtc(c.timestamp)),
            h("td", {}, String(c.blockNumber)),
            h("td", {}, c.text),
            h("td", { class: "mono" }, txLink(pageConfig().explorerUrl, c.tx)),
          ),
        ),
      ),
    ),
  );
}
