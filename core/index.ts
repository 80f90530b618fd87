/**
 * Aiqyn's protocol core: pure and browser-safe. The tree builder lives in "./protocol/tree" (it pulls in
 * merkletreejs and its Buffer polyfill) and is not re-exported here, so a verifier's bundle stays small; nor are
 * the fund view's tree-levels.ts, totals.ts and batch-check.ts (imported directly, they stay in its chunk).
 */
export * from "./protocol/errors";
export * from "./protocol/bytes";
export * from "./protocol/keccak";
export * from "./protocol/decimal";
export * from "./protocol/record";
export * from "./protocol/encoding";
export * from "./protocol/proof";
export * from "./protocol/receipt";
export * from "./protocol/bundle";
export * from "./verify/registry-reader";
export * from "./protocol/api";
export * from "./protocol/trust";
export * from "./chains/evm/log-scan";
export * from "./verify/roles";
export * from "./protocol/standing";
export * from "./chains/evm/json-rpc";
export * from "./verify/chain-reads";
export * from "./verify/verifier";
export * from "./verify/batch-position";
export * from "./protocol/caip";
export * from "./protocol/references";
export * from "./chains/evm/reader";
export * from "./reconcile/plan";
export * from "./reconcile/context";
export * from "./reconcile";
export * from "./chains/evm/call-trace";
export * from "./reconcile/control";
export * from "./reconcile/native";
