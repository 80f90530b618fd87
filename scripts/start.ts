/**
 * `npm start`: the embedded local stack. With no configuration it starts Hardhat's in-process chain on
 * 127.0.0.1:CHAIN_PORT, deploys the registry (account #0 admin and pauser, account #1 anchorer) or reuses the
 * one recorded in DATA_DIR/local-chain.json, and serves the API and the page on 127.0.0.1:PORT. The local
 * chain forgets everything when it stops, so on each start the registry is redeployed and every batch in
 * the store is anchored again, in order. `--demo` (or DEMO=1) loads the demo records into an empty store.
 *
 * With RPC_URL, REGISTRY_ADDRESS and ANCHORER_KEY (or ANCHORER_KEY_FILE) set it serves that network instead
 * and never deploys: the production start, `set -a; . /etc/aiqyn/aiqyn.env; set +a; npm start`.
 */
import fs from "node:fs";
import path from "node:path";
import { HDNodeWallet, Mnemonic } from "ethers";
import { loadConfig, serverConfig, type EnvConfig } from "../server/config";
import { createProvider } from "../server/anchoring/chain";
import { deployRegistry } from "../server/demo/deploy-registry";
import { demoRecordGroups } from "../server/demo/disclosures";
import { chainDemoRecords } from "../server/demo/chain";
import type { DemoBitcoin } from "../server/demo/bitcoin";
import { registryCaip10 } from "../core/protocol/caip";
import { startServer, type RunningServer } from "../server/index";
import { closeOnSignals, exitOnBadConfig, startFailureLine } from "../server/main";
import { addPublisher } from "../server/publishers";
import { serveHardhatNetwork, type Hre } from "./hardhat-rpc";
import { readKeyFile } from "./ops/keys";

/**
 * ANCHORER_KEY_FILE → the key, in this process only (never on a command line). The server's own config reads
 * the file too where it knows the variable; moving it here first keeps the two from ever disagreeing.
 */
function keyFromFile(env: NodeJS.ProcessEnv): void {
  const file = env.ANCHORER_KEY_FILE?.trim();
  if (!file) return;
  if (env.ANCHORER_KEY) throw new Error("set ANCHORER_KEY_FILE or ANCHORER_KEY, not both");
  env.ANCHORER_KEY = readKeyFile(file);
  delete env.ANCHORER_KEY_FILE;
}

const LOCAL_CHAIN_ID = 31337;

interface LocalChainFile {
  chainId: number;
  registry: string;
  deploymentBlock: number;
  admin: string;
  anchorer: string;
}

/** The local publisher `dev`: created once, its key kept in DATA_DIR/dev-publisher-key. */
async function ensureDevPublisher(running: RunningServer, dataDir: string): Promise<string | null> {
  const keyFile = path.join(dataDir, "dev-publisher-key");
  const existing = (await running.store.listPublishers()).find((p) => p.name === "dev");
  if (!existing) {
    const { key } = await addPublisher(running.store, "dev");
    fs.writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    return key;
  }
  return fs.existsSync(keyFile) ? fs.readFileSync(keyFile, "utf8").trim() : null;
}

async function loadDemo(
  running: RunningServer,
  key: string,
  chainGroup: () => Promise<unknown[]>,
  bitcoinGroup: () => Promise<unknown[]>,
): Promise<number> {
  let count = 0;
  for (const group of [...demoRecordGroups(Math.floor(Date.now() / 1000)), await chainGroup(), await bitcoinGroup()]) {
    if (group.length === 0) continue;
    const res = await fetch(`${running.url}/api/v1/records`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ records: group }),
    });
    if (res.status !== 201) throw new Error(`loading the demo failed: ${res.status} ${await res.text()}`);
    count += group.length;
  }
  return count;
}

type LocalAccounts = { mnemonic: string; path: string; passphrase?: string };

async function main(): Promise<void> {
  keyFromFile(process.env);
  const result = loadConfig();
  if (!result.ok) exitOnBadConfig(result.problems);
  const config = result.config;
  fs.mkdirSync(config.dataDir, { recursive: true });
  if (config.rpcUrl && config.registryAddress && config.anchorerKey) await startOnExternalNetwork(config);
  else await startLocalStack(config);
}

/** RPC_URL, REGISTRY_ADDRESS and the anchorer key are all given: the server alone, against that chain. */
async function startOnExternalNetwork(config: EnvConfig): Promise<void> {
  const running = await startServer({
    ...config,
    rpcUrl: config.rpcUrl!,
    registryAddress: config.registryAddress!,
    anchorerKey: config.anchorerKey!,
  });
  process.stdout.write(`aiqyn listening on ${running.url} (chain ${running.chainId}, registry ${running.registry})\n`);
  closeOnSignals(running);
}

/** None given: Hardhat's chain in this process, the registry deployed on it once, the server, the demo if asked. */
async function startLocalStack(config: EnvConfig): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre = require("hardhat") as Hre;
  const chainServer = await serveHardhatNetwork(hre, config.chainPort);
  const rpcUrl = chainServer.url;

  const accounts = hre.network.config.accounts as LocalAccounts;
  const mnemonic = Mnemonic.fromPhrase(accounts.mnemonic, accounts.passphrase ?? "");
  const anchorer = HDNodeWallet.fromMnemonic(mnemonic, `${accounts.path}/1`);
  const { registry, redeployed } = await localRegistry(config, rpcUrl, accounts, anchorer.address);
  // The demo's Bitcoin node (bcoin regtest, in memory): loaded only here, never on the production path.
  const bitcoin = config.demo ? await (await import("../server/demo/bitcoin")).startDemoBitcoin() : null;

  const running = await startServer(
    serverConfig({
      ...config,
      rpcUrl,
      registryAddress: registry,
      anchorerKey: anchorer.privateKey,
      chainId: LOCAL_CHAIN_ID,
      // The local chain is the page's only reader here; a real deployment lists independent public ones.
      publicRpcUrls: config.publicRpcUrls.length > 0 ? config.publicRpcUrls : [rpcUrl],
      publicEsploraUrls: [...config.publicEsploraUrls, ...(bitcoin ? [`${bitcoin.chain}=${bitcoin.url}`] : [])],
      // The local chain forgot every batch: anchor them all again, in order.
      reanchorAll: redeployed,
      checkDeployment: false,
    }),
  );
  closeOnSignals(running, async () => {
    await chainServer.close();
    await bitcoin?.close();
  });

  const key = await ensureDevPublisher(running, config.dataDir);
  const demoNote = config.demo ? await loadLocalDemo(hre, running, key, { rpcUrl, registry, accounts }, bitcoin) : "";
  printLocalStack(config, running, { rpcUrl, registry, redeployed, key, demoNote, bitcoin });
}

/** The registry recorded in DATA_DIR/local-chain.json while the chain still holds it; else deployed now. */
async function localRegistry(
  config: EnvConfig,
  rpcUrl: string,
  accounts: LocalAccounts,
  anchorer: string,
): Promise<{ registry: string; redeployed: boolean }> {
  const mnemonic = Mnemonic.fromPhrase(accounts.mnemonic, accounts.passphrase ?? "");
  const provider = createProvider(rpcUrl, LOCAL_CHAIN_ID);
  const admin = HDNodeWallet.fromMnemonic(mnemonic, `${accounts.path}/0`).connect(provider);
  const localFile = path.join(config.dataDir, "local-chain.json");
  const saved = fs.existsSync(localFile) ? (JSON.parse(fs.readFileSync(localFile, "utf8")) as LocalChainFile) : null;
  try {
    if (saved?.registry && (await provider.getCode(saved.registry)) !== "0x")
      return { registry: saved.registry, redeployed: false };
    const roles = { admin: admin.address, anchorer, pauser: admin.address };
    const deployed = await deployRegistry(admin, roles, config.maxAnchorDelaySeconds);
    const record: LocalChainFile = {
      chainId: LOCAL_CHAIN_ID,
      registry: deployed.address,
      deploymentBlock: deployed.deploymentBlock,
      admin: admin.address,
      anchorer,
    };
    fs.writeFileSync(localFile, `${JSON.stringify(record, null, 2)}\n`);
    return { registry: deployed.address, redeployed: true };
  } finally {
    provider.destroy();
  }
}

/** The demo records (and their transfers on the local chain) when the store is empty; a note on what happened. */
async function loadLocalDemo(
  hre: Hre,
  running: RunningServer,
  key: string | null,
  chain: { rpcUrl: string; registry: string; accounts: LocalAccounts },
  bitcoin: DemoBitcoin | null,
): Promise<string> {
  if ((await running.store.maxSeq()) > 0) return "demo: the store already holds records; nothing loaded";
  if (!key) return "demo: no dev key on disk (DATA_DIR/dev-publisher-key); nothing loaded";
  const artifact = hre.artifacts.readArtifactSync("DemoStablecoin");
  const chainGroup = () =>
    chainDemoRecords({
      rpcUrl: chain.rpcUrl,
      chainId: LOCAL_CHAIN_ID,
      registry: chain.registry,
      ...chain.accounts,
      artifact,
      now: Math.floor(Date.now() / 1000),
    });
  const bitcoinGroup = async () =>
    bitcoin ? bitcoin.fundRecords(registryCaip10(LOCAL_CHAIN_ID, chain.registry), Math.floor(Date.now() / 1000)) : [];
  const count = await loadDemo(running, key, chainGroup, bitcoinGroup);
  return `demo: loaded ${count} records (transfers on both chains: docs/RECONCILIATION.md)`;
}

function printLocalStack(
  config: EnvConfig,
  running: RunningServer,
  stack: {
    rpcUrl: string;
    registry: string;
    redeployed: boolean;
    key: string | null;
    demoNote: string;
    bitcoin: DemoBitcoin | null;
  },
): void {
  const { rpcUrl, registry, redeployed, key, demoNote, bitcoin } = stack;
  const keyFile = path.join(config.dataDir, "dev-publisher-key");
  process.stdout.write(
    [
      "",
      "Aiqyn local stack is up",
      `  page      ${running.url}/`,
      `  API       ${running.url}/api/v1/registry`,
      `  chain     ${rpcUrl} (chain ${LOCAL_CHAIN_ID}, registry ${registry}${redeployed ? ", deployed now" : ""})`,
      ...(bitcoin
        ? [`  bitcoin   ${bitcoin.url} (Esplora API of a bcoin regtest node in memory, ${bitcoin.chain})`]
        : []),
      `  data      ${config.dataDir}`,
      `  dev key   ${keyFile}${key ? "" : " (missing: add a publisher with npm run publisher -- add NAME)"}`,
      ...(demoNote ? [`  ${demoNote}`] : []),
      "",
      "Publish a record:",
      `  curl -sS -X POST ${running.url}/api/v1/records \\`,
      `    -H "Authorization: Bearer $(cat ${keyFile})" -H "Content-Type: application/json" \\`,
      `    -d '{"kind":"INFLOW_SEIZURE","occurredAt":${Math.floor(Date.now() / 1000) - 3600},"asset":"BTC","amount":"1.5","valueUsd":"145000.25","counterparty":"Almaty City Court","reference":"court order 2-1/2025","documentHash":"0x${"00".repeat(32)}","memo":"","corrects":0}'`,
      `Its proof, once anchored (within ${Math.ceil(config.batchIntervalMs / 1000)} s): curl -sS ${running.url}/api/v1/records/1/proof`,
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(startFailureLine(error));
  process.exit(1);
});
