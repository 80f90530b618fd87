/**
 * A store restored from a backup older than the chain must not start: it would hand out seqs that the chain
 * already holds in anchored batches, and sign receipts that contradict them.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startServer } from "../../server";
import { postRecords, sampleRecord, startTestStack } from "../helpers/stack";

describe("Starting on a restored store", function () {
  it("refuses with STORE_BEHIND_CHAIN when the chain has anchored seqs the store does not hold", async function () {
    const stack = await startTestStack({ batchIntervalMs: 100 });
    const backup = fs.mkdtempSync(path.join(os.tmpdir(), "aiqyn-backup-"));
    try {
      const [first] = await postRecords(stack, [sampleRecord()]);
      await stack.waitForAnchored(first!.seq);
      await stack.stop();
      fs.cpSync(stack.dataDir, backup, { recursive: true }); // a backup holding seq 1 only

      await stack.restart();
      const later = await postRecords(stack, [sampleRecord(), sampleRecord()]);
      await stack.waitForAnchored(later[1]!.seq);
      await stack.stop();

      let refusal: unknown = null;
      await startServer({ ...stack.config, dataDir: backup }).then(
        (server) => server.close(),
        (error: unknown) => (refusal = error),
      );
      expect(refusal).to.have.property("code", "STORE_BEHIND_CHAIN");
      expect(String((refusal as Error).message)).to.match(/seqs up to 3 .* only up to 1/);

      // The up-to-date store still starts.
      await stack.restart();
      const res = await fetch(`${stack.baseUrl}/api/v1/records/3`);
      expect(res.status).to.equal(200);
    } finally {
      await stack.stop();
      fs.rmSync(backup, { recursive: true, force: true });
    }
  });
});
