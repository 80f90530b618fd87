// Issue #19 item 13: /metrics without METRICS_TOKEN is public; the server says so at start, in its log.
import { expect } from "chai";
import pino from "pino";
import { startServer } from "../../server/index";
import { startTestStack, type TestStack } from "../helpers/stack";

describe("server: a public /metrics is said at start", function () {
  this.timeout(60_000);
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack();
    await stack.stop();
  });

  const startLines = async (metricsToken: string | null): Promise<string[]> => {
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
    const running = await startServer({ ...stack.config, metricsToken }, { logger });
    await running.close();
    return lines;
  };

  it("warns without METRICS_TOKEN, and not with one", async () => {
    expect((await startLines(null)).some((l) => l.includes("/metrics is public"))).to.equal(true);
    expect((await startLines("a-long-enough-metrics-token")).some((l) => l.includes("/metrics is public"))).to.equal(
      false,
    );
  });
});
