// Start-up, as a supervisor sees it (real child processes): a public development key refused off a local
// chain, the refusal's code on the error line, the key read from a private file, a safe CONFIRMATIONS
// default on a public chain, and the page built when it is missing.
import { expect } from "chai";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { Contract, Wallet, id, toQuantity } from "ethers";
import { startServer } from "../../server";
import { REGISTRY_ABI } from "../../server/anchoring/chain";
import { serverConfig } from "../../server/config";
import { DEV_MNEMONIC, PAGE_NO_RPC_VERDICT, SAFE_CONFIRMATIONS, publicRpcWarning } from "../../server/start-checks";
import { en } from "../../web/src/lang/en";
import { prepareChildServer, spawnServer, type ChildServer } from "../helpers/child-server";
import { postJson } from "../helpers/http";
import { sampleRecord } from "../helpers/stack";

const SEPOLIA = 11155111;
/** Hardhat's account #0 and #19 (as printed by `npx hardhat node`): derived by the server, pasted here. */
const HARDHAT_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const HARDHAT_19 = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";

/** A JSON-RPC front for the in-process chain that reports another chain id (nothing is sent through it). */
async function chainIdProxy(target: string, chainId: number): Promise<{ url: string; close(): Promise<void> }> {
  const answer = async (request: { id: unknown; method: string }) => {
    if (request.method === "eth_chainId") return { jsonrpc: "2.0", id: request.id, result: toQuantity(chainId) };
    if (request.method === "net_version") return { jsonrpc: "2.0", id: request.id, result: String(chainId) };
    const res = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
    return res.json();
  };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const parsed = JSON.parse(body) as { id: unknown; method: string } | { id: unknown; method: string }[];
      const reply = Array.isArray(parsed) ? Promise.all(parsed.map(answer)) : answer(parsed);
      void reply.then((out) => res.setHeader("content-type", "application/json").end(JSON.stringify(out)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function grantAnchorer(setup: Awaited<ReturnType<typeof prepareChildServer>>, address: string): Promise<void> {
  const abi = [...REGISTRY_ABI, "function grantRole(bytes32 role, address account)"];
  const registry = new Contract(setup.registry.address, abi, setup.registry.admin);
  await (await registry.getFunction("grantRole")(id("ANCHORER_ROLE"), address)).wait();
}

describe("server: start-up refusals and defaults", function () {
  this.timeout(180_000);
  let child: ChildServer | undefined;
  afterEach(async () => {
    await child?.stop();
    child = undefined;
  });

  for (const [name, key] of [
    ["#0", HARDHAT_0],
    ["#19", HARDHAT_19],
  ] as const) {
    it(`refuses Hardhat's development account ${name} as ANCHORER_KEY on a public chain, with the code on its error line`, async () => {
      const setup = await prepareChildServer("devkey");
      const sepolia = await chainIdProxy(setup.rpcUrl, SEPOLIA);
      try {
        child = spawnServer({ ...setup.env, RPC_URL: sepolia.url, ANCHORER_KEY: key });
        const { code } = await child.exited;
        expect(code).to.equal(1);
        expect(child.stderr()).to.match(/^aiqyn: could not start: ANCHORER_KEY_PUBLIC: /m);
        expect(child.stderr()).not.to.include(key.slice(2));
      } finally {
        await sepolia.close();
      }
    });
  }

  it("accepts a development key on the local chain", async () => {
    const setup = await prepareChildServer("devkey-local");
    await grantAnchorer(setup, new Wallet(HARDHAT_0).address);
    child = spawnServer({ ...setup.env, ANCHORER_KEY: HARDHAT_0 });
    expect(await child.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("warns at start, off a local chain, when the page would read the chain through fewer than two public RPCs", async () => {
    const setup = await prepareChildServer("readers");
    const sepolia = await chainIdProxy(setup.rpcUrl, SEPOLIA);
    const anchorer = setup.registry.anchorer.privateKey;
    try {
      child = spawnServer({
        ...setup.env,
        LOG_LEVEL: "warn",
        RPC_URL: sepolia.url,
        ANCHORER_KEY: anchorer,
        PUBLIC_RPC_URLS: sepolia.url,
      });
      await child.url;
      expect(child.stdout()).to.include("PUBLIC_RPC_URLS names one RPC");
      await child.stop();
      const two = `${sepolia.url},${setup.rpcUrl}`;
      child = spawnServer({
        ...setup.env,
        LOG_LEVEL: "warn",
        RPC_URL: sepolia.url,
        ANCHORER_KEY: anchorer,
        PUBLIC_RPC_URLS: two,
      });
      await child.url;
      expect(child.stdout()).not.to.include("PUBLIC_RPC_URLS");
    } finally {
      await sepolia.close();
    }
    expect(publicRpcWarning(SEPOLIA, [])).to.include("PUBLIC_RPC_URLS is empty");
    expect(publicRpcWarning(31337, [])).to.equal(null);
  });

  it("refuses to start off a local chain with no PUBLIC_RPC_URLS, in the page's own words, unless told none", async () => {
    const setup = await prepareChildServer("no-public-rpc");
    const sepolia = await chainIdProxy(setup.rpcUrl, SEPOLIA);
    const env = { ...setup.env, RPC_URL: sepolia.url, ANCHORER_KEY: setup.registry.anchorer.privateKey };
    try {
      child = spawnServer({ ...env, PUBLIC_RPC_URLS: "" });
      expect((await child.exited).code).to.equal(1);
      expect(child.stderr()).to.match(/^aiqyn: could not start: PUBLIC_RPC_MISSING: /m);
      expect(child.stderr()).to.include(`"${en["verdict.noRpc"]}"`).and.include("PUBLIC_RPC_URLS=none");
      child = spawnServer({ ...env, PUBLIC_RPC_URLS: "none", LOG_LEVEL: "warn" });
      await child.url;
      expect(child.stdout()).to.include(PAGE_NO_RPC_VERDICT).and.include("PUBLIC_RPC_URLS=none");
    } finally {
      await sepolia.close();
    }
    expect(PAGE_NO_RPC_VERDICT).to.equal(en["verdict.noRpc"]);
  });

  it("derives the development accounts from the public test mnemonic", () => {
    expect(DEV_MNEMONIC.split(" ")).to.have.length(12);
    expect(new Wallet(HARDHAT_0).address).to.equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  });

  it("reads the anchorer key from ANCHORER_KEY_FILE, refusing a file others can read", async () => {
    const setup = await prepareChildServer("keyfile");
    const { ANCHORER_KEY: key, ...env } = setup.env;
    const keyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-key-")), "anchorer.key");
    fs.writeFileSync(keyFile, `${key}\n`);
    fs.chmodSync(keyFile, 0o644);
    child = spawnServer({ ...env, ANCHORER_KEY_FILE: keyFile });
    expect((await child.exited).code).to.equal(2);
    expect(child.stderr()).to.include("ANCHORER_KEY_FILE").and.include("mode 0644").and.include("chmod 600");
    expect(child.stderr()).not.to.include(key!.slice(2));

    fs.chmodSync(keyFile, 0o600);
    child = spawnServer({ ...env, ANCHORER_KEY_FILE: keyFile });
    const url = await child.url;
    const answer = await postJson(`${url}/api/v1/records`, sampleRecord(), setup.key);
    expect(answer.status).to.equal(201);
    expect((answer.body as { receipts: { signer: string }[] }).receipts[0]!.signer).to.equal(
      setup.registry.anchorer.address,
    );
  });

  it("waits for a safe number of confirmations on a public chain unless CONFIRMATIONS says otherwise", async () => {
    const setup = await prepareChildServer("confirmations");
    const sepolia = await chainIdProxy(setup.rpcUrl, SEPOLIA);
    const start = (rpcUrl: string, confirmations: number | null) =>
      startServer(
        serverConfig({
          port: 0,
          rpcUrl,
          registryAddress: setup.registry.address,
          anchorerKey: setup.registry.anchorer.privateKey,
          dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-conf-")),
          confirmations,
          publicRpcUrls: [rpcUrl],
          checkDeployment: false,
          logLevel: "silent",
        }),
      );
    try {
      for (const [rpcUrl, configured, expected] of [
        [sepolia.url, null, SAFE_CONFIRMATIONS],
        [sepolia.url, 2, 2],
        [setup.rpcUrl, null, 1],
      ] as const) {
        const running = await start(rpcUrl, configured);
        expect(running.anchorer.confirmations, `${rpcUrl} ${configured}`).to.equal(expected);
        await running.close();
      }
    } finally {
      await sepolia.close();
    }
  });
});
