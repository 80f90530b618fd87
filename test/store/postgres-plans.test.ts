/**
 * The PostgreSQL store's filtered lists, by their query plans (EXPLAIN ANALYZE) on 100 k records whose kind and
 * asset go together (as a fund's and the bench's do): every page reads about a page of rows, never every row
 * (the primary key walked with a filter that nothing passes: 0.3 s at 1 M records), with the planner's
 * statistics absent (a bulk load autovacuum has not analysed yet) or fresh.
 */
import { expect } from "chai";
import pg from "pg";
import type { RecordFilter } from "../../server/store/types";
import { listRecordsQuery, openPostgresStore } from "../../server/store/postgres";
import { freshDatabaseUrl } from "../helpers/postgres";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

const ROWS = 100_000;
const KINDS = ["INFLOW_SEIZURE", "INFLOW_MINING", "INVESTMENT", "GRANT", "EXPENSE"];
const ASSETS = ["BTC", "BNB", "IBIT", "COIN", "KZT"];

const PAGE = 51;
/** A fifth of the rows match the matching filters: a page costs about 5 × 51 rows read, at most. */
const MAX_ROWS_READ = 5 * PAGE + 50;

const CASES: Omit<RecordFilter, "limit">[] = [
  { kind: "GRANT", asset: "BNB" }, // nothing matches: the case that read every row
  { kind: "GRANT", asset: "COIN" },
  { kind: "GRANT", asset: "COIN", afterSeq: ROWS * 0.9 },
  { kind: "GRANT", asset: "BNB", afterSeq: ROWS * 0.9 },
  { kind: "GRANT" },
  { asset: "BNB" },
];

describe("store: PostgreSQL's filtered lists walk an index, by EXPLAIN", function () {
  this.timeout(120_000);
  let client: pg.Client;

  before(async function () {
    const url = await freshDatabaseUrl();
    await (await openPostgresStore(url)).close();
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(
      `INSERT INTO records (seq, kind, occurred_at, published_at, publisher, asset, amount, value_usd, counterparty,
         reference, document_hash, memo, corrects, leaf, signature, signer)
       SELECT i, ($1::text[])[1 + i % 5], 1700000000 + i, 1761955300, 'bench', ($2::text[])[1 + i % 5], '1', '1',
         'cp', 'ref', '0x00', '', 0, '0x', '0x', '0x' FROM generate_series(1, $3::bigint) i`,
      [KINDS, ASSETS, ROWS],
    );
  });
  after(async function () {
    await client?.end();
  });

  for (const statistics of ["before ANALYZE", "after ANALYZE"]) {
    for (const filter of CASES) {
      it(`${JSON.stringify(filter)} ${statistics}: reads about a page of records, by an index, never all`, async function () {
        if (statistics === "after ANALYZE") await client.query("ANALYZE records");
        const { sql, params } = listRecordsQuery({ ...filter, limit: PAGE });
        const explained = await client.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
          params,
        );
        const plan = nodes(explained.rows[0]!["QUERY PLAN"][0].Plan);
        const onRecords = plan.filter((n) => n["Relation Name"] === "records");
        expect(onRecords.map((n) => n["Node Type"])).to.deep.equal(["Index Scan"]);
        const read = onRecords.reduce(
          (sum, n) => sum + (n["Actual Rows"] + (n["Rows Removed by Filter"] ?? 0)) * n["Actual Loops"],
          0,
        );
        expect(read, `rows read by ${onRecords[0]!["Index Name"]}`).to.be.at.most(MAX_ROWS_READ);
      });
    }
  }
});
