// ESLint flat config. Fast (not type-aware): TypeScript's own checks run in `npm run typecheck`.
// Besides the usual rules it enforces the layer boundaries of docs/ARCHITECTURE:
// core/ is pure Node TypeScript, renderer/ is browser code that reaches the core only
// through its typed client, the preload exposes one bridge and imports next to nothing.
import { builtinModules } from "node:module";
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import pluginVue from "eslint-plugin-vue";
import globals from "globals";
import tseslint from "typescript-eslint";

const NODE_BUILTINS = builtinModules.filter((m) => !m.startsWith("_"));

/** Only these two files may use ipcMain / ipcRenderer (GitHub Desktop's rule). */
const IPC_FILES = ["electron/main/ipc.ts", "electron/preload/index.ts"];

const coreBoundary = {
  files: ["core/**/*.{ts,mts,cts,js,mjs}"],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        paths: [
          { name: "electron", message: "core/ runs on plain Node: no Electron. Put OS services behind a port in core/ports." },
          { name: "vue", message: "core/ has no UI framework; Vue belongs in renderer/." },
          { name: "pinia", message: "core/ has no UI framework; Pinia belongs in renderer/." },
        ],
        patterns: [
          { regex: "^electron/", message: "core/ runs on plain Node: no Electron." },
          { regex: "^(@vue/|vue/|pinia/)", message: "core/ has no UI framework." },
          { regex: "(^|/)(renderer|electron)(/|$)", message: "core/ must not import from renderer/ or electron/: dependencies point inwards." },
        ],
      },
    ],
    "no-restricted-globals": [
      "error",
      ...["window", "document", "navigator", "localStorage", "sessionStorage"].map((name) => ({
        name,
        message: `core/ has no DOM (${name}); the renderer or a port supplies what the core needs.`,
      })),
    ],
  },
};

const rendererBoundary = {
  files: ["renderer/**/*.{ts,mts,js,mjs,vue}"],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        paths: [
          ...NODE_BUILTINS.map((name) => ({ name, message: `renderer/ is browser code: no Node builtins (${name}). Call a procedure instead.` })),
          { name: "electron", message: "renderer/ reaches Electron only through window.lintel (the preload bridge)." },
          { name: "better-sqlite3", message: "renderer/ never opens a database: call a procedure of core/api." },
        ],
        patterns: [
          { regex: "^node:", message: "renderer/ is browser code: no Node builtins. Call a procedure instead." },
          { regex: "^(electron|better-sqlite3)/", message: "renderer/ cannot use Electron or SQLite directly." },
          { regex: "(^|/)core/store(/|$)", message: "renderer/ must not import the site store; use the typed client (renderer/src/api/client.ts)." },
          { regex: "(^|/)core/app(/|$)", message: "renderer/ must not import the app composition root; use the typed client." },
          { regex: "(^|/)core/devices/(.+/)?(adapters|noble|node-hid|sim)(/|$)", message: "renderer/ must not import device adapters or simulators; devices are reached through procedures." },
          { regex: "^(\\.{1,2}/)+(cli|electron)(/|$)", message: "renderer/ must not import the CLI or the Electron shell." },
        ],
      },
    ],
  },
};

const preloadBoundary = {
  files: ["electron/preload/**/*.{ts,js}"],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          {
            regex: "^(?!electron$|(\\.\\./)+core/api/(names|bridge)\\.ts$)",
            message: "The sandboxed preload imports only 'electron' and core/api/names.ts (and types from core/api/bridge.ts).",
          },
          { regex: "(^|/)core/api/bridge\\.ts$", allowTypeImports: true, message: "core/api/bridge.ts may be imported in the preload for types only." },
        ],
      },
    ],
  },
};

export default defineConfig([
  globalIgnores(["out/", "dist/", "node_modules/", "test-results/", "native/", "tests/.tmp/", ".lintel-dev/", "coverage/"]),

  js.configs.recommended,
  tseslint.configs.recommended,
  pluginVue.configs["flat/recommended"],

  {
    files: ["**/*.vue"],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: [".vue"], sourceType: "module" },
    },
  },
  { ignores: ["renderer/**"], languageOptions: { globals: { ...globals.node } } },
  { files: ["renderer/**"], languageOptions: { globals: { ...globals.browser } } },
  {
    languageOptions: { ecmaVersion: "latest", sourceType: "module" },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
      "vue/multi-word-component-names": ["error", { ignores: ["App"] }],
      // Template layout is a formatter's business, not a linter's (as with Prettier).
      "vue/max-attributes-per-line": "off",
      "vue/singleline-html-element-content-newline": "off",
      "vue/html-self-closing": "off",
      "no-restricted-syntax": [
        "error",
        { selector: "MemberExpression[object.name=/^ipc(Main|Renderer)$/]", message: `Only ${IPC_FILES.join(" and ")} use ipcMain / ipcRenderer.` },
      ],
    },
  },
  { files: IPC_FILES, rules: { "no-restricted-syntax": "off" } },

  coreBoundary,
  rendererBoundary,
  preloadBoundary,
]);
