/**
 * Aiqyn's protocol core: pure and browser-safe. The tree builder lives in "./tree" (it pulls in
 * merkletreejs and its Buffer polyfill) and is not re-exported here, so a verifier's bundle stays small; nor are
 * the fund view's tree-levels.ts, totals.ts and batch-check.ts (imported directly, they stay in its chunk).
 */
export * from "./errors";
export * from "./bytes";
export * from "./keccak";
export * from "./decimal";
export * from "./record";
export * from "./encoding";
export * from "./proof";
export * from "./receipt";
export * from "./bundle";
export * from "./registry-reader";
export * from "./api";
export * from "./trust";
export * from "./log-scan";
export * from "./roles";
export * from "./standing";
export * from "./json-rpc";
export * from "./chain-reads";
export * from "./verify";
export * from "./batch-position";
export * from "./caip";
export * from "./reconcile-refs";
export * from "./chain-reader";
export * from "./reconcile-plan";
export * from "./reconcile-context";
export * from "./reconcile";
export * from "./call-trace";
export * from "./reconcile-control";
export * from "./reconcile-native";
