// The production start path serves the page: a checkout without web/dist gets it built at start.
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { prepareChildServer, spawnServer, type ChildServer } from "../helpers/child-server";

const DIST = path.resolve(__dirname, "..", "..", "web", "dist");

describe("server: the page at start", function () {
  this.timeout(180_000);
  let child: ChildServer | undefined;
  let movedAside: string | null = null;
  before(() => {
    // Other tests need the page as it was: it is moved aside, not deleted, and put back afterwards.
    if (fs.existsSync(DIST)) {
      movedAside = `${DIST}.aside-${process.pid}`;
      fs.renameSync(DIST, movedAside);
    }
  });
  after(async () => {
    await child?.stop();
    if (movedAside) {
      fs.rmSync(DIST, { recursive: true, force: true });
      fs.renameSync(movedAside, DIST);
    }
  });

  it("builds web/dist when it is missing and serves the page at /", async () => {
    expect(fs.existsSync(path.join(DIST, "index.html"))).to.equal(false);
    const setup = await prepareChildServer("page");
    child = spawnServer(setup.env);
    const url = await child.url;
    expect(child.stderr()).to.include("web/dist is missing: building the page");
    const page = await fetch(`${url}/`, { headers: { accept: "text/html" } });
    expect(page.status).to.equal(200);
    expect(page.headers.get("content-type")).to.match(/^text\/html/);
    expect(await page.text()).to.match(/<script[^>]+src="[^"]*app\.js"/);
  });
});
