// The page's language choice, dictionaries and plural forms (pure code; no browser needed).
import { expect } from "chai";
import { formatMessage, initialLang, messageParams, t, useLang } from "../../web/src/i18n";
import { en } from "../../web/src/lang/en";
import { kk } from "../../web/src/lang/kk";
import { ru } from "../../web/src/lang/ru";

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
});
