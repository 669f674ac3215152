// The DuckDB path of `npm run bench` (bench/coverage.ts), as its own process so that it is timed
// whole: node dist/bench/duckdb-query.js GLOB QUERY_FILE OUT runs the query printed by
// `coverage --print-sql duckdb` over the Logpush files GLOB (read_json_auto, as users read them)
// and writes its rows to OUT as NDJSON.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [glob, queryFile, out] = process.argv.slice(2);
if (!glob || !queryFile || !out) throw new Error('usage: duckdb-query.js GLOB QUERY_FILE OUT');
const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
await connection.run(`CREATE VIEW http_requests AS SELECT * FROM read_json_auto(${quote(glob)})`);
await connection.run(`COPY (${readFileSync(queryFile, 'utf8')}) TO ${quote(out)} (FORMAT json)`);
connection.closeSync();
instance.closeSync();
