#!/usr/bin/env node
// Runs the compiled CLI (npm install builds it through the `prepare` script): the bundle of bin/bundle.js when the
// build made one (a third of the start-up), else the modules tsc wrote.
import { existsSync } from 'node:fs';

const bundled = new URL('../dist/bundle/cli.js', import.meta.url);
const { main } = await import(existsSync(bundled) ? bundled.href : '../dist/src/cli/cli.js');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 70;
  },
);
