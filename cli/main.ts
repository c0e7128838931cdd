import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createLintelApp, type LintelApp } from "../core/app/lintel-app.ts";
import { radioFromEnv } from "../core/app/radio.ts";
import { defaultDataDir } from "../core/app/data-dir.ts";
import type { CallContext } from "../core/api/router.ts";
import { AppError, KsError, isAppError } from "../core/errors/index.ts";
import { startHost } from "./serve/host.ts";
import { TOPOLOGY_USAGE, checkCommand, planCommand } from "./topology.ts";

/**
 * `lintel`: the command-line shell. It calls the same router as the app (the CLI is
 * the third transport of the contract), and starts the app or its browser host.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RENDERER_DIR = join(ROOT, "out", "renderer");

const USAGE = `lintel — offline commissioning for wireless smart-lock sites

Usage:
  lintel start [--data DIR] [--simulated-iqs] [--cloud URL]
                                            the desktop app; the browser UI where Electron is missing
  lintel serve [--port N] [--data DIR] [--no-open] [--simulated-iqs] [--cloud URL]
                                            the UI in your browser, on 127.0.0.1 only
                                            (--simulated-iqs: start with simulated IQs on, for demos;
                                            they can be switched in Commission as well;
                                            --cloud: the KS cloud to sign in to and sync with,
                                            else LINTEL_CLOUD_URL, else http://127.0.0.1:4480,
                                            the emulator of \`npm run cloud\`)
  lintel errors [--json]                    the KS cloud's error table
  lintel errors CODE                        what one KS error code means and what to do
  lintel call PROCEDURE [JSON]              call one procedure of the API contract
${TOPOLOGY_USAGE}
  lintel help

Data lives in ${defaultDataDir()} (override with --data or LINTEL_HOME).`;

class UsageError extends Error {}

const actor = (): string => {
  try {
    return userInfo().username;
  } catch {
    return "installer";
  }
};

function openApp(dataDir: string | undefined, transport: CallContext["transport"], shell: Pick<Parameters<typeof createLintelApp>[0], "ble" | "scheduler" | "cloudUrl"> = {}): { app: LintelApp; ctx: CallContext } {
  const app = createLintelApp({ dataDir: dataDir ?? defaultDataDir(), transport, ...shell });
  return { app, ctx: { transport, actor: actor() } };
}

async function errorsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: "boolean" }, data: { type: "string" } }, allowPositionals: true });
  const { app, ctx } = openApp(values.data, "cli");
  try {
    if (positionals.length === 0) {
      const rows = (await app.router.call("errors.list", {}, ctx)) as { code: number; http: string; message: string }[];
      if (values.json) process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
      else for (const r of rows) process.stdout.write(`${String(r.code).padEnd(6)}${r.http.padEnd(28)}${r.message}\n`);
      return 0;
    }
    const code = Number(positionals[0]);
    if (!Number.isInteger(code)) throw new UsageError(`"${positionals[0]}" is not an error code`);
    const out = (await app.router.call("errors.explain", { code }, ctx)) as { row: { code: number; http: string; message: string }; statuses: number[]; advice: string };
    if (values.json) {
      process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    } else {
      process.stdout.write(`KS ${out.row.code}: ${out.row.message}\nHTTP status: ${out.row.http}${out.row.http !== out.statuses.join(" / ") ? ` (Lintel treats it as ${out.statuses.join(" / ")})` : ""}\nWhat to do: ${out.advice}\n`);
    }
    return 0;
  } finally {
    app.close();
  }
}

async function callCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { data: { type: "string" } }, allowPositionals: true });
  const [name, json] = positionals;
  if (!name) throw new UsageError("lintel call needs a procedure name");
  let input: unknown = {};
  if (json !== undefined) {
    try {
      input = JSON.parse(json);
    } catch {
      throw new UsageError("the input must be JSON, e.g. '{\"name\":\"Hotel\"}'");
    }
  }
  const { app, ctx } = openApp(values.data, "cli");
  try {
    const out = await app.router.call(name, input, ctx);
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return 0;
  } finally {
    app.close();
  }
}

/** Builds the UI once when it is missing (a fresh clone installed without scripts). */
function ensureRendererBuilt(): void {
  if (existsSync(join(RENDERER_DIR, "index.html"))) return;
  process.stderr.write("The UI is not built yet: building it once (electron-vite build)…\n");
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "electron-vite", "bin", "electron-vite.js"), "build"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0 || !existsSync(join(RENDERER_DIR, "index.html"))) {
    throw new AppError("serve.no_ui", "The UI could not be built. Run `npm install` and `npm run build` in Lintel's folder.");
  }
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  try {
    const child = spawn(cmd, args, { detached: true, stdio: "ignore" });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // No browser to open (a server, CI): the printed URL is enough.
  }
}

/** `--cloud URL`: an http(s) origin (the path is dropped), or undefined to keep LINTEL_CLOUD_URL or the default. */
function cloudUrlOption(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--cloud must be a URL such as http://127.0.0.1:4480, not "${raw}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--cloud must be an http or https URL, not "${raw}"`);
  return url.origin;
}

async function serveCommand(args: string[], why?: string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: "string", default: "0" }, data: { type: "string" }, "no-open": { type: "boolean" }, "simulated-iqs": { type: "boolean" }, cloud: { type: "string" } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${values.port}"`);
  const cloudUrl = cloudUrlOption(values.cloud);
  ensureRendererBuilt();
  // Real Bluetooth (noble, loaded on first use) or the simulated IQs, switchable in the UI.
  const radio = radioFromEnv(process.env, values["simulated-iqs"] ? { startSimulated: true } : {});
  const { app } = openApp(values.data, "browser", { ble: radio, scheduler: radio.scheduler, ...(cloudUrl ? { cloudUrl } : {}) });
  const host = await startHost({ router: app.router, events: app.events, staticDir: RENDERER_DIR, port, actor: actor() });
  if (why) process.stdout.write(`${why}\n`);
  process.stdout.write(`Lintel is serving its UI on ${host.url} (this machine only).\nOpen: ${host.openUrl}\nData: ${app.workspace.dataDir}\nPress Ctrl+C to stop.\n`);
  if (!values["no-open"] && process.stdout.isTTY && !process.env.CI) openBrowser(host.openUrl);
  await new Promise<void>((done) => {
    const stop = () => void host.close().then(() => done());
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  app.close();
  radio.close();
  return 0;
}

/** The Electron binary's path, or why there is none (skipped or failed download). */
export function findElectron(): { path: string } | { reason: string } {
  try {
    const path = createRequire(import.meta.url)("electron") as unknown;
    if (typeof path === "string" && existsSync(path)) return { path };
    return { reason: "the electron package has no binary" };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { reason: /Cannot find module/.test(msg) ? "the electron package is not installed" : "Electron's binary is not installed (its download at install time was skipped or failed)" };
  }
}

async function startCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { data: { type: "string" }, port: { type: "string" }, "no-open": { type: "boolean" }, "simulated-iqs": { type: "boolean" }, cloud: { type: "string" } },
  });
  const cloudUrl = cloudUrlOption(values.cloud);
  const electron = findElectron();
  if ("reason" in electron) {
    const rest = [
      ...(values.data ? ["--data", values.data] : []),
      ...(values.port ? ["--port", values.port] : []),
      ...(values["no-open"] ? ["--no-open"] : []),
      ...(values["simulated-iqs"] ? ["--simulated-iqs"] : []),
      ...(cloudUrl ? ["--cloud", cloudUrl] : []),
    ];
    return serveCommand(rest, `Lintel's desktop window needs Electron, but ${electron.reason}. Serving the same UI in your browser instead.`);
  }
  if (!existsSync(join(ROOT, "out", "main", "index.js"))) ensureRendererBuilt();
  const env = { ...process.env, ...(values.data ? { LINTEL_HOME: values.data } : {}), ...(values["simulated-iqs"] ? { LINTEL_SIMULATED_IQS: "1" } : {}), ...(cloudUrl ? { LINTEL_CLOUD_URL: cloudUrl } : {}) };
  const child = spawn(electron.path, [ROOT], { stdio: "inherit", env });
  return new Promise((done) => child.on("exit", (code) => done(code ?? 0)));
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "errors":
        return await errorsCommand(rest);
      case "serve":
        return await serveCommand(rest);
      case "start":
        return await startCommand(rest);
      case "call":
        return await callCommand(rest);
      case "plan":
        return await planCommand(rest);
      case "check":
        return await checkCommand(rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE + "\n");
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS"))) {
      process.stderr.write(`lintel: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof KsError) {
      process.stderr.write(`lintel: KS ${e.ksCode} (HTTP ${e.http}): ${e.message}\n`);
      if (e.details !== undefined) process.stderr.write(`${JSON.stringify(e.details, null, 2)}\n`);
      return 1;
    }
    if (isAppError(e)) {
      process.stderr.write(`lintel: ${e.message} [${e.code}]\n`);
      return 1;
    }
    throw e;
  }
}
