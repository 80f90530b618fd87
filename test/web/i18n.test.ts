// The page's language choice, dictionaries and plural forms (pure code; no browser needed).
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { formatMessage, initialLang, messageParams, t, useLang, useLaterMessages } from "../../web/src/i18n";
import { en } from "../../web/src/lang/en";
import { messages as enLater } from "../../web/src/lang/en-later";
import { messages as enVerify } from "../../web/src/lang/en-verify";
import { kk } from "../../web/src/lang/kk";
import { messages as kkLater } from "../../web/src/lang/kk-later";
import { messages as kkVerify } from "../../web/src/lang/kk-verify";
import { ru } from "../../web/src/lang/ru";
import { messages as ruLater } from "../../web/src/lang/ru-later";
import { messages as ruVerify } from "../../web/src/lang/ru-verify";

describe("web: languages", function () {
  it("a remembered choice wins; else the first browser language we speak; else English", function () {
    expect(initialLang("ru", ["kk-KZ"])).to.equal("ru");
    expect(initialLang(null, ["kk-KZ", "ru-RU"])).to.equal("kk");
    expect(initialLang(null, ["de-DE", "ru"])).to.equal("ru");
    expect(initialLang(null, ["de-DE", "fr"])).to.equal("en");
    expect(initialLang("xx", [])).to.equal("en");
  });

  it("Kazakh and Russian say every message English says, with the same placeholders and counts", function () {
    for (const [name, dict] of Object.entries({ kk, ru })) {
      expect(Object.keys(dict).sort(), name).to.deep.equal(Object.keys(en).sort());
      for (const [key, text] of Object.entries(dict)) {
        expect(text.trim(), `${name} ${key}`).to.not.equal("");
        expect(messageParams(text), `${name} ${key}`).to.deep.equal(messageParams(en[key as keyof typeof en]));
      }
    }
  });

  it("every plural form a language needs is written (Russian one, few, many, other; English one, other)", function () {
    const needs = { en: ["one", "other"], ru: ["one", "few", "many", "other"], kk: ["one", "other"] };
    for (const [name, dict] of Object.entries({ en, kk, ru })) {
      for (const [key, text] of Object.entries(dict)) {
        for (const block of text.matchAll(/\{\w+, plural,((?:\s*\w+\s*\{[^{}]*\})+)\s*\}/g)) {
          const forms = [...block[1]!.matchAll(/(\w+)\s*\{/g)].map((m) => m[1]);
          expect(forms, `${name} ${key}`).to.include.members(needs[name as keyof typeof needs]);
        }
      }
    }
  });

  it("picks the plural form by the language's rules: no “1 steps”, no “1 шагов”", function () {
    const steps = (lang: "en" | "ru" | "kk", n: number) =>
      formatMessage((lang === "en" ? en : lang === "ru" ? ru : kk)["step.proof-length.ok"], { steps: n }, lang);
    expect(steps("en", 1)).to.match(/^The proof has 1 step,/);
    expect(steps("en", 3)).to.match(/^The proof has 3 steps,/);
    expect(steps("ru", 1)).to.match(/^В доказательстве 1 шаг —/);
    expect(steps("ru", 3)).to.match(/^В доказательстве 3 шага —/);
    expect(steps("ru", 5)).to.match(/^В доказательстве 5 шагов —/);
    expect(steps("ru", 21)).to.match(/^В доказательстве 21 шаг —/);
    expect(steps("kk", 1)).to.match(/^Дәлелде 1 қадам бар/);
    expect(formatMessage(ru["fund.checkDone"], { checked: 1, total: 1 }, "ru")).to.equal(
      "Готово: по блокчейну проверено 1 из 1 пакета.",
    );
    // Counts are grouped as the language writes numbers.
    expect(formatMessage(en["fund.totals"], { records: 12345, anchored: 1, pending: 0, batches: 2 }, "en")).to.match(
      /^12,345 records: /,
    );
  });

  it("loads only the language asked for, on demand, and answers in it", async function () {
    await useLang("ru");
    expect(t("nav.ledger")).to.equal("Журнал");
    await useLang("en");
    expect(t("nav.ledger")).to.equal("Ledger");
  });

  it("splits each language in two parts that together are the whole dictionary, with no message in both", function () {
    for (const [name, whole, verify, later] of [
      ["en", en, enVerify, enLater],
      ["kk", kk, kkVerify, kkLater],
      ["ru", ru, ruVerify, ruLater],
    ] as const) {
      expect(
        Object.keys(verify).filter((key) => key in later),
        name,
      ).to.deep.equal([]);
      expect({ ...verify, ...later }, name).to.deep.equal(whole);
      expect(Object.keys(verify).sort(), name).to.deep.equal(Object.keys(enVerify).sort());
      expect(Object.keys(later).length, name).to.be.greaterThan(0);
    }
  });

  it("the verify path's part holds every message the verify path names (the rest loads with the other views)", function () {
    // The files that render the shell and the verify view before the other part is loaded.
    const files = ["main.ts", "verify.ts", "format.ts", "views/verdict.ts", "views/common.ts"];
    const named = new Set<string>();
    for (const file of files) {
      const text = fs.readFileSync(path.join(__dirname, "..", "..", "web", "src", file), "utf8");
      for (const m of text.matchAll(/["'`]([a-z]+\.[A-Za-z0-9_.-]+)["'`]/g)) if (m[1]! in en) named.add(m[1]!);
      // Keys built from a prefix (`step.${id}.ok`, `standing.${…}`): the whole prefix must be on the path.
      for (const m of text.matchAll(/`([a-z]+)\.\$\{/g))
        for (const key of Object.keys(en)) if (key.startsWith(`${m[1]}.`)) named.add(key);
    }
    expect(named.size).to.be.greaterThan(100);
    expect([...named].filter((key) => !(key in enVerify))).to.deep.equal([]);
    expect(named.has("ledger.batch") && !("ledger.title" in enVerify)).to.equal(true);
  });

  it("answers a later view's message once its part is loaded", async function () {
    await useLang("kk");
    await useLaterMessages();
    expect(t("ledger.title")).to.equal(kk["ledger.title"]);
    await useLang("en");
  });
});
