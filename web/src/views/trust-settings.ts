/**
 * The deliberate acts: the settings panel (own RPC, data server, and changing the trust root, with a warning
 * naming the official registry and the chosen one) and the banner a link's ?rpc= / ?registry= produces (nothing
 * applies without a click). Loaded by the verify view when the citizen opens the panel or a link asks for a
 * change (verdict.ts's settingsSlots): neither is on the way to a verdict, so neither weighs on its path.
 */
import { makeTrustRoot, sameRegistry, type TrustRoot } from "../../../core/index";
import { pageConfig } from "../config";
import { h } from "../dom";
import { chainName } from "../format";
import { t } from "../i18n";
import {
  acceptLinkRpc,
  dismissLinkRequest,
  effectiveTrust,
  isAddress,
  isHttpUrl,
  pendingLinkRequest,
  readerUrls,
  saveSettings,
  savedSettings,
} from "../settings";

/** One free-text setting: no autocomplete or spell-checking of URLs and addresses. */
function settingInput(id: string, type: "url" | "text", value: string | number | null, placeholder: string) {
  return h("input", { id, type, value: value ?? "", placeholder, autocomplete: "off", spellcheck: "false" });
}

/** The banner for a link that asks for another RPC or registry; `changed` re-renders the view. */
export function linkBanner(changed: () => void): HTMLElement | null {
  const request = pendingLinkRequest();
  if (!request) return null;
  const official = effectiveTrust().official;
  return h(
    "section",
    { class: "link-request warning", id: "link-request", role: "region", "aria-label": t("link.title") },
    h("h2", {}, t("link.title")),
    request.rpcUrl
      ? h(
          "p",
          {},
          t("link.rpc", { rpc: request.rpcUrl }),
          " ",
          h(
            "button",
            { type: "button", id: "link-rpc-accept", onclick: () => (acceptLinkRpc(), changed()) },
            t("link.useRpc"),
          ),
        )
      : null,
    request.registry
      ? h(
          "p",
          { id: "link-registry" },
          t("link.registry", { registry: request.registry, official: official?.registry ?? "—" }),
          " ",
          h(
            "button",
            { type: "button", id: "link-registry-review", onclick: () => reviewRegistry(request.registry!) },
            t("link.review"),
          ),
        )
      : null,
    h(
      "button",
      { type: "button", class: "secondary", id: "link-dismiss", onclick: () => (dismissLinkRequest(), changed()) },
      t("link.dismiss"),
    ),
  );
}

/** Opens the settings panel with the link's registry filled in, its warning shown; nothing is saved. */
function reviewRegistry(registry: string): void {
  document.getElementById("settings")?.setAttribute("open", "");
  const input = document.getElementById("setting-registry") as HTMLInputElement | null;
  if (!input) return;
  input.value = registry;
  // Its deployment block is unknown here: read its role history from the chain's first block.
  const block = document.getElementById("setting-deployment-block") as HTMLInputElement | null;
  if (block) block.value = "0";
  input.dispatchEvent(new Event("input"));
  input.focus();
}

interface TrustFields {
  chainId: HTMLInputElement;
  registry: HTMLInputElement;
  block: HTMLInputElement;
  confirm: HTMLInputElement;
  confirmRow: HTMLElement;
  warning: HTMLElement;
}

/** The trust root the fields describe, or a message key saying what is wrong. */
function chosenTrust(fields: TrustFields): TrustRoot | "settings.invalidRegistry" {
  try {
    return makeTrustRoot(
      Number(fields.chainId.value.trim()),
      fields.registry.value.trim(),
      Number(fields.block.value.trim() || "0"),
    );
  } catch {
    return "settings.invalidRegistry";
  }
}

function differsFromOfficial(trust: TrustRoot): boolean {
  const official = pageConfig().trust;
  return official === null || !sameRegistry(official, trust.chainId, trust.registry);
}

/** Shows the warning (naming both registries) while the fields name another registry than the official one. */
function updateWarning(fields: TrustFields): void {
  const chosen = chosenTrust(fields);
  const other = typeof chosen !== "string" && differsFromOfficial(chosen);
  fields.warning.hidden = !other;
  fields.confirmRow.hidden = !other;
  if (other)
    fields.warning.textContent = t("settings.trustWarning", {
      official: pageConfig().trust?.registry ?? "—",
      officialChain: pageConfig().trust ? chainName(pageConfig().trust!.chainId) : "—",
      chosen: chosen.registry,
      chosenChain: chainName(chosen.chainId),
    });
}

function trustFields(): TrustFields {
  const trust = effectiveTrust().trust;
  const confirm = h("input", { type: "checkbox", id: "setting-trust-confirm" });
  const fields: TrustFields = {
    chainId: settingInput("setting-chain-id", "text", trust?.chainId ?? null, "1"),
    registry: settingInput("setting-registry", "text", trust?.registry ?? null, "0x…"),
    block: settingInput("setting-deployment-block", "text", trust?.deploymentBlock ?? null, "0"),
    confirm,
    confirmRow: h(
      "p",
      { hidden: true },
      confirm,
      " ",
      h("label", { for: "setting-trust-confirm" }, t("settings.trustConfirm")),
    ),
    warning: h("p", { class: "warning", id: "settings-trust-warning", role: "alert", hidden: true }),
  };
  for (const input of [fields.chainId, fields.registry, fields.block])
    input.addEventListener("input", () => updateWarning(fields));
  return fields;
}

function currentLine(): string {
  const trust = effectiveTrust().trust;
  return t("settings.current", {
    rpc: readerUrls().join(" + ") || "—",
    registry: trust?.registry ?? "—",
    chainId: trust ? chainName(trust.chainId) : "—",
  });
}

/** The settings panel; `changed` runs after a save or a reset. */
export function settingsPanel(changed: () => void): HTMLElement {
  const saved = savedSettings();
  const rpc = settingInput("setting-rpc", "url", saved.rpcUrl, "https://…");
  const api = settingInput("setting-api", "url", saved.apiBase, "https://…");
  const fields = trustFields();
  const status = h("p", { class: "settings-status", role: "status", id: "settings-status" });
  const current = h("p", { class: "hint", id: "settings-current" }, currentLine());
  const save = (event: Event) => {
    event.preventDefault();
    const rpcUrl = rpc.value.trim() || null;
    const apiBase = api.value.trim().replace(/\/+$/, "") || null;
    if ((rpcUrl && !isHttpUrl(rpcUrl)) || (apiBase && !isHttpUrl(apiBase)))
      return void (status.textContent = t("settings.invalidRpc"));
    const chosen = chosenTrust(fields);
    if (typeof chosen === "string" || !isAddress(chosen.registry))
      return void (status.textContent = t(chosen as "settings.invalidRegistry"));
    const other = differsFromOfficial(chosen);
    if (other && !fields.confirm.checked) return void (status.textContent = t("settings.trustConfirmNeeded"));
    saveSettings({ rpcUrl, apiBase, mirror: null, trust: other ? chosen : null });
    status.textContent = t("settings.saved");
    current.textContent = currentLine();
    changed();
  };
  const reset = () => {
    saveSettings({ rpcUrl: null, trust: null, apiBase: null, mirror: null });
    rpc.value = api.value = "";
    const official = pageConfig().trust;
    fields.chainId.value = String(official?.chainId ?? "");
    fields.registry.value = official?.registry ?? "";
    fields.block.value = String(official?.deploymentBlock ?? "");
    updateWarning(fields);
    status.textContent = t("settings.saved");
    current.textContent = currentLine();
    changed();
  };
  updateWarning(fields);
  return h(
    "details",
    { class: "settings", id: "settings" },
    h("summary", {}, t("settings.title")),
    h("p", {}, t("settings.intro")),
    current,
    h(
      "form",
      { id: "settings-form", onsubmit: save },
      h("label", { for: "setting-rpc" }, t("settings.rpc")),
      rpc,
      h("label", { for: "setting-api" }, t("settings.api")),
      api,
      h(
        "fieldset",
        { id: "settings-trust" },
        h("legend", {}, t("settings.trustTitle")),
        h("p", { class: "hint" }, t("settings.trustIntro")),
        h("label", { for: "setting-chain-id" }, t("settings.chainId")),
        fields.chainId,
        h("label", { for: "setting-registry" }, t("settings.registry")),
        fields.registry,
        h("label", { for: "setting-deployment-block" }, t("settings.deploymentBlock")),
        fields.block,
        fields.warning,
        fields.confirmRow,
      ),
      h(
        "div",
        { class: "row" },
        h("button", { type: "submit", id: "settings-save" }, t("settings.save")),
        h("button", { type: "button", class: "secondary", id: "settings-reset", onclick: reset }, t("settings.reset")),
      ),
      status,
    ),
  );
}
