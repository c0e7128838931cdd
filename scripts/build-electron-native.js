#!/usr/bin/env node
/**
 * Build better-sqlite3 for Electron into native/electron/better_sqlite3.node, without
 * touching node_modules (whose Node build the tests and the CLI need).
 *
 *   node scripts/build-electron-native.js [--arch=x64|arm64] [--keep-temp]
 *
 * Works on a copy of node_modules/better-sqlite3 in a temporary folder: first tries
 * the prebuilt binary for this Electron version (prebuild-install, from GitHub), then
 * compiles from source against Electron's headers (node-gyp, from electronjs.org).
 * Both need the network; without it, this script says so and exits with code 1.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const args = process.argv.slice(2);
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

class Failure extends Error {}

function readJson(path, what) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new Failure(`Cannot read ${what} (${path}). Run \`npm install\` first.`);
  }
}

/** Last lines of a child's output: enough to see why it failed, no stack traces. */
function tail(text, lines = 6) {
  return String(text ?? "")
    .trim()
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "" && !/^\s*(gyp ERR! stack\s+)?at\s/.test(l))
    // node-gyp's closing boilerplate says nothing about why
    .filter((l) => !/gyp ERR! (System|command|cwd|node -v|node-gyp -v|not ok)/.test(l))
    .slice(-lines)
    .map((l) => `      ${l}`)
    .join("\n");
}

function run(label, bin, binArgs, cwd) {
  console.log(`  • ${label}`);
  const r = spawnSync(process.execPath, [bin, ...binArgs], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_runtime: "electron" },
    timeout: 15 * 60 * 1000,
  });
  if (r.error) return { ok: false, why: r.error.message };
  if (r.status !== 0) return { ok: false, why: tail(`${r.stdout}\n${r.stderr}`) || `exit code ${r.status}` };
  return { ok: true, why: "" };
}

function main() {
  const electronPkg = readJson(join(root, "node_modules", "electron", "package.json"), "Electron's package.json");
  const sqlitePkg = readJson(join(root, "node_modules", "better-sqlite3", "package.json"), "better-sqlite3's package.json");
  const target = electronPkg.version;
  const arch = option("arch") ?? process.env.npm_config_arch ?? process.arch;
  const outDir = join(root, "native", "electron");
  console.log(`Building better-sqlite3 ${sqlitePkg.version} for Electron ${target} (${process.platform}-${arch})`);

  const work = mkdtempSync(join(tmpdir(), "lintel-electron-native-"));
  const pkgDir = join(work, "better-sqlite3");
  try {
    // A fresh copy without the Node build, so a stale .node can never be mistaken for ours.
    const nodeBuild = join(root, "node_modules", "better-sqlite3", "build");
    cpSync(join(root, "node_modules", "better-sqlite3"), pkgDir, {
      recursive: true,
      filter: (src) => src !== nodeBuild && !src.startsWith(nodeBuild + sep),
    });

    const attempts = [];
    const prebuild = run(
      "downloading the prebuilt binary (prebuild-install)",
      require.resolve("prebuild-install/bin.js"),
      ["--runtime=electron", `--target=${target}`, `--arch=${arch}`, `--platform=${process.platform}`, "--verbose"],
      pkgDir,
    );
    attempts.push(["prebuild-install", prebuild]);

    if (!prebuild.ok) {
      const gyp = run(
        "compiling from source against Electron's headers (node-gyp)",
        require.resolve("node-gyp/bin/node-gyp.js"),
        ["rebuild", "--release", "--runtime=electron", `--target=${target}`, `--arch=${arch}`, "--dist-url=https://electronjs.org/headers"],
        pkgDir,
      );
      attempts.push(["node-gyp", gyp]);
    }

    const built = join(pkgDir, "build", "Release", "better_sqlite3.node");
    if (!attempts.some(([, a]) => a.ok) || !existsSync(built)) {
      const reasons = attempts.map(([name, a]) => `    ${name} failed:\n${a.why || "      (no output)"}`).join("\n");
      throw new Failure(
        [
          `Could not build better-sqlite3 for Electron ${target} (${process.platform}-${arch}).`,
          reasons,
          "  Both ways need the network: prebuilt binaries come from github.com (WiseLibs/better-sqlite3",
          "  releases), Electron's headers from electronjs.org; compiling also needs Python and a C++",
          "  toolchain. Run this again where those are reachable, or let `npm run dist` rebuild",
          "  (electron-builder's npmRebuild). The tests and CLI do not need this file.",
        ].join("\n"),
      );
    }

    mkdirSync(outDir, { recursive: true });
    copyFileSync(built, join(outDir, "better_sqlite3.node"));
    writeFileSync(
      join(outDir, "build-info.json"),
      `${JSON.stringify({ module: "better-sqlite3", version: sqlitePkg.version, electron: target, platform: process.platform, arch }, null, 2)}\n`,
    );
    console.log(`Done: ${join("native", "electron", "better_sqlite3.node")}`);
  } finally {
    if (args.includes("--keep-temp")) console.log(`(kept ${work})`);
    else rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  if (e instanceof Failure) {
    console.error(`\nbuild-electron-native: ${e.message}`);
  } else {
    console.error(`\nbuild-electron-native: unexpected failure: ${e instanceof Error ? e.message : String(e)}`);
  }
  process.exitCode = 1;
}
