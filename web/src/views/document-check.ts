/**
 * A record's supporting document on the verify view. The record's documentHash is keccak-256 of the document's
 * bytes (docs/PROTOCOL.md): the page fetches the published copy from the data source and hashes it here, so the
 * server's or mirror's word counts for nothing; only a copy that matches is offered, as the very bytes checked.
 * A citizen may also drop a file they hold: match or no match, computed in the browser, sent nowhere. Loaded by
 * the verify view once an anchored verdict is drawn (verdict.ts's documentSlot), not on the way to it.
 */
import { ZERO_BYTES32, bytesToHex, keccak256 } from "../../../core/index";
import { h } from "../dom";
import { t } from "../i18n";
import { errorMessage } from "../rpc";
import type { DataSource } from "../source";

const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

const hashOf = (bytes: Uint8Array) => bytesToHex(keccak256(bytes));

export function documentSection(documentHash: string, source: DataSource): HTMLElement {
  const expected = documentHash.toLowerCase();
  if (expected === ZERO_BYTES32) {
    return h("section", { class: "document", id: "document" }, h("p", { id: "document-none" }, t("document.none")));
  }
  const published = h("div", { id: "document-published", "data-state": "loading" }, t("document.loading"));
  void showPublished(published, expected, source);
  return h(
    "section",
    { class: "document", id: "document", "aria-labelledby": "document-title" },
    h("h3", { id: "document-title" }, t("document.title")),
    h("p", { class: "mono" }, t("document.hash", { hash: expected })),
    published,
    yourDocument(expected),
  );
}

async function showPublished(target: HTMLElement, expected: string, source: DataSource): Promise<void> {
  const say = (state: string, ...children: (Node | string)[]) => {
    target.dataset.state = state;
    target.replaceChildren(...children);
  };
  try {
    const res = await fetch(source.documentUrl(expected));
    if (res.status === 404) return say("absent", t("document.notStored"));
    if (!res.ok) return say("error", t("document.error", { message: `HTTP ${res.status}` }));
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > MAX_DOCUMENT_BYTES) return say("error", t("document.error", { message: "larger than 20 MB" }));
    const actual = hashOf(bytes);
    if (actual !== expected)
      return say("mismatch", h("strong", { class: "warning" }, t("document.mismatch", { hash: actual })));
    // The link opens the bytes just checked, never a fresh download that could differ.
    const type = res.headers.get("content-type") ?? "application/octet-stream";
    const url = URL.createObjectURL(new Blob([bytes], { type }));
    say(
      "match",
      h("p", { class: "ok" }, t("document.match")),
      h("a", { href: url, download: `document-${expected.slice(2, 14)}`, id: "document-open" }, t("document.open")),
    );
  } catch (error) {
    say("error", t("document.error", { message: errorMessage(error) }));
  }
}

function yourDocument(expected: string): HTMLElement {
  const answer = h("p", { id: "document-yours-answer", role: "status" });
  const judge = async (file: File | undefined) => {
    if (!file) return;
    const actual = hashOf(new Uint8Array(await file.arrayBuffer()));
    const match = actual === expected;
    answer.dataset.match = String(match);
    answer.textContent = match
      ? t("document.yoursMatch", { name: file.name })
      : t("document.yoursNoMatch", { name: file.name, hash: actual });
  };
  const input = h("input", {
    type: "file",
    id: "document-yours",
    class: "file-input",
    onchange: (event: Event) => {
      const file = (event.target as HTMLInputElement).files?.[0];
      fileName.textContent = file ? file.name : t("verify.noFile");
      void judge(file);
    },
  });
  // The browser's own file button speaks the browser's language, not the page's: ours is a label for it.
  const fileName = h("span", { class: "file-name" }, t("verify.noFile"));
  const zone = h(
    "div",
    { class: "dropzone", id: "document-drop" },
    h("p", { class: "dropzone-title" }, t("document.yoursLabel")),
    h(
      "div",
      { class: "file-row" },
      input,
      h("label", { for: "document-yours", class: "button-link file-button" }, t("verify.chooseFile")),
      fileName,
    ),
    answer,
  );
  zone.addEventListener("dragover", (event) => event.preventDefault());
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    void judge(event.dataTransfer?.files?.[0]);
  });
  return zone;
}
