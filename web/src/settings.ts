/**
 * Where the page reads from and which chain it trusts. Saved settings live in localStorage; a shared link's
 * ?rpc=&registry=&api=&mirror= apply to this visit only and never overwrite what the citizen saved.
 */
export interface Settings {
  /** JSON-RPC endpoint the citizen trusts; null: the data server's suggestion. */
  rpcUrl: string | null;
  /** Registry contract address; null: the data server's. */
  registry: string | null;
  /** Aiqyn server base URL; null: this site. */
  apiBase: string | null;
  /** Static mirror base URL (aiqyn-mirror/1); wins over apiBase. */
  mirror: string | null;
}

const STORAGE_KEY = "aiqyn.settings";
const EMPTY: Settings = { rpcUrl: null, registry: null, apiBase: null, mirror: null };

let linkOverrides: Partial<Settings> = {};

function nonEmpty(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export function isAddress(value: string): boolean {
  return /^0x[0-9a-fA-F]{40}$/.test(value);
}

/** Reads ?rpc=&registry=&api=&mirror= once, at start; invalid values are ignored. */
export function readLinkOverrides(search: string): void {
  const params = new URLSearchParams(search);
  const out: Partial<Settings> = {};
  const rpc = nonEmpty(params.get("rpc"));
  if (rpc && isHttpUrl(rpc)) out.rpcUrl = rpc;
  const registry = nonEmpty(params.get("registry"));
  if (registry && isAddress(registry)) out.registry = registry;
  const api = nonEmpty(params.get("api"));
  if (api && isHttpUrl(api)) out.apiBase = api.replace(/\/+$/, "");
  const mirror = nonEmpty(params.get("mirror"));
  if (mirror && (isHttpUrl(mirror) || mirror.startsWith("/") || mirror.startsWith("."))) out.mirror = mirror;
  linkOverrides = out;
}

export function savedSettings(): Settings {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return { ...EMPTY };
    const parsed = JSON.parse(raw) as Partial<Record<keyof Settings, unknown>>;
    return {
      rpcUrl: nonEmpty(parsed.rpcUrl),
      registry: nonEmpty(parsed.registry),
      apiBase: nonEmpty(parsed.apiBase),
      mirror: nonEmpty(parsed.mirror),
    };
  } catch {
    return { ...EMPTY };
  }
}

export function saveSettings(settings: Settings): void {
  // Saving is a deliberate choice: it replaces this visit's link overrides too.
  linkOverrides = {};
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(settings));
  } catch {
    // Storage disabled: the choice holds until the page is closed.
  }
  sessionFallback = settings;
}

let sessionFallback: Settings | null = null;

export function currentSettings(): Settings {
  const saved = sessionFallback ?? savedSettings();
  return { ...saved, ...linkOverrides };
}

/** The query string a shared link needs to reproduce this visit's non-default sources. */
export function linkQuery(): string {
  const params = new URLSearchParams();
  const s = currentSettings();
  if (s.rpcUrl) params.set("rpc", s.rpcUrl);
  if (s.registry) params.set("registry", s.registry);
  if (s.mirror) params.set("mirror", s.mirror);
  else if (s.apiBase) params.set("api", s.apiBase);
  const text = params.toString();
  return text ? `?${text}` : "";
}
