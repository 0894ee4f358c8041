// Lints Cypher statements with Neo4j's own Cypher front end (@neo4j-cypher/language-support).
//
// stdin:  {"statements": ["MATCH …", …], "schema": {labels, relationshipTypes, graphSchema, …}}
// stdout: one JSON array with, per statement, the diagnostics the front end reports:
//         [{"index": 0, "severity": "error"|"warning"|…, "message": "…", "offsets": {…}}, …]
import { lintCypherQuery } from '@neo4j-cypher/language-support';

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const input = JSON.parse(await readStdin());
const schema = { defaultLanguage: 'CYPHER 5', ...(input.schema ?? {}) };
const report = [];
input.statements.forEach((statement, index) => {
  const { diagnostics } = lintCypherQuery(statement, schema, { consoleCommandsEnabled: false });
  for (const d of diagnostics) {
    report.push({
      index,
      severity: SEVERITY[d.severity] ?? String(d.severity),
      message: d.message,
      offsets: d.offsets,
    });
  }
});
process.stdout.write(JSON.stringify(report));
