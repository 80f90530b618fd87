/**
 * The settings template, used exactly as docs/OPERATIONS.md says: `npm run chain -- --port N` for the node, the
 * template filled for it, loaded with `set -a; . FILE; set +a` and `npm start`: the server must come up
 * serving the deployed registry, with the key read from a 0600 file (and refuse a key file others can read).
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { getJson } from "../helpers/http";
import { waitFor } from "../helpers/wait";
import { expectOk as ok, freePort, removeIgnitionDeployments, ROOT, run, fillTemplate, spawnGroup } from "./helpers";

describe("ops: the env-file template starts the server as the runbook says", function () {
  this.timeout(240_000);

  let work: string;
  let chain: ReturnType<typeof spawnGroup> & { child: ChildProcess };
  let rpcUrl: string;
  let registry: string;
  let envFile: string;
  let keyFile: string;
  const id = `test-env-${process.pid}-${Date.now()}`;
  // The parent's own settings must not leak in: the file alone configures the server.
  const cleanEnv = () => {
    const env = { ...process.env };
    for (const name of [
      "RPC_URL",
      "REGISTRY_ADDRESS",
      "ANCHORER_KEY",
      "ANCHORER_KEY_FILE",
      "DATA_DIR",
      "PORT",
      "CHAIN_ID",
    ])
      delete env[name];
    return env;
  };

  before(async function () {
    work = await mkdtemp(path.join(tmpdir(), "aiqyn-env-"));
    const port = await freePort();
    rpcUrl = `http://127.0.0.1:${port}`;
    chain = spawnGroup("npm", ["run", "chain", "--", "--port", String(port)], cleanEnv());
    const provider = new JsonRpcProvider(rpcUrl, 31337, { staticNetwork: true, cacheTimeout: -1 });
    await waitFor(
      "npm run chain -- --port N",
      async () => {
        if (chain.child.exitCode !== null) throw new Error(`npm run chain exited: ${chain.output()}`);
        return provider.send("eth_chainId", []).then(String, () => null);
      },
      60_000,
      250,
    );
    provider.destroy();
    const deployments = path.join(work, "deployments");
    const accounts = ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"];
    const env = { LOCAL_RPC_URL: rpcUrl, DEPLOYMENTS_DIR: deployments, REPORT_GAS: "false", CI: "true" };
    const args = ["run", "--silent", "deploy", "--", "--network", "localhost", "--deployment-id", id];
    const r = await run("npm", [...args, "--admin", accounts[0]!, "--anchorer", accounts[1]!], env);
    ok(r, "deploy");
    registry = /REGISTRY_ADDRESS=(0x[0-9a-fA-F]{40})/.exec(r.stdout)![1]!;

    keyFile = path.join(work, "anchorer.key");
    // account #2 of the node: the anchorer granted above (a well-known test key, never for a real network)
    await writeFile(keyFile, "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a\n", { mode: 0o600 });
    const template = await readFile(path.join(ROOT, "deploy", "aiqyn.env.example"), "utf8");
    envFile = path.join(work, "aiqyn.env");
    const values = {
      RPC_URL: rpcUrl,
      REGISTRY_ADDRESS: registry,
      DEPLOYMENT_FILE: path.join(deployments, "localhost.json"),
      ANCHORER_KEY_FILE: keyFile,
      DATA_DIR: path.join(work, "data"),
      PORT: "0",
    };
    await writeFile(envFile, fillTemplate(template, values), { mode: 0o600 });
  });

  after(async function () {
    await chain?.stop();
    await removeIgnitionDeployments(id);
    await rm(work, { recursive: true, force: true });
  });

  const start = () => spawnGroup("bash", ["-c", `set -a; . ${envFile}; set +a; exec npm start`], cleanEnv());

  it("set -a; . FILE; set +a; npm start serves the deployed registry with the key from the file", async function () {
    const server = start();
    try {
      const url = await waitFor(
        "aiqyn listening",
        () => {
          if (server.child.exitCode !== null) throw new Error(`npm start exited: ${server.output()}`);
          return /aiqyn listening on (http:\/\/\S+)/.exec(server.output())?.[1] ?? null;
        },
        180_000,
        200,
      );
      const info = await getJson<{ registry?: string; chainId?: number }>(`${url}/api/v1/registry`);
      expect(info.body).to.include({ registry, chainId: 31337 });
      const ready = await waitFor("ready", async () => ((await getJson(`${url}/readyz`)).status === 200 ? true : null));
      expect(ready).to.equal(true);
      expect((await fetch(`${url}/`)).status).to.equal(200);
    } finally {
      await server.stop();
    }
  });

  it("a key file others can read stops the start with the chmod to run", async function () {
    await chmod(keyFile, 0o644);
    const server = start();
    const code = await server.exited;
    expect(code).to.not.equal(0);
    expect(server.output()).to.contain(`chmod 600 ${keyFile}`);
    await chmod(keyFile, 0o600);
  });
});
