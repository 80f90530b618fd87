// The server's start-up refusal when its MAX_ANCHOR_DELAY_SECONDS is not the registry's maxAnchorDelay():
// the real server (server/main.ts as a child process) against a registry on the in-process chain.
import { expect } from "chai";
import { AiqynError, createRegistryReader } from "../../core";
import { checkAnchorDelay } from "../../server/anchoring/deployment-check";
import { chainRpcUrl, deployTestRegistry, testProvider } from "../helpers/chain";
import { prepareChildServer, spawnServer } from "../helpers/child-server";

describe("server start-up: MAX_ANCHOR_DELAY_SECONDS against the contract's maxAnchorDelay()", function () {
  this.timeout(120_000);

  it("refuses to start with MAX_ANCHOR_DELAY_MISMATCH when the configured delay differs from the contract's", async () => {
    const setup = await prepareChildServer("delay-mismatch", { MAX_ANCHOR_DELAY_SECONDS: "7200" });
    const child = spawnServer(setup.env);
    const exit = await child.exited;
    expect(exit.code).to.equal(1);
    expect(child.stderr()).to.contain("MAX_ANCHOR_DELAY_SECONDS is 7200");
    expect(child.stderr()).to.contain("maxAnchorDelay() = 3600");
    expect(child.stdout()).not.to.contain("listening");
  });

  it("checkAnchorDelay rejects with the code MAX_ANCHOR_DELAY_MISMATCH against a real registry", async () => {
    const provider = testProvider(await chainRpcUrl());
    const registry = await deployTestRegistry(provider, 3600);
    const reader = createRegistryReader((method, params) => provider.send(method, params), registry.address);
    await checkAnchorDelay(reader, 3600);
    const error = await checkAnchorDelay(reader, 60).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(AiqynError);
    expect((error as AiqynError).code).to.equal("MAX_ANCHOR_DELAY_MISMATCH");
    expect((error as AiqynError).details).to.deep.equal({ actual: 60, expected: 3600 });
  });

  it("starts when the configured delay equals the contract's", async () => {
    const setup = await prepareChildServer("delay-match", { MAX_ANCHOR_DELAY_SECONDS: "3600" });
    const child = spawnServer(setup.env);
    try {
      const url = await child.url;
      const info = (await (await fetch(`${url}/api/v1/registry`)).json()) as { maxAnchorDelaySeconds: number };
      expect(info.maxAnchorDelaySeconds).to.equal(3600);
    } finally {
      await child.stop();
    }
  });
});
