/**
 * `ops status`: the registry as the chain sees it (batches, head, pause, role holders), the anchorers' balances
 * with a LOW BALANCE warning, the server's pending anchors when --server is given, and whether the deployment
 * file still describes the contract at the address. Read-only: sends nothing.
 */
import { formatEther, getAddress, parseEther } from "ethers";
import { codeHash, type DeploymentRoles } from "../../server/anchoring/deployment-check";
import { resolveRegistry, type CommandContext, type Resolved } from "./commands";
import { LOCAL_CHAIN_IDS, maybeReadDeployment, roleHolders } from "./registry";
import { readSafe, type SafeSetup } from "./safe";

export interface StatusOptions {
  /** Base URL of the Aiqyn server, for its pending anchors. */
  server?: string;
  /** Warn when an anchorer holds less than this (ETH). */
  minBalance?: string;
  /** How many of the latest batches to show. */
  batches?: number;
  json?: boolean;
}

export interface StatusReport {
  network: string;
  chainId: number;
  registry: string;
  deploymentBlock: number;
  paused: boolean;
  batchCount: number;
  nextSeq: number;
  head: string;
  lastBatches: { id: number; root: string; firstSeq: number; leafCount: number; anchoredAt: string; head: string }[];
  roles: DeploymentRoles;
  /** Each admin: a Safe (its owners and threshold), a plain key, or a contract that is no Safe. */
  admins: { address: string; kind: "safe" | "key" | "contract"; safe?: SafeSetup }[];
  anchorerBalances: { address: string; balanceWei: string; balance: string; low: boolean }[];
  minBalance: string;
  server?: { url: string; ready?: number; pending: Record<string, number>; error?: string };
  deploymentFile: { path: string; exists: boolean; consistent: boolean; problems: string[]; notes: string[] };
  warnings: string[];
}

const DEFAULT_MIN_BALANCE = "0.05";

/** Every numeric field whose name says "pending", wherever it sits in the server's JSON (its shape may grow). */
function pendingFields(value: unknown, prefix: string, out: Record<string, number>): void {
  if (typeof value !== "object" || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof child === "number" && /pending/i.test(key)) out[name] = child;
    else pendingFields(child, name, out);
  }
}

async function serverPending(url: string): Promise<NonNullable<StatusReport["server"]>> {
  const base = url.replace(/\/+$/, "");
  const out: NonNullable<StatusReport["server"]> = { url: base, pending: {} };
  try {
    const ready = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5000) });
    out.ready = ready.status;
    pendingFields(await ready.json().catch(() => null), "readyz", out.pending);
    const stats = await fetch(`${base}/api/v1/stats`, { signal: AbortSignal.timeout(5000) });
    if (stats.ok) pendingFields(await stats.json().catch(() => null), "stats", out.pending);
  } catch (error) {
    out.error =
      error instanceof Error ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ""}` : String(error);
  }
  return out;
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.map((y) => getAddress(y)).includes(getAddress(x)));

export async function statusCommand(ctx: CommandContext, opts: StatusOptions): Promise<StatusReport> {
  const { hre } = ctx;
  const provider = hre.ethers.provider;
  const r = await resolveRegistry(ctx);
  const reg = r.registry;
  const read = async <T>(fn: string, ...args: unknown[]) => (await reg.getFunction(fn).staticCall(...args)) as T;

  const batchCount = Number(await read<bigint>("batchCount"));
  const lastBatches: StatusReport["lastBatches"] = [];
  for (let id = batchCount; id >= 1 && id > batchCount - (opts.batches ?? 5); id--) {
    const b = await read<{ root: string; firstSeq: bigint; leafCount: bigint; anchoredAt: bigint; head: string }>(
      "batch",
      id,
    );
    lastBatches.push({
      id,
      root: b.root,
      firstSeq: Number(b.firstSeq),
      leafCount: Number(b.leafCount),
      anchoredAt: new Date(Number(b.anchoredAt) * 1000).toISOString(),
      head: b.head,
    });
  }
  const roles = await roleHolders(hre, reg);
  const warnings: string[] = [];
  const admins = await Promise.all(
    roles.admin.map(async (address): Promise<StatusReport["admins"][number]> => {
      const safe = await readSafe(provider, address);
      if (safe) return { address, kind: "safe", safe };
      return { address, kind: (await provider.getCode(address)) === "0x" ? "key" : "contract" };
    }),
  );
  // On a local development chain a plain admin key is the norm; elsewhere it is one key holding every role.
  const local = LOCAL_CHAIN_IDS.includes(r.chainId);
  for (const a of admins.filter((a) => a.kind !== "safe" && !local))
    warnings.push(
      `admin ${a.address} is ${a.kind === "key" ? "a plain key" : "a contract that does not answer as a Safe"}: ` +
        "hand the admin role to a Safe (ops transfer-admin)",
    );

  const minBalance = opts.minBalance ?? process.env.ANCHORER_MIN_BALANCE ?? DEFAULT_MIN_BALANCE;
  const minWei = parseEther(minBalance);
  const anchorerBalances: StatusReport["anchorerBalances"] = [];
  for (const address of roles.anchorers) {
    const wei = await provider.getBalance(address);
    const low = wei < minWei;
    anchorerBalances.push({ address, balanceWei: wei.toString(), balance: formatEther(wei), low });
    if (low) {
      warnings.push(
        `LOW BALANCE: anchorer ${address} holds ${formatEther(wei)} ETH (< ${minBalance}): fund it, or anchoring ` +
          `stops when its transactions can no longer pay for gas`,
      );
    }
  }
  if (roles.anchorers.length === 0) warnings.push("no account holds ANCHORER_ROLE: nothing can be anchored");
  if (roles.admin.length === 0) warnings.push("no account holds DEFAULT_ADMIN_ROLE: roles can never change again");
  const paused = await read<boolean>("paused");
  if (paused) warnings.push("the registry is PAUSED: anchoring is stopped (reads go on); unpause when safe");

  const deploymentFile = await compareDeploymentFile(r, roles, (address) => provider.getCode(address));
  for (const problem of deploymentFile.problems) warnings.push(`deployment file: ${problem}`);
  if (deploymentFile.notes.length > 0) {
    warnings.push(
      `deployment file: STALE, its roles differ from the chain; refresh it with ` +
        `npm run ops -- refresh-deployment --network ${hre.network.name} (then commit it)`,
    );
  }

  const report: StatusReport = {
    network: hre.network.name,
    chainId: r.chainId,
    registry: r.address,
    deploymentBlock: Number(await read<bigint>("deploymentBlock")),
    paused,
    batchCount,
    nextSeq: Number(await read<bigint>("nextSeq")),
    head: await read<string>("head"),
    lastBatches,
    roles,
    admins,
    anchorerBalances,
    minBalance,
    deploymentFile,
    warnings,
  };
  if (opts.server) {
    report.server = await serverPending(opts.server);
    if (report.server.error) warnings.push(`server ${report.server.url} unreachable: ${report.server.error}`);
    else if (report.server.ready !== 200)
      warnings.push(`server ${report.server.url} is not ready (/readyz ${report.server.ready})`);
  }
  if (opts.json) ctx.emit(report);
  else printStatus(report, ctx.log);
  return report;
}

function printStatus(s: StatusReport, log: (line: string) => void): void {
  log(`Registry ${s.registry} on ${s.network} (chain ${s.chainId}), deployed in block ${s.deploymentBlock}`);
  log(`  paused      ${s.paused ? "YES (anchoring stopped)" : "no"}`);
  log(`  batches     ${s.batchCount}   next seq ${s.nextSeq}`);
  log(`  head        ${s.head}`);
  for (const b of s.lastBatches) {
    log(
      `    #${b.id} seqs ${b.firstSeq}–${b.firstSeq + b.leafCount - 1} (${b.leafCount}) root ${b.root} at ${b.anchoredAt}`,
    );
  }
  log(`  admin       ${s.roles.admin.join(", ") || "(none)"}`);
  for (const a of s.admins) {
    if (!a.safe) log(`    ${a.address} is ${a.kind === "key" ? "a plain key" : "a contract, not a Safe"}`);
    else {
      log(`    ${a.address} is a Safe: ${a.safe.threshold} of ${a.safe.owners.length} owners must sign`);
      for (const owner of a.safe.owners) log(`      owner ${owner}`);
    }
  }
  log(`  anchorers   ${s.roles.anchorers.join(", ") || "(none)"}`);
  for (const a of s.anchorerBalances) log(`    ${a.address} balance ${a.balance} ETH${a.low ? "  LOW" : ""}`);
  log(`  pausers     ${s.roles.pausers.join(", ") || "(none)"}`);
  if (s.server) {
    const pending = Object.entries(s.server.pending).map(([k, v]) => `${k}=${v}`);
    log(
      `  server      ${s.server.url}: ${s.server.error ? `unreachable` : `readyz ${s.server.ready}`}` +
        `; pending anchors: ${pending.length ? pending.join(", ") : "not reported"}`,
    );
  }
  log(
    `  deployment  ${s.deploymentFile.path}: ${s.deploymentFile.consistent ? "consistent with the chain" : "NOT consistent"}`,
  );
  for (const note of s.deploymentFile.notes) log(`    note: ${note}`);
  for (const warning of s.warnings) log(`WARNING ${warning}`);
}

/** The deployment file against the chain: chain id, address and code hash must match; role differences are notes. */
async function compareDeploymentFile(
  r: Resolved,
  roles: DeploymentRoles,
  getCode: (address: string) => Promise<string>,
): Promise<StatusReport["deploymentFile"]> {
  const deployment = await maybeReadDeployment(r.file);
  const deploymentFile: StatusReport["deploymentFile"] = {
    path: r.file,
    exists: deployment !== undefined,
    consistent: false,
    problems: [],
    notes: [],
  };
  if (!deployment) {
    deploymentFile.problems.push(`no deployment file at ${r.file}`);
  } else {
    if (deployment.chainId !== r.chainId)
      deploymentFile.problems.push(`file chainId ${deployment.chainId} ≠ chain ${r.chainId}`);
    if (getAddress(deployment.address) !== r.address) {
      deploymentFile.problems.push(`file address ${deployment.address} ≠ registry ${r.address}`);
    }
    const actual = codeHash(await getCode(r.address));
    if (actual !== deployment.bytecodeHash.toLowerCase()) {
      deploymentFile.problems.push(`code hash at the address ${actual} ≠ file bytecodeHash ${deployment.bytecodeHash}`);
    }
    for (const key of ["admin", "anchorers", "pausers"] as const) {
      if (!sameSet(deployment.roles[key], roles[key])) {
        deploymentFile.notes.push(
          `roles.${key} in the file (${deployment.roles[key].join(", ") || "none"}) differ from the chain ` +
            `(${roles[key].join(", ") || "none"}); the chain is authoritative (a Safe batch executed since?)`,
        );
      }
    }
  }
  deploymentFile.consistent = deploymentFile.exists && deploymentFile.problems.length === 0;
  return deploymentFile;
}
