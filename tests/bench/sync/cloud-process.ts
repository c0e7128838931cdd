/**
 * The KS cloud emulator in a process of its own for the sync bench, so that the
 * bench's memory and CPU figures are the syncing side's alone. Batches may hold up to
 * 20,000 changes here (the emulator's default is the API's 1,000) so that the baseline
 * can send the whole site in ONE bulk POST. Prints one JSON line: the URL and a signed-up
 * installer with TOTP.
 */
import { startCloud } from "../../cloud/server.ts";

const cloud = await startCloud({ port: 0, settings: { maxBatch: 20_000 }, rateLimit: { capacity: 100_000, refillPerSecond: 100_000 } });
const email = "bench@lintel.example";
const password = "bench-password-2026";
const seeded = cloud.createAccount({ email, password, totp: true });
process.stdout.write(`${JSON.stringify({ url: cloud.url, email, password, totpSecret: seeded.totp_secret })}\n`);
const stop = () => void cloud.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
