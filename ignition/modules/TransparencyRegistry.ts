/**
 * Deploys the TransparencyRegistry in one transaction. The constructor grants every role directly, so the
 * deployer key (a hot key on a maintainer's machine) never holds admin power, not even for one block: there is
 * no window in which a leaked deployer key could grant itself anything, and nothing has to be renounced.
 *
 * Parameters: admin (DEFAULT_ADMIN_ROLE, a multisig on a real network), anchorer (ANCHORER_ROLE, the server's
 * key), pauser (PAUSER_ROLE) and maxAnchorDelay (seconds, the registry's immutable promise of how long a receipt
 * may wait for its anchor; the server's MAX_ANCHOR_DELAY_SECONDS must equal it). The zero address for anchorer or
 * pauser leaves that role unassigned.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
/** The server's default MAX_ANCHOR_DELAY_SECONDS: the registry promises it unless deployed with another. */
export const DEFAULT_MAX_ANCHOR_DELAY_SECONDS = 3600;

export default buildModule("TransparencyRegistryModule", (m) => {
  const admin = m.getParameter<string>("admin");
  const anchorer = m.getParameter<string>("anchorer", ZERO_ADDRESS);
  const pauser = m.getParameter<string>("pauser", ZERO_ADDRESS);
  const maxAnchorDelay = m.getParameter<number>("maxAnchorDelay", DEFAULT_MAX_ANCHOR_DELAY_SECONDS);
  const registry = m.contract("TransparencyRegistry", [admin, anchorer, pauser, maxAnchorDelay]);
  return { registry };
});
