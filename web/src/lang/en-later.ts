// The "later" part of web/src/lang/en.ts (see parts.ts); the build inlines what this picks.
import { en } from "./en";
import { pick } from "./parts";

export const messages = pick(en, "later");
