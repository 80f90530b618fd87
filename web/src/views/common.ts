/** Pieces several views share: record tables, status labels, explorer links. */
import { RECORD_FIELDS, RECORD_KIND_NAMES, type RecordV1 } from "../../../core/index";
import { h } from "../dom";
import { formatUsd, formatUtc, groupDecimal } from "../format";
import { t, type MessageKey } from "../i18n";

export function kindLabel(kind: string): string {
  const key = `kind.${kind}` as MessageKey;
  return key in KIND_KEYS ? t(key) : kind;
}

const KIND_KEYS: Record<string, true> = Object.fromEntries(RECORD_KIND_NAMES.map((k) => [`kind.${k}`, true]));

/** A batch's status: its own words (a batch is "anchored" in its own grammatical gender, ru "закреплён"). */
export function batchStatusLabel(status: string): string {
  return status === "anchored" ? t("status.batchAnchored") : statusLabel(status);
}

export function statusLabel(status: string): string {
  const known = ["pending", "anchored", "sealed", "submitted"];
  return known.includes(status) ? t(`status.${status}` as MessageKey) : status;
}

export function standingLabel(standing: string | undefined | null): string {
  if (standing === "current" || standing === "superseded" || standing === "retracted") return t(`standing.${standing}`);
  return "—";
}

/** A link to the explorer page of a tx, when the deployment names an explorer; plain text otherwise. */
export function txLink(
  explorerUrl: string | null | undefined,
  txHash: string | null | undefined,
  text?: string,
): HTMLElement {
  if (!txHash) return h("span", {}, "—");
  const label = text ?? `${txHash.slice(0, 10)}…${txHash.slice(-6)}`;
  if (!explorerUrl || !/^https?:\/\//.test(explorerUrl)) return h("code", { title: txHash }, label);
  return h(
    "a",
    { href: `${explorerUrl.replace(/\/+$/, "")}/tx/${txHash}`, rel: "noopener noreferrer", target: "_blank" },
    label,
  );
}

function fieldValue(field: (typeof RECORD_FIELDS)[number], record: RecordV1): string {
  const value = record[field];
  switch (field) {
    // Words only: the code name (INFLOW_SEIZURE) means nothing to a citizen; auditors have the proof file.
    case "kind":
      return kindLabel(record.kind);
    case "occurredAt":
    case "publishedAt":
      return formatUtc(value as number);
    case "amount":
      return `${groupDecimal(record.amount)} ${record.asset}`;
    case "valueUsd":
      return formatUsd(record.valueUsd);
    case "corrects":
      return record.corrects === 0 ? "—" : String(record.corrects);
    default:
      return String(value);
  }
}

/** Every field of the record, as verified, in leaf order. */
export function recordTable(record: RecordV1): HTMLElement {
  return h(
    "table",
    { class: "record-table" },
    h("caption", { class: "sr-only" }, t("verify.record")),
    h(
      "tbody",
      {},
      RECORD_FIELDS.map((field) =>
        h(
          "tr",
          { "data-field": field },
          h("th", { scope: "row" }, t(`field.${field}` as MessageKey)),
          h(
            "td",
            {
              class: field === "documentHash" ? "mono" : "",
              // The exact stored value (unix seconds, the kind's code) for whoever needs it.
              title:
                field === "kind" || field === "occurredAt" || field === "publishedAt" ? String(record[field]) : null,
            },
            fieldValue(field, record),
          ),
        ),
      ),
    ),
  );
}
