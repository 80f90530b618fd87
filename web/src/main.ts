/**
 * The citizens' page: verify a record against the chain, browse the ledger, see the fund. Plain DOM; the fund
 * view (with the chart library) is loaded only when opened, so the verify path stays small.
 */
import { currentRoute, routeLink, setRouteListener } from "./app";
import { h, replace } from "./dom";
import { LANG_NAMES, LANGS, lang, loadLang, setLang, t, useLang, useLaterMessages, type Lang } from "./i18n";
import { readLinkOverrides } from "./settings";
import { renderVerify, startVerify } from "./views/verdict";

type View = "verify" | "ledger" | "fund" | "holdings" | "governance";

function viewOf(route: string): View {
  if (route === "ledger" || route.startsWith("ledger/")) return "ledger";
  if (route === "fund") return "fund";
  if (route === "holdings") return "holdings";
  if (route === "governance" || route.startsWith("governance/")) return "governance";
  return "verify";
}

let main: HTMLElement;
let header: HTMLElement;
let footer: HTMLElement;
/** Bumped on every route render so a slow, superseded render never paints over a newer one. */
let renderToken = 0;

function renderShell(): void {
  const view = viewOf(currentRoute());
  const navLink = (
    route: string,
    key: "nav.verify" | "nav.ledger" | "nav.fund" | "nav.holdings" | "nav.governance",
    name: View,
  ) => routeLink(route, name === view ? { "aria-current": "page", class: "nav-link" } : { class: "nav-link" }, t(key));
  const select = h(
    "select",
    {
      id: "lang-select",
      onchange: async (event: Event) => {
        // The chosen language's messages load first (each language is its own chunk), then the page redraws.
        // If they cannot be fetched, the page stays in its language.
        await setLang((event.target as HTMLSelectElement).value as Lang).catch(() => undefined);
        renderAll(true);
      },
    },
    LANGS.map((code) => h("option", { value: code, selected: code === lang(), lang: code }, LANG_NAMES[code])),
  );
  replace(
    header,
    h("a", { class: "skip-link", href: "#main" }, t("app.skip")),
    h(
      "div",
      { class: "header-inner" },
      h(
        "div",
        { class: "brand" },
        routeLink("", { class: "brand-name" }, "Aiqyn"),
        h("span", { class: "tagline" }, t("app.tagline")),
      ),
      h(
        "nav",
        { "aria-label": t("nav.label") },
        h(
          "ul",
          {},
          h("li", {}, navLink("verify", "nav.verify", "verify")),
          h("li", {}, navLink("ledger", "nav.ledger", "ledger")),
          h("li", {}, navLink("fund", "nav.fund", "fund")),
          h("li", {}, navLink("holdings", "nav.holdings", "holdings")),
          h("li", {}, navLink("governance", "nav.governance", "governance")),
        ),
      ),
      h("div", { class: "lang" }, h("label", { for: "lang-select" }, t("lang.label")), select),
    ),
  );
  replace(footer, h("p", {}, t("footer.text")));
}

async function renderRoute(languageChanged: boolean): Promise<void> {
  const token = ++renderToken;
  const route = currentRoute();
  const view = viewOf(route);
  document.title = `Aiqyn — ${t(`nav.${view}`)}`;
  if (view === "verify") {
    renderVerify(main, route, { languageChanged });
    return;
  }
  // The other views' messages come with them (web/src/lang/parts.ts), fetched beside their code; without them
  // a view still renders (its message keys in place of its words).
  const messages = useLaterMessages().catch(() => undefined);
  if (view === "ledger") {
    const [{ renderLedger }] = await Promise.all([import("./views/ledger"), messages]);
    if (token === renderToken) renderLedger(main);
  } else if (view === "governance") {
    // Loaded on demand, like the holdings: the role history is read only when asked for.
    const [{ renderGovernance }] = await Promise.all([import("./views/governance"), messages]);
    if (token === renderToken) await renderGovernance(main, route, () => token === renderToken);
  } else if (view === "holdings") {
    // Loaded on demand: the reconciler is not part of the verify path's bundle.
    const [{ renderHoldings }] = await Promise.all([import("./views/holdings"), messages]);
    if (token === renderToken) await renderHoldings(main, () => token === renderToken);
  } else {
    replace(main, h("p", { class: "loading" }, t("common.loading")));
    const [{ renderFund }] = await Promise.all([import("./views/fund"), messages]);
    if (token === renderToken) await renderFund(main, () => token === renderToken);
  }
}

function renderAll(languageChanged = false): void {
  renderShell();
  void renderRoute(languageChanged);
}

async function start(): Promise<void> {
  // A language pack that cannot be fetched falls back to English (still one chunk, fetched only then).
  const messages = useLang(loadLang()).catch(() => useLang("en").catch(() => undefined));
  readLinkOverrides(location.search);
  // A record's check needs no words: it begins beside the language's messages, not after them.
  startVerify(currentRoute());
  await messages;
  header = document.getElementById("site-header")!;
  main = document.getElementById("main")!;
  footer = document.getElementById("site-footer")!;
  setRouteListener(() => {
    renderAll();
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  });
  window.addEventListener("popstate", () => renderAll());
  window.addEventListener("hashchange", () => renderAll());
  renderAll();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => void start());
else void start();
