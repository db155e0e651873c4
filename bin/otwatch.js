#!/usr/bin/env node
// Runs the compiled CLI (npm install builds it through the `prepare` script).
import { setFlagsFromString } from 'node:v8';
import { main } from '../dist/src/cli/cli.js';

// old space grows by half its live size between full collections rather than by up to 4x: a scan's flows,
// ended by the flow table's bound, would otherwise leave hundreds of MiB of garbage before V8 collects it
setFlagsFromString('--heap-growing-percent=50');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 70;
  },
);
