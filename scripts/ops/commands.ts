/**
 * The maintainers' commands on a deployed registry. Each one reads the chain first (who holds what now), plans
 * its transactions, and then either sends them with a configured key that holds the needed role, or, with
 * --print-tx, prints them as a Safe Transaction Builder batch for a multisig to sign.
 */
import { writeFile } from "node:fs/promises";
import { Contract, getAddress, ZeroAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { UsageError } from "./args";
import { readSafe } from "./safe";
import {
  ANCHORER_ROLE,
  checkedAddress,
  confirm,
  confirmMainnet,
  DEFAULT_ADMIN_ROLE,
  deploymentPath,
  maybeReadDeployment,
  LOCAL_CHAIN_IDS,
  PAUSER_ROLE,
  refreshDeploymentRoles,
  registryContract,
  roleHolders,
  ROLE_NAMES,
  safeBatch,
  sendPlanned,
  signerWithRole,
  type FeeOptions,
  type PlannedTx,
  type SentTx,
} from "./registry";

export interface CommandContext {
  hre: HardhatRuntimeEnvironment;
  /** --registry / REGISTRY_ADDRESS; else the deployment file's address. */
  registry?: string;
  deploymentFile?: string;
  from?: string;
  printTx?: boolean;
  /** With --print-tx: also write the Safe batch JSON to this file. */
  out?: string;
  fees: FeeOptions;
  /** --yes: send a role change on a non-local chain without asking. */
  yes?: boolean;
  /** --mainnet: the extra confirmation a known mainnet needs (scripts/ops/networks.ts KNOWN_MAINNETS). */
  mainnet?: boolean;
  /** --allow-eoa: let transfer-admin hand the registry to a plain key. */
  allowEoa?: boolean;
  log: (line: string) => void;
  /** Machine-readable output on stdout (status --json, --print-tx). */
  emit: (value: unknown) => void;
}

export interface Resolved {
  registry: Contract;
  address: string;
  chainId: number;
  file: string;
}

export async function resolveRegistry(ctx: CommandContext): Promise<Resolved> {
  const file = deploymentPath(ctx.hre.network.name, ctx.deploymentFile);
  const chainId = Number((await ctx.hre.ethers.provider.getNetwork()).chainId);
  let address = ctx.registry ?? process.env.REGISTRY_ADDRESS;
  if (!address) {
    const deployment = await maybeReadDeployment(file);
    if (!deployment) throw new UsageError(`no registry: pass --registry 0x… or deploy first (no ${file})`);
    if (deployment.chainId !== chainId) {
      throw new UsageError(
        `${file} is for chain ${deployment.chainId}, but network ${ctx.hre.network.name} is chain ${chainId}`,
      );
    }
    address = deployment.address;
  }
  const checked = checkedAddress(address, "registry");
  if ((await ctx.hre.ethers.provider.getCode(checked)) === "0x") {
    throw new UsageError(`no contract at ${checked} on chain ${chainId} (a restarted local node? deploy again)`);
  }
  return { registry: await registryContract(ctx.hre, checked), address: checked, chainId, file };
}

interface Plan {
  name: string;
  /** Role the sender must hold (all planned transactions need the same one). */
  role: string;
  txs: PlannedTx[];
  /** Pause/unpause are emergency brakes and are sent at once; every role change is confirmed first. */
  urgent?: boolean;
}

function call(r: Resolved, fn: string, args: unknown[], description: string): PlannedTx {
  return { to: r.address, data: r.registry.interface.encodeFunctionData(fn, args), value: "0", description };
}

/** Prints the plan for a multisig, or sends it with a key that holds the role. */
async function execute(ctx: CommandContext, r: Resolved, plan: Plan): Promise<SentTx[]> {
  if (plan.txs.length === 0) {
    ctx.log(`${plan.name}: nothing to do (the chain already is in the wanted state)`);
    return [];
  }
  if (ctx.printTx) {
    const safe = await roleSafe(ctx, r, plan.role);
    const batch = safeBatch(r.chainId, `aiqyn: ${plan.name}`, plan.txs, safe);
    if (!safe)
      ctx.log(
        `note: no holder of ${ROLE_NAMES[plan.role]} is a Safe; the batch names none (createdFromSafeAddress "")`,
      );
    else ctx.log(`Safe ${safe} holds ${ROLE_NAMES[plan.role]}: the batch is made for it`);
    ctx.log(
      `${plan.name}: ${plan.txs.length} transaction(s) for an account holding ${ROLE_NAMES[plan.role]}, in this order:`,
    );
    plan.txs.forEach((tx, i) => ctx.log(`  ${i + 1}. ${tx.description}`));
    ctx.log("Safe: Transaction Builder → drag in this JSON (or enter each to/value/data), then sign and execute.");
    if (ctx.out) {
      await writeFile(ctx.out, `${JSON.stringify(batch, null, 2)}\n`);
      ctx.log(`Wrote ${ctx.out}`);
    }
    ctx.emit(batch);
    return [];
  }
  const signer = await signerWithRole(ctx.hre, r.registry, plan.role, ctx.from);
  if (!signer && ctx.from) {
    throw new UsageError(`${plan.name}: --from ${ctx.from} does not hold ${ROLE_NAMES[plan.role]}`);
  }
  if (!signer) {
    const holders = await holdersOf(ctx, r, plan.role);
    throw new UsageError(
      `${plan.name}: no configured key holds ${ROLE_NAMES[plan.role]} (held by ${holders.join(", ") || "nobody"}). ` +
        `If that is a Safe, rerun with --print-tx and submit the batch in the Safe; otherwise set the key (e.g. *_ADMIN_KEY)`,
    );
  }
  await confirmRoleChange(ctx, r, plan);
  ctx.log(`${plan.name}:`);
  const sent = await sendPlanned(signer, plan.txs, ctx.fees, ctx.log);
  await refreshDeploymentRoles(ctx.hre, r.file, r.registry, r.chainId);
  return sent;
}

/** A role change on a real chain is said aloud first: --yes, or "y" on a terminal. */
async function confirmRoleChange(ctx: CommandContext, r: Resolved, plan: Plan): Promise<void> {
  if (plan.urgent || LOCAL_CHAIN_IDS.includes(r.chainId)) return;
  await confirmMainnet(r.chainId, plan.name, ctx.mainnet);
  if (ctx.yes) return;
  plan.txs.forEach((tx, i) => ctx.log(`  ${i + 1}. ${tx.description}`));
  if (await confirm(`${plan.name} on chain ${r.chainId}: send these ${plan.txs.length} transaction(s)? [y/N] `)) return;
  throw new UsageError(`not confirmed: ${plan.name} on chain ${r.chainId} needs --yes (or "y" on a terminal)`);
}

/** Current holders of one role (scans RoleGranted logs: only for plans and messages). */
async function holdersOf(ctx: CommandContext, r: Resolved, role: string): Promise<string[]> {
  const all = await roleHolders(ctx.hre, r.registry);
  return role === DEFAULT_ADMIN_ROLE ? all.admin : role === ANCHORER_ROLE ? all.anchorers : all.pausers;
}

const hasRole = async (r: Resolved, role: string, account: string) =>
  (await r.registry.getFunction("hasRole").staticCall(role, account)) as boolean;

async function grantPlan(r: Resolved, role: string, account: string): Promise<PlannedTx[]> {
  if (await hasRole(r, role, account)) return [];
  return [call(r, "grantRole", [role, account], `grantRole(${ROLE_NAMES[role]}, ${account})`)];
}

async function revokePlan(r: Resolved, role: string, account: string): Promise<PlannedTx[]> {
  if (!(await hasRole(r, role, account))) return [];
  return [call(r, "revokeRole", [role, account], `revokeRole(${ROLE_NAMES[role]}, ${account})`)];
}

export async function grantRoleCommand(ctx: CommandContext, role: string, accountArg: string | undefined) {
  const account = checkedAddress(accountArg, "the account");
  const r = await resolveRegistry(ctx);
  const admin = (await r.registry.getFunction("getRoleAdmin").staticCall(role)) as string;
  return execute(ctx, r, {
    name: `grant ${ROLE_NAMES[role]} to ${account}`,
    role: admin,
    txs: await grantPlan(r, role, account),
  });
}

export async function revokeRoleCommand(ctx: CommandContext, role: string, accountArg: string | undefined) {
  const account = checkedAddress(accountArg, "the account");
  const r = await resolveRegistry(ctx);
  const admin = (await r.registry.getFunction("getRoleAdmin").staticCall(role)) as string;
  if (role === DEFAULT_ADMIN_ROLE)
    throw new UsageError("revoke the admin role with transfer-admin, which grants first");
  return execute(ctx, r, {
    name: `revoke ${ROLE_NAMES[role]} from ${account}`,
    role: admin,
    txs: await revokePlan(r, role, account),
  });
}

/**
 * Grant the new anchorer first, then revoke the old one(s). In that order there is never a moment without a key
 * allowed to anchor, and every receipt the server signs comes from a key that holds the role when it signs. (The
 * reverse order opens a gap in which pending batches cannot be anchored and fresh receipts carry a revoked
 * signer.) For a leaked key, pause first: see docs/OPERATIONS.md.
 */
export async function rotateAnchorerCommand(ctx: CommandContext, newArg: string | undefined, oldArg?: string) {
  const next = checkedAddress(newArg, "the new anchorer");
  const r = await resolveRegistry(ctx);
  const old = oldArg
    ? [checkedAddress(oldArg, "--old")]
    : (await holdersOf(ctx, r, ANCHORER_ROLE)).filter((a) => a !== next);
  if (old.includes(next)) throw new UsageError("the new anchorer is the old one");
  const txs = [...(await grantPlan(r, ANCHORER_ROLE, next))];
  for (const account of old) txs.push(...(await revokePlan(r, ANCHORER_ROLE, account)));
  return execute(ctx, r, {
    name: `rotate anchorer ${old.join(", ") || "(none)"} → ${next}`,
    role: DEFAULT_ADMIN_ROLE,
    txs,
  });
}

/**
 * Hand DEFAULT_ADMIN_ROLE to a new admin (a Safe): grant it, then the current admin renounces its own. Granting
 * first means the registry always has an admin; renouncing (not revoking) means only the holder gives it up.
 */
/** The Safe's owners and threshold, or undefined when the contract does not answer as a Safe. */
const safeInfo = (ctx: CommandContext, address: string) => readSafe(ctx.hre.ethers.provider, address);

/** The holder of `role` that is a Safe (--from first, when given): the Safe a --print-tx batch is made for. */
async function roleSafe(ctx: CommandContext, r: Resolved, role: string): Promise<string | undefined> {
  const candidates = [...(ctx.from ? [ctx.from] : []), ...(await holdersOf(ctx, r, role))];
  for (const candidate of candidates) if (await safeInfo(ctx, candidate)) return getAddress(candidate);
  return undefined;
}

/**
 * The new admin must be able to act: never the zero address or the registry itself (neither can ever call
 * grantRole), and a Safe (code that answers getOwners/getThreshold) unless --allow-eoa says a plain key is meant.
 */
async function checkNewAdmin(ctx: CommandContext, r: Resolved, next: string): Promise<void> {
  if (next === ZeroAddress) throw new UsageError("the new admin cannot be the zero address: nobody could ever act");
  if (next === r.address)
    throw new UsageError("the new admin cannot be the registry itself: it cannot call its own grantRole");
  if ((await ctx.hre.ethers.provider.getCode(next)) === "0x") {
    if (!ctx.allowEoa) {
      throw new UsageError(
        `${next} has no code: it is a plain key, not a Safe. Hand the admin role to a Safe, or pass --allow-eoa ` +
          `if a single key is really meant (a rehearsal)`,
      );
    }
    ctx.log(`WARNING: ${next} is a plain key (--allow-eoa): whoever holds it alone controls every role`);
    return;
  }
  const safe = await safeInfo(ctx, next);
  if (!safe) {
    throw new UsageError(
      `${next} is a contract but does not answer getOwners()/getThreshold(): not a Safe. A contract that cannot ` +
        `call grantRole would lose the registry for good`,
    );
  }
  ctx.log(`new admin ${next} is a Safe: ${safe.threshold} of ${safe.owners.length} owners must sign`);
  for (const owner of safe.owners) ctx.log(`  owner ${owner}`);
}

/**
 * Hand DEFAULT_ADMIN_ROLE to a new admin (a Safe): grant it, then the current admin renounces its own. Granting
 * first means the registry always has an admin; renouncing (not revoking) means only the holder gives it up.
 */
export async function transferAdminCommand(ctx: CommandContext, newArg: string | undefined, keep: boolean) {
  const next = checkedAddress(newArg, "the new admin");
  const r = await resolveRegistry(ctx);
  await checkNewAdmin(ctx, r, next);
  const txs = await grantPlan(r, DEFAULT_ADMIN_ROLE, next);
  if (!keep) {
    // renounceRole must come from the holder itself: the sender, or the Safe that executes the batch.
    const sender = ctx.printTx
      ? (ctx.from && checkedAddress(ctx.from, "--from")) ||
        (await holdersOf(ctx, r, DEFAULT_ADMIN_ROLE)).find((a) => a !== next)
      : (await signerWithRole(ctx.hre, r.registry, DEFAULT_ADMIN_ROLE, ctx.from))?.getAddress();
    const current = await sender;
    if (!current)
      throw new UsageError("transfer-admin: no current admin key found (use --from, or --print-tx for a Safe)");
    if (getAddress(current) === next) throw new UsageError("the new admin is the current admin");
    txs.push(call(r, "renounceRole", [DEFAULT_ADMIN_ROLE, current], `renounceRole(DEFAULT_ADMIN_ROLE, ${current})`));
  }
  return execute(ctx, r, { name: `transfer admin to ${next}`, role: DEFAULT_ADMIN_ROLE, txs });
}

export async function pauseCommand(ctx: CommandContext, pause: boolean) {
  const r = await resolveRegistry(ctx);
  const paused = (await r.registry.getFunction("paused").staticCall()) as boolean;
  const txs = paused === pause ? [] : [call(r, pause ? "pause" : "unpause", [], pause ? "pause()" : "unpause()")];
  return execute(ctx, r, {
    name: pause ? "pause anchoring" : "unpause anchoring",
    role: PAUSER_ROLE,
    txs,
    urgent: true,
  });
}
