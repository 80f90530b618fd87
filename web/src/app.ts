/**
 * Shared page state: the data source, the base path, and in-app navigation. Views import this; main.ts wires it.
 */
import { currentSettings } from "./settings";
import { createApiSource, createMirrorSource, type DataSource } from "./source";
import { h, type Child } from "./dom";

let cachedSource: DataSource | null = null;
let cachedKey = "";

/** The data source for the current settings (mirror wins over api; default: this site's own server). */
export function dataSource(): DataSource {
  const s = currentSettings();
  const key = `${s.mirror ?? ""}|${s.apiBase ?? ""}`;
  if (!cachedSource || key !== cachedKey) {
    cachedSource = s.mirror ? createMirrorSource(s.mirror) : createApiSource(s.apiBase ?? "");
    cachedKey = key;
  }
  return cachedSource;
}

/** Where the page is served from ("/" on an Aiqyn server; the build's --base for other static hosts). */
export function basePath(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="aiqyn-base"]');
  const base = meta?.content || "/";
  return base.endsWith("/") ? base : `${base}/`;
}

/**
 * Hash routes (#/verify/17) for plain static hosts, which have no fallback to index.html for /verify/17.
 * Chosen once, from how the page was opened: a #/… address or /index.html.
 */
let hashRoutes: boolean | null = null;

function usesHashRoutes(): boolean {
  hashRoutes ??= location.hash.startsWith("#/") || location.pathname.endsWith("/index.html");
  return hashRoutes;
}

/** The route inside the page ("verify/17", "ledger", …) from the path, or from a #/… hash on plain static hosts. */
export function currentRoute(): string {
  if (location.hash.startsWith("#/")) return location.hash.slice(2).replace(/\/+$/, "");
  if (usesHashRoutes()) return "";
  const base = basePath();
  const path = location.pathname.startsWith(base)
    ? location.pathname.slice(base.length)
    : location.pathname.replace(/^\//, "");
  return path.replace(/^index\.html$/, "").replace(/\/+$/, "");
}

/** The href for a route, keeping this visit's query (?api=, ?mirror=, ?rpc=…) unless `query` is given. */
export function routeHref(route: string, query: string = location.search): string {
  if (usesHashRoutes()) return `${location.pathname}${query}#/${route}`;
  return `${basePath()}${route}${query}`;
}

type RouteListener = () => void;
let onRouteChange: RouteListener = () => undefined;

export function setRouteListener(listener: RouteListener): void {
  onRouteChange = listener;
}

export function navigate(route: string): void {
  history.pushState(null, "", routeHref(route));
  onRouteChange();
}

/** An in-app link: a real href (open in new tab works), handled without a reload on a plain click. */
export function routeLink(route: string, attrs: Record<string, string>, ...children: Child[]): HTMLAnchorElement {
  return h(
    "a",
    {
      ...attrs,
      href: routeHref(route),
      onclick: (event: Event) => {
        const e = event as MouseEvent;
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(route);
      },
    },
    ...children,
  );
}
