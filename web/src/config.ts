/**
 * The page's configuration, baked by the deployment that serves it (`<meta name="aiqyn-config">`, written by
 * the Aiqyn server or web/build.mjs --trust): the trust root, the independent public RPCs, the explorer and
 * the registries this one replaced. Nothing a data source, a bundle or a link says can change it; only the
 * citizen can, deliberately, in the settings panel (settings.ts).
 */
import { isAddress, parseTrustRoot, type TrustRoot } from "../../core/index";

export interface Superseded {
  chainId: number;
  registry: string;
  note: string;
}

export interface PageConfig {
  /** null when the page was built or served without one: then nothing can be verified until one is set. */
  trust: TrustRoot | null;
  rpcUrls: string[];
  /** Public Esplora endpoints per bip122 chain (the Holdings view's default for Bitcoin). */
  esploraUrls: Record<string, string[]>;
  explorerUrl: string | null;
  superseded: Superseded[];
}

const EMPTY: PageConfig = { trust: null, rpcUrls: [], esploraUrls: {}, explorerUrl: null, superseded: [] };

function parseEsploraUrls(raw: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return out;
  for (const [chain, urls] of Object.entries(raw as Record<string, unknown>))
    if (/^bip122:[0-9a-f]{32}$/.test(chain) && Array.isArray(urls)) out[chain] = urls.filter(isHttpUrl).slice(0, 2);
  return out;
}
let cached: PageConfig | null = null;

export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** Parses the baked configuration; anything malformed counts as absent (never half-applied). */
export function parsePageConfig(text: string | null | undefined): PageConfig {
  if (!text) return { ...EMPTY };
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const rpcUrls = Array.isArray(raw.rpcUrls) ? raw.rpcUrls.filter(isHttpUrl) : [];
    const superseded = Array.isArray(raw.superseded) ? raw.superseded.filter(isSuperseded) : [];
    const explorerUrl = isHttpUrl(raw.explorerUrl) ? raw.explorerUrl : null;
    const esploraUrls = parseEsploraUrls(raw.esploraUrls);
    return { trust: parseTrustRoot(raw.trust), rpcUrls, esploraUrls, explorerUrl, superseded };
  } catch {
    return { ...EMPTY };
  }
}

function isSuperseded(value: unknown): value is Superseded {
  const s = value as Partial<Superseded> | null;
  return typeof s?.chainId === "number" && isAddress(s.registry) && typeof s.note === "string";
}

/** The configuration baked into this page (read once). */
export function pageConfig(): PageConfig {
  cached ??= parsePageConfig(document.querySelector<HTMLMetaElement>('meta[name="aiqyn-config"]')?.content);
  return cached;
}

/** The registry this one replaced, when `registry` is one (shown beside an "another registry" verdict). */
export function supersededEntry(chainId: number, registry: string): Superseded | null {
  const lower = registry.toLowerCase();
  return pageConfig().superseded.find((s) => s.chainId === chainId && s.registry.toLowerCase() === lower) ?? null;
}
