/**
 * `npm run publisher` writes to the store the server reads, or to none: run in a shell whose DATA_DIR names no
 * store (the server's settings not loaded), it refuses and creates nothing, instead of a stray ./data store
 * whose keys the server would answer with 401. Every run names the store it writes to.
 */
import { expect } from "chai";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { openSqliteStore } from "../../server/store/sqlite";
import { run } from "./helpers";

describe("ops: the publisher command and the server's store", function () {
  this.timeout(120_000);
  let work: string;

  before(async function () {
    work = await mkdtemp(path.join(tmpdir(), "aiqyn-publisher-"));
  });
  after(async function () {
    await rm(work, { recursive: true, force: true });
  });

  it("refuses to create a store where the server has none, names it, and writes nothing", async function () {
    const dataDir = path.join(work, "no-server-here");
    const r = await run("npm", ["run", "--silent", "publisher", "--", "add", "treasury"], { DATA_DIR: dataDir });
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal("");
    expect(r.stderr)
      .to.contain(`no store at ${path.join(dataDir, "aiqyn.sqlite")}`)
      .and.contain("set -a");
    expect(existsSync(dataDir)).to.equal(false);
  });

  it("adds the publisher to the server's store and names that store", async function () {
    const dataDir = path.join(work, "server-data");
    const store = openSqliteStore(dataDir); // what the server does at its first start
    await store.close();
    const r = await run("npm", ["run", "--silent", "publisher", "--", "add", "treasury"], { DATA_DIR: dataDir });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr)
      .to.contain(`store: ${path.join(dataDir, "aiqyn.sqlite")}`)
      .and.contain("publisher treasury added");
    expect(r.stdout.trim()).to.match(/^aiq_/);
    const reopened = openSqliteStore(dataDir);
    try {
      expect((await reopened.listPublishers()).map((p) => p.name)).to.deep.equal(["treasury"]);
    } finally {
      await reopened.close();
    }
  });
});

describe("ops: a local node's records stay out of the repository", function () {
  it("git ignores localhost's deployment file, its trust root and the records --supersede kept, not a testnet's", async function () {
    const ignored = async (file: string) => (await run("git", ["check-ignore", "-q", file], {})).code === 0;
    expect(await ignored("deployments/localhost.json")).to.equal(true);
    expect(await ignored("deployments/localhost.aiqyn-trust.json")).to.equal(true);
    expect(await ignored("deployments/localhost.0x5FbDB2315678afecb367f032d93F642f64180aa3.json")).to.equal(true);
    expect(await ignored("deployments/sepolia.json")).to.equal(false);
    expect(await ignored("deployments/sepolia.aiqyn-trust.json")).to.equal(false);
  });
});
