import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileVault, fileVaultFor, VAULT_FILE, VAULT_KEY_FILE } from "../../../core/app/file-vault.ts";
import type { AppError } from "../../../core/errors/index.ts";

const SECRET = "correct horse battery staple";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as AppError).code;
  }
  return "no error";
}

describe("the encrypted-file vault", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lintel-vault-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps, returns and deletes secrets, never in plain text, with a key file only this user can read", async () => {
    const vault = fileVaultFor(dir, {});
    expect(await vault.get("wifi")).toBeNull();
    expect(readdirSync(dir)).toEqual([]); // reading creates nothing
    await vault.set("wifi", SECRET);
    await vault.set("pin", "1234");
    expect(await vault.get("wifi")).toBe(SECRET);
    expect(readdirSync(dir).sort()).toEqual([VAULT_FILE, VAULT_KEY_FILE].sort());
    if (process.platform !== "win32") {
      expect(statSync(join(dir, VAULT_KEY_FILE)).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, VAULT_FILE)).mode & 0o777).toBe(0o600);
    }
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).includes(Buffer.from(SECRET))).toBe(false);
    // A second vault over the same folder (the next process) reads it back.
    expect(await fileVaultFor(dir, {}).get("wifi")).toBe(SECRET);
    await vault.delete("wifi");
    expect(await vault.get("wifi")).toBeNull();
    expect(await vault.get("pin")).toBe("1234");
  });

  it("uses a fresh IV per write, so the same secret twice does not look the same", async () => {
    const vault = fileVaultFor(dir, {});
    await vault.set("a", SECRET);
    await vault.set("b", SECRET);
    const { entries } = JSON.parse(readFileSync(join(dir, VAULT_FILE), "utf8")) as { entries: Record<string, string> };
    expect(entries["a"]).not.toBe(entries["b"]);
  });

  it("binds each ciphertext to its name: moved to another name it does not decrypt", async () => {
    const vault = fileVaultFor(dir, {});
    await vault.set("a", SECRET);
    const file = JSON.parse(readFileSync(join(dir, VAULT_FILE), "utf8")) as { format: string; entries: Record<string, string> };
    file.entries["b"] = file.entries["a"]!;
    writeFileSync(join(dir, VAULT_FILE), JSON.stringify(file));
    expect(await codeOf(fileVaultFor(dir, {}).get("b"))).toBe("vault.unreadable");
  });

  it("takes the key from LINTEL_VAULT_KEY (hex or base64) and refuses a wrong or malformed one", async () => {
    const hex = "11".repeat(32);
    await fileVaultFor(dir, { LINTEL_VAULT_KEY: hex }).set("wifi", SECRET);
    expect(readdirSync(dir)).toEqual([VAULT_FILE]); // no key file when the key is given
    expect(await fileVaultFor(dir, { LINTEL_VAULT_KEY: Buffer.alloc(32, 0x11).toString("base64") }).get("wifi")).toBe(SECRET);
    expect(await codeOf(fileVaultFor(dir, { LINTEL_VAULT_KEY: "22".repeat(32) }).get("wifi"))).toBe("vault.unreadable");
    expect(await codeOf(fileVaultFor(dir, { LINTEL_VAULT_KEY: "too-short" }).get("wifi"))).toBe("vault.bad_key");
    expect(await codeOf(fileVaultFor(dir, {}).get("wifi"))).toBe("vault.unreadable"); // the key file does not exist
  });

  it("refuses a damaged vault file, and serializes concurrent writes without losing one", async () => {
    const vault = new FileVault({ filePath: join(dir, "v.json"), key: { kind: "value", key: "33".repeat(32) } });
    await Promise.all(Array.from({ length: 20 }, (_, i) => vault.set(`k${i}`, `v${i}`)));
    for (let i = 0; i < 20; i++) expect(await vault.get(`k${i}`)).toBe(`v${i}`);
    expect(readdirSync(dir)).toEqual(["v.json"]); // no scratch file left behind
    writeFileSync(join(dir, "v.json"), "{ not json");
    expect(await codeOf(vault.get("k1"))).toBe("vault.corrupt");
  });
});
