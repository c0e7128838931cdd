import { resolve } from "node:path";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The layer boundaries of ARCHITECTURE.md, enforced by eslint.config.js. Each probe
 * is linted as if it were a file at that path (`lintText` with `filePath`: the same
 * config resolution as `lintFiles`, but nothing is written into the shared tree, so
 * nobody else's tsc, eslint or vitest run can trip over a probe).
 */
const ROOT = resolve(import.meta.dirname, "../../..");
const BOUNDARY_RULES = new Set(["no-restricted-imports", "no-restricted-globals", "no-restricted-syntax"]);

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** Boundary violations in `code` if it lived at `path`, as "line:rule" strings. */
async function violations(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, path), warnIgnored: true });
  expect(result!.messages.filter((m) => m.fatal)).toEqual([]);
  return result!.messages.filter((m) => m.ruleId !== null && BOUNDARY_RULES.has(m.ruleId)).map((m) => `${m.line}:${m.ruleId}`);
}

describe("layer boundaries", () => {
  it("core/ may not import electron, vue, pinia, renderer/ or electron/, nor use DOM globals", async () => {
    const code = [
      'import { app } from "electron";',
      'import { ref } from "vue";',
      'import { defineStore } from "pinia";',
      'import { h } from "@vue/runtime-core";',
      'import { call } from "../renderer/src/api/client.ts";',
      'import { registerIpc } from "../electron/main/ipc.ts";',
      "export const where = window.location.href + document.title + navigator.userAgent + localStorage.length;",
      "export { app, ref, defineStore, h, call, registerIpc };",
    ].join("\n");
    const found = await violations("core/__lint_probe__.ts", code);
    for (const line of [1, 2, 3, 4, 5, 6]) expect(found).toContain(`${line}:no-restricted-imports`);
    expect(found.filter((f) => f === "7:no-restricted-globals")).toHaveLength(4);
  });

  it("core/ may use Node, zod and its own modules", async () => {
    const code = [
      'import { readFileSync } from "node:fs";',
      'import { z } from "zod";',
      'import { PROCEDURE_NAMES } from "../api/names.ts";',
      "export { readFileSync, z, PROCEDURE_NAMES };",
    ].join("\n");
    expect(await violations("core/store/__lint_probe__.ts", code)).toEqual([]);
  });

  it("renderer/ may not import Node builtins, electron, SQLite, the store, the app root, device adapters and simulators, cli/ or electron/", async () => {
    const code = [
      'import { readFileSync } from "node:fs";',
      'import path from "path";',
      'import { spawn } from "child_process";',
      'import { ipcRenderer } from "electron";',
      'import Database from "better-sqlite3";',
      'import { x } from "../../core/store/x";',
      'import { createLintelApp } from "../../core/app/lintel-app.ts";',
      'import { NobleAdapter } from "../../core/devices/ble/adapters/noble.ts";',
      'import { createNobleCentral } from "../../core/devices/ble/noble/central.ts";',
      'import { createSimulatedCentral } from "../../core/devices/ble/sim/central.ts";',
      'import { openNodeHid } from "../../core/devices/hid/node-hid/node-hid-port.ts";',
      'import { main } from "../../cli/main.ts";',
      'import { bridge } from "../../electron/preload/index.ts";',
      "export { readFileSync, path, spawn, ipcRenderer, Database, x, createLintelApp, NobleAdapter, createNobleCentral, createSimulatedCentral, openNodeHid, main, bridge };",
    ].join("\n");
    const found = await violations("renderer/src/__lint_probe__.ts", code);
    for (let line = 1; line <= 13; line++) expect(found).toContain(`${line}:no-restricted-imports`);
  });

  it("renderer/ may import the contract, shared types, Vue and Pinia", async () => {
    const code = [
      'import { ref } from "vue";',
      'import { defineStore } from "pinia";',
      'import { procedures } from "../../core/api/contract.ts";',
      'import type { Envelope } from "../../core/api/bridge.ts";',
      'import { AppError } from "../../core/errors/index.ts";',
      "export type E = Envelope;",
      "export { ref, defineStore, procedures, AppError };",
    ].join("\n");
    expect(await violations("renderer/src/__lint_probe__.ts", code)).toEqual([]);
  });

  it("the boundary also holds in .vue single-file components", async () => {
    const code = ['<script setup lang="ts">', 'import { readFileSync } from "node:fs";', "readFileSync;", "</script>", "<template><p>x</p></template>"].join("\n");
    expect(await violations("renderer/src/components/LintProbe.vue", code)).toContain("2:no-restricted-imports");
  });

  it("the preload imports only electron, core/api/names.ts, and types from core/api/bridge.ts", async () => {
    const ok = [
      'import { contextBridge, ipcRenderer } from "electron";',
      'import type { LintelBridge } from "../../core/api/bridge.ts";',
      'import { channelOf } from "../../core/api/names.ts";',
      "export type B = LintelBridge;",
      "export { contextBridge, ipcRenderer, channelOf };",
    ].join("\n");
    expect(await violations("electron/preload/index.ts", ok)).toEqual([]);

    const bad = [
      'import { z } from "zod";',
      'import { readFileSync } from "node:fs";',
      'import { Router } from "../../core/api/router.ts";',
      'import { toWireError } from "../../core/errors/wire.ts";',
      'import { isBridge } from "../../core/api/bridge.ts";',
      "export { z, readFileSync, Router, toWireError, isBridge };",
    ].join("\n");
    const found = await violations("electron/preload/__lint_probe__.ts", bad);
    for (const line of [1, 2, 3, 4, 5]) expect(found).toContain(`${line}:no-restricted-imports`);
  });

  it("only electron/main/ipc.ts and the preload use ipcMain / ipcRenderer", async () => {
    const code = ['import { ipcMain } from "electron";', 'ipcMain.handle("x", () => 1);'].join("\n");
    expect(await violations("electron/main/__lint_probe__.ts", code)).toContain("2:no-restricted-syntax");
    expect(await violations("electron/main/ipc.ts", code)).toEqual([]);
  });
});
