#!/usr/bin/env node
// A `solc` command for py-solc-x, backed by the npm solcjs compiler (WebAssembly, offline).
// solcjs's own CLI prints a non-JSON line before its --standard-json output and reads no
// imports; this shim answers `--version`, and compiles stdin with an import callback that
// resolves `@openzeppelin/...` from node_modules and everything else from this folder.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const here = __dirname;

function findImports(importPath) {
  const roots = importPath.startsWith('@') ? [path.join(here, 'node_modules')] : [here];
  for (const root of roots) {
    const full = path.resolve(root, importPath);
    if (!full.startsWith(root + path.sep)) break; // never read outside the roots
    if (fs.existsSync(full)) return { contents: fs.readFileSync(full, 'utf8') };
  }
  return { error: `File not found: ${importPath}` };
}

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  process.stderr.write('solc-shim: only --version and --standard-json are supported\n');
  process.exit(2);
}
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  process.stdout.write(solc.compile(Buffer.concat(chunks).toString('utf8'), { import: findImports }));
});
