// The production start path serves the page: a checkout without its page gets it built at start. The page goes to
// WEB_DIST_DIR (a fresh folder here), so the web/dist that other test files read, perhaps at this very moment, is
// never touched.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { prepareChildServer, spawnServer, type ChildServer } from "../helpers/child-server";

describe("server: the page at start", function () {
  this.timeout(180_000);
  let child: ChildServer | undefined;
  const dist = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-dist-")), "dist");
  after(async () => {
    await child?.stop();
    fs.rmSync(path.dirname(dist), { recursive: true, force: true });
  });

  it("builds the page when it is missing and serves it at /", async () => {
    expect(fs.existsSync(path.join(dist, "index.html"))).to.equal(false);
    const setup = await prepareChildServer("page");
    child = spawnServer({ ...setup.env, WEB_DIST_DIR: dist });
    const url = await child.url;
    expect(child.stderr()).to.match(/aiqyn: \S*dist is missing: building the page/);
    expect(fs.existsSync(path.join(dist, "index.html"))).to.equal(true);
    const page = await fetch(`${url}/`, { headers: { accept: "text/html" } });
    expect(page.status).to.equal(200);
    expect(page.headers.get("content-type")).to.match(/^text\/html/);
    expect(await page.text()).to.match(/<script[^>]+src="[^"]*app\.js"/);
  });
});
