#!/usr/bin/env node
// Runs the compiled CLI (npm install builds it through the `prepare` script).
import { main } from '../dist/agent/cli.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err); process.exitCode = 70; },
);
