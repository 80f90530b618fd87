/**
 * `ops refresh-deployment`: rewrites the deployment file's role snapshot (roles, rolesCheckedAt) from the chain,
 * after a Safe batch or a role command run elsewhere changed who holds what. Only the snapshot changes: a file
 * whose chain, address or code does not match the registry is refused, since it describes another contract.
 */
import { getAddress } from "ethers";
import { codeHash } from "../../server/anchoring/deployment-check";
import { UsageError } from "./args";
import { resolveRegistry, type CommandContext } from "./commands";
import { maybeReadDeployment, refreshDeploymentRoles } from "./registry";

export async function refreshDeploymentCommand(ctx: CommandContext): Promise<void> {
  const r = await resolveRegistry(ctx);
  const before = await maybeReadDeployment(r.file);
  if (!before) throw new UsageError(`no deployment file at ${r.file}: nothing to refresh`);
  const code = codeHash(await ctx.hre.ethers.provider.getCode(r.address));
  if (
    before.chainId !== r.chainId ||
    getAddress(before.address) !== r.address ||
    code !== before.bytecodeHash.toLowerCase()
  )
    throw new UsageError(
      `${r.file} describes ${before.address} on chain ${before.chainId}, not the registry ${r.address} on chain ` +
        `${r.chainId} (or its code differs): refusing to rewrite it`,
    );
  await refreshDeploymentRoles(ctx.hre, r.file, r.registry, r.chainId);
  const after = (await maybeReadDeployment(r.file))!;
  ctx.log(`refreshed ${r.file} from chain ${r.chainId} (roles as of ${after.rolesCheckedAt}):`);
  for (const key of ["admin", "anchorers", "pausers"] as const) {
    const was = before.roles[key].join(", ") || "none";
    const now = after.roles[key].join(", ") || "none";
    ctx.log(`  ${key.padEnd(9)} ${now}${was === now ? "" : `  (was ${was})`}`);
  }
}
