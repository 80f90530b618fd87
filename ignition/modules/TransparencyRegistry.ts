/**
 * Deploys the TransparencyRegistry in one transaction. The constructor grants every role directly, so the
 * deployer key (a hot key on a maintainer's machine) never holds admin power, not even for one block: there is
 * no window in which a leaked deployer key could grant itself anything, and nothing has to be renounced.
 *
 * Parameters: admin (DEFAULT_ADMIN_ROLE, a multisig on a real network), anchorer (ANCHORER_ROLE, the server's
 * key) and pauser (PAUSER_ROLE). The zero address for anchorer or pauser leaves that role unassigned.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

export default buildModule("TransparencyRegistryModule", (m) => {
  const admin = m.getParameter<string>("admin");
  const anchorer = m.getParameter<string>("anchorer", ZERO_ADDRESS);
  const pauser = m.getParameter<string>("pauser", ZERO_ADDRESS);
  const registry = m.contract("TransparencyRegistry", [admin, anchorer, pauser]);
  return { registry };
});
