import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { totpFor } from "./auth.ts";
import { startCloud } from "./server.ts";

/**
 * `npm run cloud [-- --port 4480 --db .lintel-dev/ks-cloud.sqlite | --memory]`: the KS
 * cloud emulator on localhost with the demo accounts, until Ctrl-C.
 */

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env["KS_CLOUD_PORT"] ?? "4480" },
    db: { type: "string", default: process.env["KS_CLOUD_DB"] ?? ".lintel-dev/ks-cloud.sqlite" },
    memory: { type: "boolean", default: false },
  },
});

const dbPath = values.memory ? undefined : resolve(values.db);
if (dbPath) mkdirSync(dirname(dbPath), { recursive: true });
const cloud = await startCloud({ port: Number(values.port), dbPath, demo: true });
const demo = cloud.demo!;
const now = totpFor(demo.installer.email, demo.installer.totpSecret).generate();

const lines = [
  `KS cloud emulator listening on ${cloud.url}`,
  `  database   ${dbPath ?? "(in memory)"}`,
  `  API        tests/cloud/API.md · outbox ${cloud.url}/_emulator/outbox`,
  ``,
  `Demo installer`,
  `  e-mail     ${demo.installer.email}`,
  `  password   ${demo.installer.password}`,
  `  2FA        TOTP, SMS to ${demo.installer.phone}, e-mail (codes in the outbox)`,
  `  TOTP key   ${demo.installer.totpSecret}   (code now: ${now})`,
  `  otpauth    ${demo.installer.otpauthUrl}`,
  `  subscriptions ${demo.subscriptionIds.join(", ")}`,
  ``,
  `Demo owner (for the handover; no 2FA)`,
  `  e-mail     ${demo.owner.email}`,
  `  password   ${demo.owner.password}`,
  ``,
  `Ctrl-C stops it.`,
];
process.stdout.write(`${lines.join("\n")}\n`);

const stop = () => {
  void cloud.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
