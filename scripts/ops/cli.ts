/**
 * One entry point for every maintainer command:  npm run ops -- <command> [args] --network NAME [options]
 * (`npm run deploy -- --network NAME` is `ops deploy`). It picks the Hardhat network before Hardhat loads,
 * exactly as `hardhat run --network` would, so the same keys and RPC settings apply.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { parseArgs, UsageError, type ParsedArgs } from "./args";
import { missingNetworkHint } from "./networks";

const USAGE = `usage: npm run ops -- <command> [args] --network NAME [options]

commands
  deploy            [--admin ADDR] [--anchorer ADDR] [--pauser ADDR] [--max-anchor-delay SECONDS] [--renounce-deployer] [--yes] [--force]
                    [--deployment-id ID]     (env: ADMIN_ADDRESS, ANCHORER_ADDRESS, PAUSER_ADDRESS, RENOUNCE_DEPLOYER=1)
  status            [--server URL] [--min-balance ETH] [--batches N] [--json] [--strict]
  grant-anchorer    ADDR
  revoke-anchorer   ADDR
  rotate-anchorer   NEW [--old ADDR]        grants NEW, then revokes the old anchorer(s)
  grant-pauser      ADDR
  revoke-pauser     ADDR
  transfer-admin    NEW_ADMIN [--keep]      grants the admin role to NEW_ADMIN, then renounces the sender's
  pause | unpause
  preflight         [--anchorer ADDR]       the server's start-up check (chain id, code, ANCHORER_ROLE)
  check-store       [--data-dir DIR]        a (restored) store against the chain: OK, STALE or CONFLICT (exit 4)
  migrate-store     --from SQLITE_FILE --to POSTGRES_URL   copy a store to PostgreSQL, check every root against the chain

options for the commands that send
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
  "from",
  "to",
];
const FLAG_OPTIONS = ["renounce-deployer", "yes", "force", "json", "strict", "print-tx", "keep", "help"];

/** --max-anchor-delay SECONDS (or MAX_ANCHOR_DELAY_SECONDS) for deploy; absent: the module's default. */
function maxDelayOption(value: string | undefined): { maxAnchorDelaySeconds?: number } {
  if (value === undefined || value === "") return {};
  if (!/^[1-9]\d{0,9}$/.test(value)) throw new UsageError("--max-anchor-delay must be a whole number of seconds");
  return { maxAnchorDelaySeconds: Number(value) };
}

const envFlag = (name: string) => ["1", "true", "yes"].includes((process.env[name] ?? "").toLowerCase());

async function run(args: ParsedArgs): Promise<number> {
  const [command, ...rest] = args.positionals;
  const o = args.options;
  if (!command || args.flags.has("help")) {
    console.log(USAGE);
    return args.flags.has("help") ? 0 : 2;
  }
  const network = o.network;
  if (!network)
    throw new UsageError("--network NAME is required (localhost, sepolia, baseSepolia, opSepolia, arbitrumSepolia)");
  const hint = missingNetworkHint(process.env, network);
  if (hint) throw new UsageError(hint);

  // Must precede the first require of "hardhat": it selects the network the runtime connects to.
  process.env.HARDHAT_NETWORK = network;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre = require("hardhat") as HardhatRuntimeEnvironment;
  const machine = args.flags.has("json") || args.flags.has("print-tx");
  const log = (line: string) => (machine ? console.error(line) : console.log(line));
  const emit = (value: unknown) => console.log(JSON.stringify(value, null, 2));

  if (command === "deploy") {
    const { deploy } = await import("./deploy");
    await deploy(hre, {
      admin: o.admin ?? process.env.ADMIN_ADDRESS,
      anchorer: o.anchorer ?? process.env.ANCHORER_ADDRESS,
      pauser: o.pauser ?? process.env.PAUSER_ADDRESS,
      ...maxDelayOption(o["max-anchor-delay"] ?? process.env.MAX_ANCHOR_DELAY_SECONDS),
      renounceDeployer: args.flags.has("renounce-deployer") || envFlag("RENOUNCE_DEPLOYER"),
      yes: args.flags.has("yes"),
      force: args.flags.has("force"),
      deploymentFile: o.deployment,
      deploymentId: o["deployment-id"],
      log,
    });
    return 0;
  }

  const commands = await import("./commands");
  const ctx: import("./commands").CommandContext = {
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
    log,
    emit,
  };
  const { ANCHORER_ROLE, PAUSER_ROLE } = await import("./registry");
  switch (command) {
    case "status": {
      const { statusCommand } = await import("./status");
      const report = await statusCommand(ctx, {
        server: o.server,
        minBalance: o["min-balance"],
        batches: o.batches === undefined ? undefined : Number(o.batches),
        json: args.flags.has("json"),
      });
      return args.flags.has("strict") && report.warnings.length > 0 ? 3 : 0;
    }
    case "grant-anchorer":
      await commands.grantRoleCommand(ctx, ANCHORER_ROLE, rest[0]);
      return 0;
    case "revoke-anchorer":
      await commands.revokeRoleCommand(ctx, ANCHORER_ROLE, rest[0]);
      return 0;
    case "rotate-anchorer":
      await commands.rotateAnchorerCommand(ctx, rest[0], o.old);
      return 0;
    case "grant-pauser":
      await commands.grantRoleCommand(ctx, PAUSER_ROLE, rest[0]);
      return 0;
    case "revoke-pauser":
      await commands.revokeRoleCommand(ctx, PAUSER_ROLE, rest[0]);
      return 0;
    case "transfer-admin":
      await commands.transferAdminCommand(ctx, rest[0], args.flags.has("keep"));
      return 0;
    case "preflight": {
      // The very check the server runs at start-up, before starting it.
      const { checkDeployment } = await import("../../server/deployment-check");
      const { Wallet } = await import("ethers");
      const { deploymentPath } = await import("./registry");
      const anchorer =
        o.anchorer ?? (process.env.ANCHORER_KEY ? new Wallet(process.env.ANCHORER_KEY).address : undefined);
      if (!anchorer) throw new UsageError("preflight needs --anchorer ADDR (or ANCHORER_KEY in the environment)");
      const deploymentFile = deploymentPath(network, o.deployment);
      const registry = o.registry ?? process.env.REGISTRY_ADDRESS ?? (await commands.resolveRegistry(ctx)).address;
      await checkDeployment({ provider: hre.ethers.provider, registry, anchorer, deploymentFile });
      log(`preflight ok: chain, code and deployment file match; ${anchorer} holds ANCHORER_ROLE on ${registry}`);
      return 0;
    }
    case "check-store": {
      const { checkStoreCommand } = await import("./store-check");
      const dataDir = o["data-dir"] ?? (process.env.DATA_DIR?.trim() || "./data");
      const result = await checkStoreCommand(ctx, dataDir);
      if (args.flags.has("json")) emit(result);
      return result.verdict === "ok" ? 0 : 4;
    }
    case "migrate-store": {
      const { migrateStoreCommand } = await import("./migrate-store");
      await migrateStoreCommand(ctx, o.from, o.to);
      return 0;
    }
    case "pause":
    case "unpause":
      await commands.pauseCommand(ctx, command === "pause");
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
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
