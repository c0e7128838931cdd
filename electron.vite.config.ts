import { resolve } from "node:path";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "electron-vite";

// electron-vite runs from the project folder (it reads package.json there), as do these paths.
const root = process.cwd();

/**
 * Three builds: the main process (ESM, since package.json says "type": "module"),
 * the preload (CommonJS: a sandboxed preload cannot be an ES module), and the Vue
 * renderer. Main bundles the core and its pure-JS dependencies so the packaged app
 * needs only better-sqlite3 (a native module) from node_modules.
 */
export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, "out/main"),
      // Bundle zod, uuid and the core; keep only the native module (and its loader) external.
      externalizeDeps: false,
      // The people import's check worker is its own entry, found next to the bundle at run
      // time (core/people-import/parallel.ts), so big imports check and write in parallel.
      lib: {
        entry: { index: resolve(root, "electron/main/index.ts"), "people-import-worker": resolve(root, "core/people-import/check-worker.ts") },
        formats: ["es"],
      },
      rolldownOptions: {
        external: ["better-sqlite3", "bindings", "node-hid", "@abandonware/noble"],
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, "out/preload"),
      externalizeDeps: false,
      lib: { entry: resolve(root, "electron/preload/index.ts"), formats: ["cjs"] },
      rolldownOptions: {
        output: { entryFileNames: "[name].cjs", codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(root, "renderer"),
    plugins: [vue()],
    build: {
      outDir: resolve(root, "out/renderer"),
      rolldownOptions: {
        input: resolve(root, "renderer/index.html"),
      },
    },
  },
});
