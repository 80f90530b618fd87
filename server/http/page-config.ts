/**
 * The page's configuration, baked by the deployment that serves it (never taken from a data source, a bundle
 * or a link): the trust root `aiqyn-trust/1` of this server's chain and registry, the independent public RPC
 * endpoints the page reads the chain through, the explorer, and registries this one replaced. The server puts
 * it into index.html as `<meta name="aiqyn-config" content="{json}">`; web/build.mjs can bake the same for a
 * static host. The page reads it in web/src/config.ts.
 */
import { makeTrustRoot, type RegistryInfo, type TrustRoot } from "../../core";

export interface PageConfig {
  trust: TrustRoot;
  rpcUrls: string[];
  /** Public Esplora endpoints per bip122 chain (the Holdings view's choice for Bitcoin). */
  esploraUrls: Record<string, string[]>;
  explorerUrl: string | null;
  superseded: { chainId: number; registry: string; note: string }[];
}

export function pageConfig(
  info: Pick<RegistryInfo, "chainId" | "registry" | "deploymentBlock" | "explorerUrl">,
  publicRpcUrls: readonly string[],
  supersededRegistries: readonly string[],
  publicEsploraUrls: readonly string[] = [],
): PageConfig {
  const esploraUrls: Record<string, string[]> = {};
  for (const item of publicEsploraUrls) {
    const at = item.indexOf("=");
    (esploraUrls[item.slice(0, at)] ??= []).push(item.slice(at + 1));
  }
  return {
    trust: makeTrustRoot(info.chainId, info.registry, info.deploymentBlock),
    rpcUrls: [...publicRpcUrls],
    esploraUrls,
    explorerUrl: info.explorerUrl,
    superseded: supersededRegistries.map((registry) => ({
      chainId: info.chainId,
      registry,
      note: "superseded: replaced after its keys were compromised",
    })),
  };
}

const CONFIG_META = /<meta name="aiqyn-config" content="[^"]*" \/>/;

/** index.html with its aiqyn-config meta set to `config` (HTML-attribute escaped JSON). */
export function withPageConfig(html: string, config: PageConfig): string {
  const escaped = JSON.stringify(config).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  // A replacer function: a string would expand `$$`, `` $` `` and `$'` found in the configured URLs.
  return html.replace(CONFIG_META, () => `<meta name="aiqyn-config" content="${escaped}" />`);
}
