// What a failed anchoring step is reported by in /readyz and aiqyn_anchor_errors_total: typed codes only, the
// store's own failures named as such, never an arbitrary upstream string.
import { expect } from "chai";
import { makeError } from "ethers";
import { AiqynError } from "../../core";
import { anchorErrorCode } from "../../server/anchoring/anchorer";

const coded = (code: string, message = "failed") => Object.assign(new Error(message), { code });

describe("server: the anchorer's error codes", () => {
  it("keeps our own codes and ethers' codes", () => {
    expect(anchorErrorCode(new AiqynError("REGISTRY_PAUSED", "paused"))).to.equal("REGISTRY_PAUSED");
    expect(anchorErrorCode(makeError("not enough", "INSUFFICIENT_FUNDS"))).to.equal("INSUFFICIENT_FUNDS");
    expect(anchorErrorCode(makeError("no answer", "NETWORK_ERROR"))).to.equal("CHAIN_UNAVAILABLE");
  });

  it("names the store's failures: a full disk as STORE_FULL, any other as STORE_UNAVAILABLE", () => {
    expect(anchorErrorCode(coded("SQLITE_FULL"))).to.equal("STORE_FULL");
    expect(anchorErrorCode(coded("ENOSPC"))).to.equal("STORE_FULL");
    expect(anchorErrorCode(coded("53100"))).to.equal("STORE_FULL");
    expect(anchorErrorCode(coded("SQLITE_BUSY"))).to.equal("STORE_UNAVAILABLE");
    expect(anchorErrorCode(coded("SQLITE_IOERR"))).to.equal("STORE_UNAVAILABLE");
    expect(anchorErrorCode(coded("40001"))).to.equal("STORE_UNAVAILABLE");
    expect(anchorErrorCode(coded("EIO"))).to.equal("STORE_UNAVAILABLE");
  });

  it("calls anything else ANCHOR_FAILED", () => {
    expect(anchorErrorCode(new Error("boom"))).to.equal("ANCHOR_FAILED");
    expect(anchorErrorCode(coded("ERR_SOMETHING_ELSE"))).to.equal("ANCHOR_FAILED");
    expect(anchorErrorCode("a string")).to.equal("ANCHOR_FAILED");
  });
});
