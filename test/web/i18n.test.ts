// The page's language choice and dictionaries (pure code; no browser needed).
import { expect } from "chai";
import { initialLang } from "../../web/src/i18n";
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

  it("Kazakh and Russian say every message English says, with the same placeholders", function () {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [name, dict] of Object.entries({ kk, ru })) {
      expect(Object.keys(dict).sort(), name).to.deep.equal(Object.keys(en).sort());
      for (const [key, text] of Object.entries(dict)) {
        expect(text.trim(), `${name} ${key}`).to.not.equal("");
        expect(placeholders(text), `${name} ${key}`).to.deep.equal(placeholders(en[key as keyof typeof en]));
      }
    }
  });
});
