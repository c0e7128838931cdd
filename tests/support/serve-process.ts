import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export interface ServeProcess {
  readonly child: ChildProcess;
  /** The URL with the session token, as printed. */
  readonly openUrl: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `lintel serve` (or `lintel start`, which falls back to it without Electron)
 * exactly as a person would, on a free port, and reads the URL it prints.
 */
export function startServe(dataDir: string, command: "serve" | "start" = "serve"): Promise<ServeProcess> {
  const child = spawn(process.execPath, [resolve(ROOT, "bin/lintel.js"), command, "--port", "0", "--no-open", "--data", dataDir], {
    cwd: ROOT,
    env: { ...process.env, CI: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`lintel serve printed no URL in 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.off("data", check);
      ok({
        child,
        openUrl: m[1]!,
        output: () => out,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    };
    child.stdout.on("data", check);
    child.once("exit", (code) => fail(new Error(`lintel serve exited with ${code}:\n${out}`)));
  });
}
