/**
 * `aiqyn publish FILE`: the fund's back office publishes a CSV or XLSX. Every problem is found before anything
 * is written (the file's own reading, core's validation, and the server's dry run, mapped back to rows and
 * columns); the real run sends bulks whose Idempotency-Keys are derived from their content, so a retry or a
 * rerun after a crash answers the bulks already stored with their first receipts instead of writing them again.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, extname, isAbsolute, join, resolve } from "node:path";
import { AiqynError } from "../../core";
import {
  bulkProblems,
  intoBulks,
  plannedTimeRange,
  publishWarnings,
  receiptsArchive,
  type ArchivedReceipt,
  type Bulk,
  type PublishWarning,
} from "../../core/publish/plan";
import {
  EXIT_FINDINGS,
  EXIT_OK,
  HELP_OPTIONS,
  UsageError,
  httpUrlOption,
  integerOption,
  parseJsonCommand,
  secondsOption,
  stringOption,
} from "./args";
import { documentHashOf } from "./document";
import { writeFileAtomic } from "./fs-atomic";
import { textOut, writeJson, type Io } from "./io";
import {
  parseColumnMapping,
  readRows,
  type ColumnMapping,
  type PlannedRow,
  type RowProblem,
} from "../../core/publish/rows";
import { publishServer, type PublishServer } from "./publish-server";
import { readSheetBytes } from "../../core/publish/sheet";
import { checkTimeZone, type DateOrder, type DecimalMark } from "../../core/publish/values";

export const DEFAULT_TIME_ZONE = "Asia/Almaty";
export const DEFAULT_BULK = 200;

export const PUBLISH_HELP = `Usage: aiqyn publish FILE --server URL [--dry-run] [options]

Publishes the records of a CSV or XLSX (first worksheet; header in row 1), one row a record, a "trade" row the
two records of a purchase. Columns, the mapping file and a worked month: docs/PUBLISHING.md.

  --server URL          the registry server (or AIQYN_SERVER)
  --key-file FILE       a file holding the publisher key (or AIQYN_PUBLISHER_KEY)
  --dry-run             check only: every problem by row and column, and warnings; nothing is written
  --columns FILE        a column mapping (aiqyn-columns/1): the fund's own headers and kind words
  --tz ZONE             the time zone of the sheet's dates and times (default ${DEFAULT_TIME_ZONE})
  --decimal . | ,       the decimal mark, when 1,234 could be read both ways (default: refuse to guess)
  --dates DMY | MDY     how to read 15/10/2025-style dates (dotted and ISO dates are never ambiguous)
  --bulk N              records per request (default ${DEFAULT_BULK}, at most 1000); keep it for a rerun
  --receipts PATH       where the receipts go: PATH.json and PATH.csv (default FILE's name + .receipts)
  --json[=FILE]         the report as JSON (aiqyn-publish-report/1)
  --timeout SECONDS     per request (default 60)

A real run first checks everything as --dry-run does and writes nothing if there is any problem. A run that
was interrupted (a crash, a lost connection) is finished by running the same command again: the bulks already
stored are answered with their first receipts (Idempotency-Key, 7 days), never written twice.

Exit status: 0 published (or, with --dry-run, nothing to fix); 1 problems found, nothing written;
2 usage error or the server failed.
`;

const OPTIONS = {
  server: { type: "string" },
  "key-file": { type: "string" },
  "dry-run": { type: "boolean" },
  columns: { type: "string" },
  tz: { type: "string" },
  decimal: { type: "string" },
  dates: { type: "string" },
  bulk: { type: "string" },
  receipts: { type: "string" },
  timeout: { type: "string" },
  ...HELP_OPTIONS,
} as const;

const CONTENT_TYPES: Record<string, string> = {
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
};
export const contentTypeOf = (file: string) => CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";

/** The offset in force now in a zone, for the output ("UTC+05:00"). */
function zoneLabel(timeZone: string): string {
  const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
    .formatToParts(new Date())
    .find((p) => p.type === "timeZoneName")?.value;
  return (name ?? "").replace("GMT", "UTC") || "UTC";
}

function readKey(parsed: { values: Record<string, unknown> }): string {
  const file = stringOption(parsed as never, "key-file");
  const key = (file ? readFileSync(file, "utf8") : (process.env.AIQYN_PUBLISHER_KEY ?? "")).trim();
  if (!key) throw new UsageError("give the publisher key with --key-file FILE or AIQYN_PUBLISHER_KEY");
  return key;
}

interface Settings {
  file: string;
  dryRun: boolean;
  timeZone: string;
  decimal: DecimalMark;
  dates: DateOrder | null;
  bulk: number;
  receipts: string;
  mapping: ColumnMapping | null;
}

async function settingsOf(parsed: Parameters<typeof stringOption>[0]): Promise<Settings> {
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) throw new UsageError("name exactly one FILE (.csv or .xlsx)");
  const timeZone = stringOption(parsed, "tz") ?? DEFAULT_TIME_ZONE;
  try {
    checkTimeZone(timeZone);
  } catch {
    throw new UsageError(`--tz ${timeZone} is not a time zone this runtime knows (e.g. Asia/Almaty, UTC)`);
  }
  const columnsFile = stringOption(parsed, "columns");
  let mapping: ColumnMapping | null = null;
  if (columnsFile) {
    try {
      mapping = parseColumnMapping(JSON.parse(await readFile(columnsFile, "utf8")));
    } catch (error) {
      throw new UsageError(`--columns ${columnsFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const decimal = (stringOption(parsed, "decimal") ?? mapping?.decimal ?? "auto") as DecimalMark;
  if (!["auto", ".", ","].includes(decimal)) throw new UsageError("--decimal is . or ,");
  const dates = (stringOption(parsed, "dates") ?? mapping?.dates ?? null) as DateOrder | null;
  if (dates !== null && dates !== "DMY" && dates !== "MDY") throw new UsageError("--dates is DMY or MDY");
  const stem = join(dirname(file), basename(file, extname(file)));
  return {
    file,
    dryRun: parsed.values["dry-run"] === true,
    timeZone,
    decimal,
    dates,
    bulk: integerOption(parsed, "bulk", DEFAULT_BULK, 2, 1000),
    receipts: stringOption(parsed, "receipts") ?? `${stem}.receipts`,
    mapping,
  };
}

export async function runPublish(argv: string[], io: Io): Promise<number> {
  const command = parseJsonCommand(argv, { options: OPTIONS, help: PUBLISH_HELP, positionals: true }, io);
  if (!command) return EXIT_OK;
  const { parsed, json } = command;
  const settings = await settingsOf(parsed);
  const serverUrl = httpUrlOption(parsed, "server", false) ?? process.env.AIQYN_SERVER;
  if (!serverUrl) throw new UsageError("give the registry server with --server URL or AIQYN_SERVER");
  const server = publishServer(serverUrl, readKey(parsed), {
    timeoutMs: secondsOption(parsed, "timeout", 60),
    onRetry: (why, attempt) => io.err(`  retrying (${attempt}): ${why}\n`),
  });
  const out = textOut(io, json);
  const { planned, problems, columnOf, rowCount } = await readFile_(settings, io.now());
  out(
    `aiqyn publish ${settings.file}${settings.dryRun ? " — DRY RUN: nothing is written" : ""}\n` +
      `dates and times read in ${settings.timeZone} (${zoneLabel(settings.timeZone)} now); another zone: --tz ZONE\n` +
      `${rowCount} row(s) read → ${planned.reduce((n, r) => n + r.records.length, 0)} record(s) from the rows without problems\n`,
  );
  const bulks = intoBulks(planned, settings.bulk);
  problems.push(...(await serverProblems(server, bulks, columnOf)));
  problems.sort((a, b) => a.row - b.row);
  const warnings = await warningsOf(server, planned);
  out(reportText(problems, warnings));
  const report = {
    format: "aiqyn-publish-report/1",
    file: settings.file,
    timeZone: settings.timeZone,
    problems,
    warnings,
  };
  if (problems.length > 0 || settings.dryRun) {
    if (json) await writeJson(io, json, { ...report, dryRun: settings.dryRun, written: 0 });
    out(
      problems.length > 0
        ? `nothing was written: fix the ${problems.length} problem(s) and run again\n`
        : `dry run: every row is ready (${planned.length} row(s)); run again without --dry-run to publish\n`,
    );
    return problems.length > 0 ? EXIT_FINDINGS : EXIT_OK;
  }
  const receipts = await publishBulks(server, settings, planned, bulks, io);
  if (json)
    await writeJson(io, json, { ...report, dryRun: false, written: receipts.length, receipts: settings.receipts });
  out(
    `published ${receipts.length} record(s) from ${planned.length} row(s) in ${bulks.length} bulk(s)\n` +
      `receipts: ${settings.receipts}.json and ${settings.receipts}.csv (row, seq, leaf, receipt); check them later with\n` +
      `  aiqyn audit --server ${serverUrl} --receipts ${settings.receipts}.json --rpc <your RPC> --trust <trust root>\n`,
  );
  return EXIT_OK;
}

/** The sheet read and checked locally. */
async function readFile_(settings: Settings, now: number) {
  const sheet = await readSheetBytes(settings.file, await readFile(settings.file));
  const base = dirname(resolve(settings.file));
  const result = readRows(sheet, {
    mapping: settings.mapping,
    timeZone: settings.timeZone,
    decimal: settings.decimal,
    dates: settings.dates,
    now,
    hashDocument: (path) => {
      try {
        return { hash: documentHashOf(readFileSync(isAbsolute(path) ? path : join(base, path))) };
      } catch (error) {
        return { error: (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error) };
      }
    },
  });
  return { ...result, rowCount: sheet.rows.length };
}

/** The server's dry run of every bulk, its problems mapped back to rows and columns. */
async function serverProblems(
  server: PublishServer,
  bulks: readonly Bulk[],
  columnOf: (row: number, leg: number, field: string) => string,
): Promise<RowProblem[]> {
  const problems: RowProblem[] = [];
  for (const bulk of bulks) problems.push(...bulkProblems(bulk, await server.dryRun(bulk.records), columnOf));
  return problems;
}

/** The warnings, against the published records of the file's time range and the published balances. */
async function warningsOf(server: PublishServer, planned: readonly PlannedRow[]): Promise<PublishWarning[]> {
  const range = plannedTimeRange(planned);
  if (range === null) return [];
  return publishWarnings(planned, await server.recordsBetween(range.from, range.to), await server.balances());
}

function reportText(problems: readonly RowProblem[], warnings: readonly PublishWarning[]): string {
  const lines: string[] = [];
  if (problems.length > 0) {
    lines.push(`\n${problems.length} problem(s):`);
    for (const p of problems)
      lines.push(`  ✗ row ${p.row}${p.column ? `, column ${p.column}` : ""}: ${p.code}: ${p.message}`);
  } else lines.push("\nno problems");
  if (warnings.length > 0) {
    lines.push(`${warnings.length} warning(s) (published anyway; look at them):`);
    for (const w of warnings) lines.push(`  ! row ${w.row}: ${w.code}: ${w.message}`);
  }
  return `${lines.join("\n")}\n\n`;
}

/** The real run: documents first, then each bulk under its key; the archive is rewritten after every bulk. */
async function publishBulks(
  server: PublishServer,
  settings: Settings,
  planned: readonly PlannedRow[],
  bulks: readonly Bulk[],
  io: Io,
): Promise<ArchivedReceipt[]> {
  const base = dirname(resolve(settings.file));
  const files = [...new Set(planned.map((p) => p.documentFile).filter((f): f is string => f !== null))];
  for (const [i, file] of files.entries()) {
    const bytes = await readFile(isAbsolute(file) ? file : join(base, file));
    const stored = await server.putDocument(documentHashOf(bytes), bytes, contentTypeOf(file));
    io.err(`document ${i + 1}/${files.length}: ${file} (${stored === "new" ? "uploaded" : "stored already"})\n`);
  }
  const archive: ArchivedReceipt[] = [];
  let done = 0;
  const total = bulks.reduce((n, b) => n + b.records.length, 0);
  for (const bulk of bulks) {
    const { receipts, replayed } = await server.write(bulk.records, bulk.key);
    if (receipts.length !== bulk.records.length)
      throw new AiqynError(
        "SOURCE_BAD_ANSWER",
        `bulk ${bulk.index + 1}: ${receipts.length} receipts for ${bulk.records.length} records`,
      );
    receipts.forEach((r, i) => archive.push({ row: bulk.origins[i]!.row, leg: bulk.origins[i]!.leg, ...r }));
    await writeArchive(settings, archive);
    done += receipts.length;
    const rows = `rows ${bulk.rows[0]!.row}–${bulk.rows[bulk.rows.length - 1]!.row}`;
    const seqs = `seq ${receipts[0]!.seq}–${receipts[receipts.length - 1]!.seq}`;
    io.err(
      `bulk ${bulk.index + 1}/${bulks.length}: ${rows}, ${seqs}${replayed ? " (stored before: its first receipts)" : ""}; ` +
        `${done} of ${total} record(s)\n`,
    );
  }
  return archive;
}

async function writeArchive(settings: Settings, archive: readonly ArchivedReceipt[]): Promise<void> {
  const { json, csv } = receiptsArchive(basename(settings.file), archive);
  await writeFileAtomic(`${settings.receipts}.json`, json);
  await writeFileAtomic(`${settings.receipts}.csv`, csv);
}
