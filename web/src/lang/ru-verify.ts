// The "verify" part of web/src/lang/ru.ts (see parts.ts); the build inlines what this picks.
import { ru } from "./ru";
import { pick } from "./parts";

export const messages = pick(ru, "verify");
