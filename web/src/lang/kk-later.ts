// The "later" part of web/src/lang/kk.ts (see parts.ts); the build inlines what this picks.
import { kk } from "./kk";
import { pick } from "./parts";

export const messages = pick(kk, "later");
