#!/usr/bin/env node
// The installed entry point: the compiled CLI lives in dist/ (built by `npm ci` via prepare).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
// The command is done and its output written (stdout and stderr are synchronous on Linux pipes,
// files and terminals). What can still hold the process is xen-api's event long poll: its
// disconnect() logs out but leaves an `event.from` (60 s timeout) in flight, which kept
// `ingot clean` alive for up to 70 s after it had finished. An unref'd timer never delays a
// process that would exit anyway; it only ends one that lingers.
setTimeout(() => process.exit(), 500).unref();
