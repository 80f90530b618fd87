// anvil (Foundry's node, from @foundry-rs/anvil) as a second real EVM for tests: it offers call traces
// (debug_traceTransaction with callTracer, trace_transaction), which Hardhat 2 does not. Started on a free port,
// stopped by the caller (stop()); its default accounts are the well-known test mnemonic's.
import { spawn, type ChildProcess } from "node:child_process";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager } from "ethers";

const ANVIL = require.resolve("@foundry-rs/anvil-linux-amd64/bin/anvil");
const MNEMONIC = "test test test test test test test test test test test junk";

export interface Anvil {
  url: string;
  chainId: number;
  provider: JsonRpcProvider;
  /** Default account `index` as a signer (nonces managed: quick transactions in a row do not collide). */
  signer(index: number): NonceManager;
  address(index: number): string;
  stop(): Promise<void>;
}

export async function startAnvil(chainId = 7777): Promise<Anvil> {
  const child: ChildProcess = spawn(ANVIL, ["--port", "0", "--chain-id", String(chainId)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`anvil did not start: ${out}`)), 20_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Listening on (127\.0\.0\.1:\d+)/.exec(out);
      if (match) (clearTimeout(timer), resolve(`http://${match[1]}`));
    });
    child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`anvil exited ${code}: ${out}`))));
  });
  const provider = new JsonRpcProvider(url, chainId, { staticNetwork: true, cacheTimeout: -1 });
  const mnemonic = Mnemonic.fromPhrase(MNEMONIC);
  const wallet = (i: number) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`);
  const signers = new Map<number, NonceManager>();
  return {
    url,
    chainId,
    provider,
    address: (i) => wallet(i).address,
    signer(i) {
      let s = signers.get(i);
      if (!s) signers.set(i, (s = new NonceManager(wallet(i).connect(provider))));
      return s;
    },
    async stop() {
      provider.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
