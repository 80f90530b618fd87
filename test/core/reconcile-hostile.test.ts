// The chain reader and the reconciler against hostile answers on the real (in-process) Hardhat chain: a token
// whose decimals() is huge (10n ** 1e8 would hang), an ERC-1271 answer that only starts with the magic value, and
// a declaration on another chain with the same address as a movement's.
import { expect } from "chai";
import { ethers } from "hardhat";
import {
  createEvmChainReader,
  parseCaip10,
  parseCaip19,
  trackedAt,
  type ChainContext,
  type RpcRequest,
  type TrackedAsset,
} from "../../core";
import { CHAIN, deployDemoToken, rpc } from "./reconcile-fixture";

/** The real chain, but every eth_call answer for `data` starting with `selector` replaced by `answer`. */
const lyingCalls =
  (selector: string, answer: string): RpcRequest =>
  async (method, params) => {
    const call = (params?.[0] ?? {}) as { data?: string };
    if (method === "eth_call" && call.data?.startsWith(selector)) return answer;
    return rpc(method, params);
  };

const word = (n: bigint) => `0x${n.toString(16).padStart(64, "0")}`;

describe("core/reconcile: hostile answers from a token, a contract account or another chain", function () {
  this.timeout(60_000);

  it("a decimals() answer above 255 is refused, and decimals are read at the block asked", async () => {
    const [holder] = await ethers.getSigners();
    const token = await deployDemoToken(holder!.address, 10n ** 12n);
    const block = await ethers.provider.getBlockNumber();
    const honest = createEvmChainReader(rpc);
    expect(await honest.decimals(token.address, block)).to.equal(6);
    const asked: unknown[] = [];
    const recording: RpcRequest = (method, params) => (asked.push(params?.[1]), rpc(method, params));
    await createEvmChainReader(recording).decimals(token.address, block);
    expect(asked).to.deep.equal([`0x${block.toString(16)}`]);
    for (const huge of [256n, 10n ** 8n]) {
      const liar = createEvmChainReader(lyingCalls("0x313ce567", word(huge)));
      const error = await liar.decimals(token.address, block).then(
        () => null,
        (e: { code?: string }) => e,
      );
      expect(error?.code, String(huge)).to.equal("TOKEN_DECIMALS");
    }
  });

  it("an ERC-1271 answer counts only when it is exactly the 32-byte magic word", async () => {
    const [holder] = await ethers.getSigners();
    const token = await deployDemoToken(holder!.address, 1n); // any contract: the answer is what is lied about
    const block = await ethers.provider.getBlockNumber();
    const hash = `0x${"11".repeat(32)}` as const;
    const check = (answer: string) =>
      createEvmChainReader(lyingCalls("0x1626ba7e", answer)).isValidSignature(token.address, hash, "0x1234", block);
    expect(await check(`0x1626ba7e${"0".repeat(56)}`)).to.equal(true);
    expect(await check(`0x1626ba7e${"ab".repeat(28)}`)).to.equal(false);
    expect(await check(`0x1626ba7e${"0".repeat(56)}${"0".repeat(64)}`)).to.equal(false);
  });

  it("a transaction or receipt answered as anything but an object or null is a bad answer, never 'no such transaction'", async () => {
    const [holder, other] = await ethers.getSigners();
    const token = await deployDemoToken(holder!.address, 10n);
    const hash = await token.transfer(holder!, other!.address, 1n);
    const honest = createEvmChainReader(rpc);
    expect((await honest.receipt(hash))?.transactionHash).to.equal(hash.toLowerCase());
    expect(await honest.receipt(`0x${"00".repeat(32)}`)).to.equal(null);
    for (const answer of [[], "0x", 7]) {
      const lying: RpcRequest = async (method, params) =>
        method.startsWith("eth_getTransaction") ? answer : rpc(method, params);
      const liar = createEvmChainReader(lying);
      for (const read of [() => liar.receipt(hash), () => liar.transaction(hash)]) {
        const error = await read().then(
          () => null,
          (e: { code?: string }) => e,
        );
        expect(error?.code, JSON.stringify(answer)).to.equal("RPC_BAD_ANSWER");
      }
    }
  });

  it("a movement on this chain never matches a declaration of the same address on another chain", () => {
    const address = "0x" + "42".repeat(20);
    const declared = (chain: string): TrackedAsset => ({
      seq: 1,
      account: (parseCaip10(`${chain}:${address}`) as { value: TrackedAsset["account"] }).value,
      asset: (parseCaip19(`${chain}/slip44:60`) as { value: TrackedAsset["asset"] }).value,
      symbol: "ETH",
      startBlock: 100,
      endBlock: null,
      end: null,
      current: true,
      amount: 0n,
      signature: "0x",
    });
    const ctx = (declarations: TrackedAsset[]) => ({ chain: CHAIN, plan: { declarations } }) as unknown as ChainContext;
    expect(trackedAt(ctx([declared("eip155:1")]), "native", address, 500)).to.equal(null);
    expect(trackedAt(ctx([declared(CHAIN)]), "native", address, 500)?.seq).to.equal(1);
  });
});
