/**
 * One entry point for every maintainer command:  npm run ops -- <command> [args] --network NAME [options]
 * (`npm run deploy -- --network NAME` is `ops deploy`). It picks the Hardhat network before Hardhat loads,
 * exactly as `hardhat run --network` would, so the same keys and RPC settings apply.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { parseArgs, UsageError, type ParsedArgs } from "./args";
import { CUSTOM_NETWORK, missingNetworkHint } from "./networks";

const USAGE = `usage: npm run ops -- <command> [args] --network NAME [options]

networks: localhost, sepolia, baseSepolia, opSepolia, arbitrumSepolia, or custom (any EVM chain: CUSTOM_RPC_URL,
  CUSTOM_CHAIN_ID, CUSTOM_DEPLOYER_KEY, …); the RPC must report the configured chain id

commands
  deploy            [--admin ADDR] [--anchorer ADDR] [--pauser ADDR] [--max-anchor-delay SECONDS] [--renounce-deployer] [--yes] [--supersede]
                    [--deployment-id ID]     (env: ADMIN_ADDRESS, ANCHORER_ADDRESS, PAUSER_ADDRESS, RENOUNCE_DEPLOYER=1)
  status            [--server URL] [--min-balance ETH] [--batches N] [--json] [--strict]
  refresh-deployment                        rewrites the deployment file's roles from the chain (after a Safe batch)
  grant-anchorer    ADDR
  revoke-anchorer   ADDR
  rotate-anchorer   NEW [--old ADDR]        grants NEW, then revokes the old anchorer(s)
  grant-pauser      ADDR
  revoke-pauser     ADDR
  transfer-admin    NEW_ADMIN [--keep] [--allow-eoa]   grants the admin role to NEW_ADMIN (a Safe), then renounces the sender's
  pause | unpause
  preflight         [--anchorer ADDR]       the server's start-up check (chain id, code, ANCHORER_ROLE)
  check-store       [--data-dir DIR]        a (restored) store against the chain: OK, STALE or CONFLICT (exit 4)
  recover-store     --from-mirror DIR [--data-dir DIR]   adds the anchored batches a stale store lacks, checked on chain
  reanchor          --to NEW_REGISTRY [--data-dir DIR] [--mirror DIR]   moves a store onto a fresh registry
                    after a stolen key (server stopped; ANCHORER_KEY_FILE or ANCHORER_KEY: the new anchorer)
  migrate-store     --from SQLITE_FILE --to POSTGRES_URL   copy a store to PostgreSQL, check every root against the chain

options for the commands that send
  --yes                     a role change on a non-local chain is sent only with --yes (or "y" on a terminal)
  --mainnet                 on a known mainnet (chain 1, 56, 137, 8453, …) deploy and role changes also need this
                            (or the chain id typed on a terminal)
  --print-tx [--out FILE]   print a Safe Transaction Builder batch instead of sending (multisig admin)
  --from ADDR               the configured key to send with (default: the first one holding the needed role)
  --max-fee-gwei N --priority-fee-gwei N --nonce N --confirmations N
common
  --registry ADDR (or REGISTRY_ADDRESS)   --deployment FILE (default deployments/<network>.json)`;

const VALUE_OPTIONS = [
  "network",
  "admin",
  "anchorer",
  "pauser",
  "deployment-id",
  "max-anchor-delay",
  "server",
  "min-balance",
  "batches",
  "old",
  "out",
  "from",
  "max-fee-gwei",
  "priority-fee-gwei",
  "nonce",
  "confirmations",
  "registry",
  "deployment",
  "data-dir",
  "to",
  "from-mirror",
  "mirror",
];
const FLAG_OPTIONS = [
  "renounce-deployer",
  "yes",
  "supersede",
  "json",
  "strict",
  "print-tx",
  "keep",
  "allow-eoa",
  "mainnet",
  "help",
];

/** --max-anchor-delay SECONDS (or MAX_ANCHOR_DELAY_SECONDS) for deploy; absent: the module's default. */
function maxDelayOption(value: string | undefined): { maxAnchorDelaySeconds?: number } {
  if (value === undefined || value === "") return {};
  if (!/^[1-9]\d{0,9}$/.test(value)) throw new UsageError("--max-anchor-delay must be a whole number of seconds");
  return { maxAnchorDelaySeconds: Number(value) };
}

const envFlag = (name: string) => ["1", "true", "yes"].includes((process.env[name] ?? "").toLowerCase());

/** Selects the Hardhat network, then loads Hardhat (it connects to the network named when it is first required). */
function loadHardhat(network: string | undefined): HardhatRuntimeEnvironment {
  if (!network)
    throw new UsageError(
      `--network NAME is required (localhost, sepolia, baseSepolia, opSepolia, arbitrumSepolia, ${CUSTOM_NETWORK})`,
    );
  const hint = missingNetworkHint(process.env, network);
  if (hint) throw new UsageError(hint);
  process.env.HARDHAT_NETWORK = network;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("hardhat") as HardhatRuntimeEnvironment;
}

/**
 * The RPC must serve the chain the network is configured for (CUSTOM_CHAIN_ID, LOCAL_CHAIN_ID, a testnet's id):
 * a URL pasted for the wrong chain would otherwise deploy or grant roles there.
 */
async function checkChainId(hre: HardhatRuntimeEnvironment): Promise<void> {
  const configured = hre.network.config.chainId;
  if (!("url" in hre.network.config) || configured === undefined) return;
  // Asked directly: Hardhat's own provider would answer a mismatch with its HH101, which names no variable.
  const { fetchChainId } = await import("../../server/anchoring/chain");
  const reported = await fetchChainId(hre.network.config.url, 10_000);
  if (reported !== configured) {
    const variable = hre.network.name === CUSTOM_NETWORK ? "CUSTOM_CHAIN_ID" : `the chain id of ${hre.network.name}`;
    throw new UsageError(
      `the RPC of network ${hre.network.name} reports chain ${reported}, but ${variable} is ${configured}: ` +
        `check the RPC URL and the chain id (nothing was sent)`,
    );
  }
}

type CommandContext = import("./commands").CommandContext;

function contextOf(hre: HardhatRuntimeEnvironment, args: ParsedArgs): CommandContext {
  const o = args.options;
  if (o.out !== undefined && !args.flags.has("print-tx"))
    throw new UsageError("--out writes the Safe batch of --print-tx: pass --print-tx too (nothing is sent then)");
  // Machine-readable output owns stdout; the narration goes to stderr then.
  const machine = args.flags.has("json") || args.flags.has("print-tx");
  return {
    hre,
    registry: o.registry,
    deploymentFile: o.deployment,
    from: o.from,
    printTx: args.flags.has("print-tx"),
    out: o.out,
    fees: {
      maxFeeGwei: o["max-fee-gwei"],
      priorityFeeGwei: o["priority-fee-gwei"],
      nonce: o.nonce,
      confirmations: o.confirmations,
    },
    yes: args.flags.has("yes"),
    mainnet: args.flags.has("mainnet"),
    allowEoa: args.flags.has("allow-eoa"),
    log: (line: string) => (machine ? console.error(line) : console.log(line)),
    emit: (value: unknown) => console.log(JSON.stringify(value, null, 2)),
  };
}

async function deployCommand(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const o = args.options;
  const { deploy } = await import("./deploy");
  await deploy(ctx.hre, {
    admin: o.admin ?? process.env.ADMIN_ADDRESS,
    anchorer: o.anchorer ?? process.env.ANCHORER_ADDRESS,
    pauser: o.pauser ?? process.env.PAUSER_ADDRESS,
    ...maxDelayOption(o["max-anchor-delay"] ?? process.env.MAX_ANCHOR_DELAY_SECONDS),
    renounceDeployer: args.flags.has("renounce-deployer") || envFlag("RENOUNCE_DEPLOYER"),
    yes: args.flags.has("yes"),
    mainnet: args.flags.has("mainnet"),
    supersede: args.flags.has("supersede"),
    deploymentFile: o.deployment,
    deploymentId: o["deployment-id"],
    log: ctx.log,
  });
  return 0;
}

async function statusCommand(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const o = args.options;
  const { statusCommand: status } = await import("./status");
  const report = await status(ctx, {
    server: o.server,
    minBalance: o["min-balance"],
    batches: o.batches === undefined ? undefined : Number(o.batches),
    json: args.flags.has("json"),
  });
  return args.flags.has("strict") && report.warnings.length > 0 ? 3 : 0;
}

/** The very check the server runs at start-up, before starting it. */
async function preflightCommand(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const o = args.options;
  const { checkDeployment } = await import("../../server/anchoring/deployment-check");
  const { Wallet } = await import("ethers");
  const { deploymentPath } = await import("./registry");
  const { readAnchorerKey } = await import("./keys");
  const keyGiven = process.env.ANCHORER_KEY_FILE || process.env.ANCHORER_KEY;
  const anchorer = o.anchorer ?? (keyGiven ? new Wallet(readAnchorerKey()).address : undefined);
  if (!anchorer) throw new UsageError("preflight needs --anchorer ADDR (or ANCHORER_KEY_FILE / ANCHORER_KEY)");
  const deploymentFile = deploymentPath(ctx.hre.network.name, o.deployment);
  const { resolveRegistry } = await import("./commands");
  const registry = o.registry ?? process.env.REGISTRY_ADDRESS ?? (await resolveRegistry(ctx)).address;
  await checkDeployment({ provider: ctx.hre.ethers.provider, registry, anchorer, deploymentFile });
  ctx.log(`preflight ok: chain, code and deployment file match; ${anchorer} holds ANCHORER_ROLE on ${registry}`);
  return 0;
}

const dataDirOf = (args: ParsedArgs) => args.options["data-dir"] ?? (process.env.DATA_DIR?.trim() || "./data");

async function checkStore(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const { checkStoreCommand } = await import("./store-check");
  const result = await checkStoreCommand(ctx, dataDirOf(args));
  if (args.flags.has("json")) ctx.emit(result);
  return result.verdict === "ok" ? 0 : 4;
}

async function recoverStore(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const mirror = args.options["from-mirror"];
  if (!mirror) throw new UsageError("recover-store needs --from-mirror DIR (an aiqyn export mirror)");
  const { recoverStoreCommand } = await import("./recover-store");
  const result = await recoverStoreCommand(ctx, dataDirOf(args), mirror);
  if (args.flags.has("json")) ctx.emit(result);
  return result.verdict === "ok" ? 0 : 4;
}

async function migrateStore(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const { migrateStoreCommand } = await import("./migrate-store");
  await migrateStoreCommand(ctx, args.options.from, args.options.to);
  return 0;
}

async function reanchor(ctx: CommandContext, args: ParsedArgs): Promise<number> {
  const { reanchorCommand } = await import("./reanchor");
  await reanchorCommand(ctx, { dataDir: dataDirOf(args), to: args.options.to, mirror: args.options.mirror });
  return 0;
}

/** A role command: `grant-anchorer ADDR` and friends, one role and one account each. */
function roleCommand(kind: "grant" | "revoke", roleName: "ANCHORER_ROLE" | "PAUSER_ROLE") {
  return async (ctx: CommandContext, args: ParsedArgs): Promise<number> => {
    const commands = await import("./commands");
    const role = (await import("./registry"))[roleName];
    const send = kind === "grant" ? commands.grantRoleCommand : commands.revokeRoleCommand;
    await send(ctx, role, args.positionals[1]);
    return 0;
  };
}

const COMMANDS: Record<string, (ctx: CommandContext, args: ParsedArgs) => Promise<number>> = {
  deploy: deployCommand,
  status: statusCommand,
  preflight: preflightCommand,
  "check-store": checkStore,
  "recover-store": recoverStore,
  reanchor,
  "migrate-store": migrateStore,
  "grant-anchorer": roleCommand("grant", "ANCHORER_ROLE"),
  "revoke-anchorer": roleCommand("revoke", "ANCHORER_ROLE"),
  "grant-pauser": roleCommand("grant", "PAUSER_ROLE"),
  "revoke-pauser": roleCommand("revoke", "PAUSER_ROLE"),
  async "rotate-anchorer"(ctx, args) {
    await (await import("./commands")).rotateAnchorerCommand(ctx, args.positionals[1], args.options.old);
    return 0;
  },
  async "transfer-admin"(ctx, args) {
    await (await import("./commands")).transferAdminCommand(ctx, args.positionals[1], args.flags.has("keep"));
    return 0;
  },
  async "refresh-deployment"(ctx) {
    await (await import("./refresh-deployment")).refreshDeploymentCommand(ctx);
    return 0;
  },
  async pause(ctx) {
    await (await import("./commands")).pauseCommand(ctx, true);
    return 0;
  },
  async unpause(ctx) {
    await (await import("./commands")).pauseCommand(ctx, false);
    return 0;
  },
};

async function run(args: ParsedArgs): Promise<number> {
  const command = args.positionals[0];
  if (!command || args.flags.has("help")) {
    console.log(USAGE);
    return args.flags.has("help") ? 0 : 2;
  }
  const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!handler) throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  const hre = loadHardhat(args.options.network);
  await checkChainId(hre);
  return handler(contextOf(hre, args), args);
}

async function main(): Promise<void> {
  try {
    process.exitCode = await run(parseArgs(process.argv.slice(2), VALUE_OPTIONS, FLAG_OPTIONS));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    // A revert from the chain: name the custom error (e.g. AccessControlUnauthorizedAccount) when ethers decoded it.
    const e = error as { shortMessage?: string; revert?: { name?: string; args?: unknown[] }; message?: string };
    const revert = e.revert?.name ? ` [${e.revert.name}(${(e.revert.args ?? []).map(String).join(", ")})]` : "";
    const code = (error as { code?: unknown }).code;
    const tag = typeof code === "string" && /^[A-Z_]+$/.test(code) ? `${code}: ` : "";
    console.error(`error: ${tag}${e.shortMessage ?? e.message ?? String(error)}${revert}`);
    process.exitCode = 1;
  }
}

void main();
