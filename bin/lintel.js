#!/usr/bin/env node
// The `lintel` command: runs the TypeScript CLI through tsx, so the CLI is always the
// source it was cloned as (no separate build step to forget).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
