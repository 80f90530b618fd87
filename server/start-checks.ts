/**
 * Start-up refusals that depend on the chain the server finds: a well-known development key on a real
 * network, and the confirmation depth a chain that can reorganise needs.
 */
import { HDNodeWallet, computeAddress } from "ethers";
import { AiqynError } from "../core";

/** Hardhat's and Anvil's chain id, and Ganache's / geth --dev's: chains that live on one machine. */
export const LOCAL_CHAIN_IDS: readonly number[] = [31337, 1337];

/** CONFIRMATIONS on a chain that is not local, unless set: deep enough for the reorgs public chains see. */
export const SAFE_CONFIRMATIONS = 12;

/** The mnemonic behind Hardhat's 20 and Anvil's 10 default accounts (published in both tools' docs). */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const DEV_ACCOUNTS = 20;

let devAddresses: Set<string> | null = null;

/** The addresses of the development accounts m/44'/60'/0'/0/0 … /19, derived once. */
export function developmentAddresses(): Set<string> {
  if (devAddresses) return devAddresses;
  const parent = HDNodeWallet.fromPhrase(DEV_MNEMONIC, "", "m/44'/60'/0'/0");
  devAddresses = new Set(Array.from({ length: DEV_ACCOUNTS }, (_, i) => parent.deriveChild(i).address.toLowerCase()));
  return devAddresses;
}

export function isLocalChain(chainId: number): boolean {
  return LOCAL_CHAIN_IDS.includes(chainId);
}

/** Anyone can sign with a development key: on a real network it would let anyone anchor as the operator. */
export function refuseDevelopmentKey(chainId: number, privateKey: string): void {
  if (isLocalChain(chainId)) return;
  const address = computeAddress(privateKey).toLowerCase();
  if (developmentAddresses().has(address)) {
    throw new AiqynError(
      "ANCHORER_KEY_PUBLIC",
      `ANCHORER_KEY is a well-known development key (${address}, from the Hardhat/Anvil test mnemonic): ` +
        `anyone can sign with it. Use a key of your own on chain ${chainId}.`,
    );
  }
}

export function effectiveConfirmations(configured: number | null, chainId: number): number {
  return configured ?? (isLocalChain(chainId) ? 1 : SAFE_CONFIRMATIONS);
}

/** What the page shows for a record when it has no RPC: its own words (web/src/lang/en.ts "verdict.noRpc"). */
export const PAGE_NO_RPC_VERDICT = "Not checked: no RPC";

/**
 * An empty PUBLIC_RPC_URLS off a local chain is refused unless the operator said PUBLIC_RPC_URLS=none: the page
 * would have no RPC to check anything with, and every citizen would see every record unchecked.
 */
export function refuseMissingPublicRpc(chainId: number, publicRpcUrls: readonly string[], none?: boolean): void {
  if (isLocalChain(chainId) || publicRpcUrls.length > 0 || none) return;
  throw new AiqynError(
    "PUBLIC_RPC_MISSING",
    `PUBLIC_RPC_URLS is empty on chain ${chainId}: the page would show every record as "${PAGE_NO_RPC_VERDICT}" ` +
      `until a citizen adds an RPC in its settings. List independent public RPCs (two, and the page makes them ` +
      `agree), or set PUBLIC_RPC_URLS=none if that is what you mean.`,
  );
}

/**
 * What is weak about the page's chain reads with these PUBLIC_RPC_URLS on a chain that is not local, or null.
 * One RPC is trusted whole by every citizen's check (a lying one could report a forged root); two must agree.
 */
export function publicRpcWarning(chainId: number, publicRpcUrls: readonly string[]): string | null {
  if (isLocalChain(chainId) || publicRpcUrls.length >= 2) return null;
  if (publicRpcUrls.length === 0)
    return `PUBLIC_RPC_URLS is empty (PUBLIC_RPC_URLS=none): the page has no RPC to read the chain with, so it shows every record as "${PAGE_NO_RPC_VERDICT}" until a citizen adds one in its settings`;
  return "PUBLIC_RPC_URLS names one RPC: every citizen's check trusts it whole; list a second, independent one and the page makes them agree";
}
