// Issue #19 item 7 through the real binary on the real chain: one anchored batch holds two different records
// with seq 2, each with a valid proof to the anchored root. Before the fix `aiqyn verify` called the doctored
// one ANCHORED (sorted pairs bind no position, the seq check is a range). Now the record's whole batch is read
// (--server) and must rebuild the root one record per seq: it cannot, so neither version of seq 2 is anchored.
import { expect } from "chai";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { anchorForkedBatch, startOperatorServer, type ForkedBatch, type OperatorServer } from "../helpers/forked-batch";
import { runCli } from "./cli-helpers";

interface Report {
  bundles: { verdict: string; ok: boolean; checks: { id: string; ok: boolean | null; message: string }[] }[];
}

describe("cli: aiqyn verify binds a record to its seq (two records with seq 2 in one anchored batch)", function () {
  this.timeout(120_000);
  let fork: ForkedBatch;
  let operator: OperatorServer;
  let dir: string;
  const pin = () => ["--chain-id", String(fork.chainId), "--registry", fork.registryAddress, "--rpc", fork.rpcUrl];
  const verify = async (bundle: unknown, ...args: string[]) => {
    const file = join(dir, `bundle-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, JSON.stringify(bundle));
    const run = await runCli(["verify", file, ...pin(), ...args, "--json"]);
    return { run, outcome: (JSON.parse(run.stdout) as Report).bundles[0]! };
  };
  const position = (outcome: Report["bundles"][number]) => outcome.checks.find((c) => c.id === "leaf-position");

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "aiqyn-verify-position-"));
    fork = await anchorForkedBatch();
    operator = await startOperatorServer(fork);
  });

  after(async () => {
    await operator?.close();
  });

  it("every other check passes for the doctored seq 2: the proof alone cannot tell", async () => {
    const { outcome } = await verify(fork.doctored, "--server", operator.url);
    const others = outcome.checks.filter((c) => c.id !== "leaf-position");
    expect(
      others.every((c) => c.ok === true),
      JSON.stringify(others),
    ).to.equal(true);
  });

  it("with the operator's own batch records, the doctored seq 2 is a MISMATCH (exit 1)", async () => {
    operator.batchRecords("anchored");
    const { run, outcome } = await verify(fork.doctored, "--server", operator.url);
    expect(run.code).to.equal(1);
    expect(outcome.verdict).to.equal("mismatch");
    expect(position(outcome)?.ok).to.equal(false);
    expect(position(outcome)?.message).to.contain("do not rebuild the anchored root");
  });

  it("nor is the other version of seq 2 anchored: the batch binds no record to seq 2", async () => {
    const { run, outcome } = await verify(fork.honest, "--server", operator.url);
    expect(run.code).to.equal(1);
    expect(outcome.verdict).to.equal("mismatch");
  });

  it("when the operator withholds the batch's records, or none is asked, the verdict is POSITION NOT CHECKED", async () => {
    operator.batchRecords("none");
    const withheld = await verify(fork.doctored, "--server", operator.url);
    expect(withheld.run.code).to.equal(1);
    expect(withheld.outcome.verdict).to.equal("position-unchecked");
    expect(position(withheld.outcome)?.ok).to.equal(null);
    const none = await verify(fork.doctored);
    expect(none.outcome.verdict).to.equal("position-unchecked");
    expect(none.run.stderr).to.contain("POSITION NOT CHECKED");
    operator.batchRecords("anchored");
  });
});
