// POST /api/v1/records judges a declaration's control signature where the server can (an account on its own
// chain, core's judgeControl at the declaration's block): a real 2-of-3 Safe 1.4.1 declared by two owners or by
// an on-chain approval is accepted; one owner's signature is refused with a clear field problem, nothing stored.
import { expect } from "chai";
import { ethers } from "hardhat";
import { controlHash, registryCaip10, type RecordInput } from "../../core";
import { createControlCheck } from "../../server/control-check";
import { createSafe, deploySafeInfrastructure, type DemoSafe } from "../../server/demo/safe";
import { declarationFields, signedDeclaration } from "../../server/demo/sample-records";
import { postJson } from "../helpers/http";
import { sampleRecord, startTestStack, type TestStack } from "../helpers/stack";

describe("server: declarations' control signatures at POST", function () {
  this.timeout(120_000);
  let stack: TestStack;
  let safe: DemoSafe;
  let registry: string;
  const asset = "eip155:31337/slip44:60";

  before(async () => {
    stack = await startTestStack({ server: { maxAnchorDelaySeconds: 3600 } });
    registry = registryCaip10(stack.chainId, stack.registryAddress);
    const [deployer, o1, o2, o3] = await ethers.getSigners();
    safe = await createSafe(deployer!, await deploySafeInfrastructure(deployer!), [o1!, o2!, o3!], 2, 77n);
  });
  after(async () => stack?.stop());

  const post = (body: unknown) => postJson(`${stack.baseUrl}/api/v1/records`, body, stack.apiKey);
  const holding = async (address: string, chain = "eip155:31337") => ({
    account: `${chain}:${address}`,
    asset: chain === "eip155:31337" ? asset : `${chain}/slip44:60`,
    symbol: "ETH",
    amount: "0",
    block: await ethers.provider.getBlockNumber(),
  });
  const declaration = (fields: object): RecordInput => sampleRecord({ valueUsd: "0", ...fields });
  const safeHash = () =>
    controlHash({ registry, account: { text: `eip155:31337:${safe.address}`, address: safe.address }, asset });

  it("accepts a 2-of-3 Safe's declaration signed by two owners (130 bytes)", async () => {
    const fields = declarationFields(await holding(safe.address), await safe.signHash(safeHash()));
    const answer = await post(declaration(fields));
    expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
  });

  it("accepts a declaration the Safe approved on chain (memo 0x)", async () => {
    await safe.approveHash(safeHash());
    const answer = await post(declaration(declarationFields(await holding(safe.address), "0x")));
    expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
  });

  it("refuses one owner's signature of a 2-of-3 Safe: 400 CONTROL_SIGNATURE_REFUSED on the memo, nothing stored", async () => {
    const before = await stack.server.store.maxSeq();
    const [, o1] = await ethers.getSigners();
    const partial = declarationFields(await holding(safe.address), await safe.signHash(safeHash(), [o1!]));
    const good = declaration({ kind: "INFLOW_OTHER" });
    const answer = await post({ records: [good, declaration(partial)] });
    expect(answer.status).to.equal(400);
    expect(answer.body.code).to.equal("INVALID_RECORD");
    const [problem] = answer.body.errors as { field: string; code: string; message: string }[];
    expect(problem).to.include({ field: "records/1/memo", code: "CONTROL_SIGNATURE_REFUSED" });
    expect(problem!.message).to.include("refuses the signature");
    expect(problem!.message).to.include("owners' threshold");
    expect(await stack.server.store.maxSeq()).to.equal(before);
  });

  it("the dry run sees the same refusal before anything is written: one accepted, the memo's problem listed", async () => {
    const before = await stack.server.store.maxSeq();
    const [, o1] = await ethers.getSigners();
    const partial = declarationFields(await holding(safe.address), await safe.signHash(safeHash(), [o1!]));
    const body = { records: [declaration({ kind: "INFLOW_OTHER" }), declaration(partial)] };
    const answer = await postJson(`${stack.baseUrl}/api/v1/records?dryRun=1`, body, stack.apiKey);
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(answer.body).to.include({ dryRun: true, accepted: 1 });
    const problems = answer.body.problems as { field: string; code: string }[];
    expect(problems.map((p) => [p.field, p.code])).to.deep.equal([["records/1/memo", "CONTROL_SIGNATURE_REFUSED"]]);
    expect(await stack.server.store.maxSeq()).to.equal(before);
  });

  it("refuses a key's declaration signed by another key, and accepts it signed by the key", async () => {
    const [, , , , , account, other] = await ethers.getSigners();
    const forged = await signedDeclaration(registry, await holding(account!.address), other!);
    const refused = await post(declaration(forged));
    expect(refused.status).to.equal(400);
    expect((refused.body.errors as { code: string }[])[0]!.code).to.equal("CONTROL_SIGNATURE_REFUSED");
    const own = await signedDeclaration(registry, await holding(account!.address), account!);
    expect((await post(declaration(own))).status).to.equal(201);
  });

  it("an account on another chain gets the shape check only (the reconciler judges it there)", async () => {
    const [, , , , , , , stranger] = await ethers.getSigners();
    const fields = await signedDeclaration(registry, await holding(stranger!.address, "eip155:1"), stranger!);
    const answer = await post(declaration({ ...fields, memo: `0x${"11".repeat(130)}` }));
    expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
  });

  it("a chain that cannot be read answers 503 CHAIN_UNAVAILABLE (nothing accepted), never a guess", async () => {
    const [, , , , , account] = await ethers.getSigners();
    const fields = await signedDeclaration(registry, await holding(account!.address), account!);
    const lost = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const check = createControlCheck(31337, stack.registryAddress, () => Promise.reject(lost));
    const input = { ...declaration(fields), corrects: 0 } as RecordInput;
    await check([input]).then(
      () => expect.fail("accepted without the chain"),
      (error: { status?: number; code?: string }) =>
        expect([error.status, error.code]).to.deep.equal([503, "CHAIN_UNAVAILABLE"]),
    );
  });
});
