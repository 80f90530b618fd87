/**
 * Where the page reads from, and the citizen's deliberate changes to what it trusts. Saved settings live in
 * localStorage. A link's ?api= and ?mirror= choose only where records and proofs come from (this visit). A
 * link's ?rpc= and ?registry= are never applied silently: they become a request the page shows in a banner;
 * an RPC applies after a click, and a registry only by saving it in the settings panel, with a warning.
 */
import { isAddress, sameRegistry, type TrustRoot } from "../../core/index";
import { isHttpUrl, pageConfig } from "./config";

export { isAddress } from "../../core/index";
export { isHttpUrl } from "./config";

export interface Settings {
  /** The citizen's own JSON-RPC endpoint, asked first; null: only the deployment's public RPCs. */
  rpcUrl: string | null;
  /** A trust root the citizen chose instead of the page's; null: the one this page was built with. */
  trust: TrustRoot | null;
  /** Aiqyn server base URL; null: this site. */
  apiBase: string | null;
  /** Static mirror base URL (aiqyn-mirror/1); wins over apiBase. */
  mirror: string | null;
}

/** What a link asked for and the page did not apply on its own. */
export interface LinkRequest {
  rpcUrl: string | null;
  registry: string | null;
}

const STORAGE_KEY = "aiqyn.settings.v2";
const EMPTY: Settings = { rpcUrl: null, trust: null, apiBase: null, mirror: null };

let linkSources: Pick<Settings, "apiBase" | "mirror"> = { apiBase: null, mirror: null };
let linkRequest: LinkRequest = { rpcUrl: null, registry: null };
let acceptedLinkRpc: string | null = null;

function nonEmpty(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/**
 * A path on the page's own host. `//host/` is protocol-relative and browsers read `\` as `/`, so both would
 * reach another host while looking local: refused.
 */
function isLocalPath(value: string): boolean {
  return (value.startsWith("/") || value.startsWith(".")) && !value.startsWith("//") && !value.includes("\\");
}

/** Reads ?api=&mirror= (applied to this visit) and ?rpc=&registry= (only requested) once, at start. */
export function readLinkOverrides(search: string): void {
  const params = new URLSearchParams(search);
  const api = nonEmpty(params.get("api"));
  const mirror = nonEmpty(params.get("mirror"));
  linkSources = {
    apiBase: api && isHttpUrl(api) ? api.replace(/\/+$/, "") : null,
    mirror: mirror && (isLocalPath(mirror) || isHttpUrl(mirror)) ? mirror : null,
  };
  const rpc = nonEmpty(params.get("rpc"));
  const registry = nonEmpty(params.get("registry"));
  linkRequest = {
    rpcUrl: rpc && isHttpUrl(rpc) ? rpc : null,
    registry: registry && isAddress(registry) ? registry : null,
  };
  acceptedLinkRpc = null;
}

/** The link's request that still differs from what the page uses (for the banner). */
export function pendingLinkRequest(): LinkRequest | null {
  const rpcUrl = linkRequest.rpcUrl && linkRequest.rpcUrl !== currentSettings().rpcUrl ? linkRequest.rpcUrl : null;
  const trust = effectiveTrust().trust;
  const registry =
    linkRequest.registry && !(trust && sameRegistry(trust, trust.chainId, linkRequest.registry))
      ? linkRequest.registry
      : null;
  return rpcUrl || registry ? { rpcUrl, registry } : null;
}

/** The citizen clicked "use this RPC" on the banner: for this visit only. */
export function acceptLinkRpc(): void {
  acceptedLinkRpc = linkRequest.rpcUrl;
}

export function dismissLinkRequest(): void {
  linkRequest = { rpcUrl: null, registry: null };
}

function parseTrust(value: unknown): TrustRoot | null {
  const t = value as Partial<TrustRoot> | null;
  const ok =
    t?.format === "aiqyn-trust/1" &&
    typeof t.chainId === "number" &&
    isAddress(t.registry) &&
    typeof t.deploymentBlock === "number";
  return ok ? (t as TrustRoot) : null;
}

export function savedSettings(): Settings {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return { ...EMPTY };
    const parsed = JSON.parse(raw) as Partial<Record<keyof Settings, unknown>>;
    const rpcUrl = nonEmpty(parsed.rpcUrl);
    return {
      rpcUrl: rpcUrl && isHttpUrl(rpcUrl) ? rpcUrl : null,
      trust: parseTrust(parsed.trust),
      apiBase: nonEmpty(parsed.apiBase),
      mirror: nonEmpty(parsed.mirror),
    };
  } catch {
    return { ...EMPTY };
  }
}

let sessionFallback: Settings | null = null;

export function saveSettings(settings: Settings): void {
  // Saving is a deliberate choice: it replaces this visit's link choices too.
  linkSources = { apiBase: null, mirror: null };
  acceptedLinkRpc = null;
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(settings));
  } catch {
    // Storage disabled: the choice holds until the page is closed.
  }
  sessionFallback = settings;
}

export function currentSettings(): Settings {
  const saved = sessionFallback ?? savedSettings();
  return {
    ...saved,
    rpcUrl: acceptedLinkRpc ?? saved.rpcUrl,
    apiBase: linkSources.apiBase ?? (linkSources.mirror ? null : saved.apiBase),
    mirror: linkSources.mirror ?? (linkSources.apiBase ? null : saved.mirror),
  };
}

/** The trust root in force: the citizen's deliberate choice, else the page's own; and whether it is the official one. */
export function effectiveTrust(): { trust: TrustRoot | null; official: TrustRoot | null; isOfficial: boolean } {
  const official = pageConfig().trust;
  const trust = currentSettings().trust ?? official;
  const isOfficial = trust !== null && official !== null && sameRegistry(official, trust.chainId, trust.registry);
  return { trust, official, isOfficial };
}

/**
 * The RPCs to read the chain through, first two used: the citizen's own first, then the deployment's public
 * ones (only while they serve the trusted chain, i.e. the official trust root's chain).
 */
export function readerUrls(): string[] {
  const { trust, official } = effectiveTrust();
  const own = currentSettings().rpcUrl;
  const deployment = trust && official && trust.chainId === official.chainId ? pageConfig().rpcUrls : [];
  return [...new Set([...(own ? [own] : []), ...deployment])].slice(0, 2);
}

/** The query string a shared link needs to reproduce this visit's data source (never the trust root). */
export function linkQuery(): string {
  const params = new URLSearchParams();
  const s = currentSettings();
  if (s.mirror) params.set("mirror", s.mirror);
  else if (s.apiBase) params.set("api", s.apiBase);
  if (acceptedLinkRpc) params.set("rpc", acceptedLinkRpc);
  const text = params.toString();
  return text ? `?${text}` : "";
}
