/**
 * Hardhat's in-process network (hre.network.provider) served over a real JSON-RPC port on 127.0.0.1, so child
 * processes, plain JsonRpcProviders and browsers can reach it: `npm start`'s local chain, the tests' shared
 * chain and the benches' chain are all this one server.
 */
export type Hre = typeof import("hardhat");

export interface HardhatRpcServer {
  /** The URL of the listening server (http://127.0.0.1:<port>). */
  url: string;
  close(): Promise<void>;
}

/** Serves `hre`'s network on 127.0.0.1:`port` (0: a free port) and waits until it listens. */
export async function serveHardhatNetwork(hre: Hre, port: number): Promise<HardhatRpcServer> {
  // Required lazily: this module is imported by code that must not load Hardhat unless it serves a chain.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { TASK_NODE_CREATE_SERVER } = require("hardhat/builtin-tasks/task-names") as {
    TASK_NODE_CREATE_SERVER: string;
  };
  const server = (await hre.run(TASK_NODE_CREATE_SERVER, {
    hostname: "127.0.0.1",
    port,
    provider: hre.network.provider,
  })) as { listen(): Promise<{ port: number }>; close(): Promise<void> };
  const listening = await server.listen();
  return { url: `http://127.0.0.1:${listening.port}`, close: () => server.close() };
}
