import { subtask, type HardhatUserConfig } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import { etherscanFromEnv, networksFromEnv } from "./scripts/ops/networks";

// The machines reach no compiler download server: compile with the npm package `solc`, pinned to exactly
// this version in package.json. A mismatch falls through to Hardhat's downloader and fails loudly offline.
const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc/package.json") as { version: string };
  if (args.solcVersion !== solc.version) return runSuper(args);
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: args.solcVersion,
    longVersion: solc.version,
  };
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      // Hardhat 2.29's chain runs a recent fork; solc would otherwise target paris.
      evmVersion: "cancun",
      viaIR: true,
    },
  },
  // Networks, keys and explorer API keys come from the environment only (see docs/OPERATIONS.md).
  networks: networksFromEnv(process.env),
  etherscan: etherscanFromEnv(process.env),
  sourcify: { enabled: false },
  paths: {
    sources: "./contracts",
    tests: "./test",
    cache: "./cache",
    artifacts: "./artifacts",
  },
  mocha: {
    timeout: 120_000,
    // Test files run this many at a time under `hardhat test --parallel` (scripts/test-all.sh): each file has its
    // own ports, chain, store, database and browser profile, and most of the suite waits on them, not the CPU.
    jobs: Number(process.env.TEST_JOBS ?? 3),
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS !== "false",
    offline: true,
    currency: "USD",
    reportPureAndViewMethods: false,
    showMethodSig: false,
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
};

export default config;
