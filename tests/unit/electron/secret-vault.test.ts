import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveNativeBinding } from "../../../electron/main/native-binding.ts";
import { SafeStorageVault, type SafeStorageLike } from "../../../electron/main/secret-vault.ts";

/** Stands in for Electron's safeStorage: a reversible scramble, so the file never holds plain text. */
function fakeSafeStorage(available = true): SafeStorageLike {
  return {
    isEncryptionAvailable: () => available,
    encryptString: (s) => Buffer.from(`enc:${Buffer.from(s, "utf8").toString("hex")}`),
    decryptString: (b) => {
      const text = b.toString("utf8");
      if (!text.startsWith("enc:")) throw new Error("bad ciphertext");
      return Buffer.from(text.slice(4), "hex").toString("utf8");
    },
  };
}

describe("SafeStorageVault", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lintel-vault-"));
    file = join(dir, "nested", "secrets.json");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("stores, reads and deletes secrets, encrypted at rest as base64", async () => {
    const vault = new SafeStorageVault(file, fakeSafeStorage());
    expect(await vault.get("wifi:site-1")).toBeNull();
    await vault.set("wifi:site-1", "s3cret-psk");
    await vault.set("ks:token", "tok");
    expect(await vault.get("wifi:site-1")).toBe("s3cret-psk");
    const raw = readFileSync(file, "utf8");
    expect(raw).not.toContain("s3cret-psk");
    expect(JSON.parse(raw)).toMatchObject({ version: 1, entries: { "wifi:site-1": expect.any(String) } });
    if (process.platform !== "win32") expect(statSync(file).mode & 0o777).toBe(0o600);

    await vault.delete("wifi:site-1");
    expect(await vault.get("wifi:site-1")).toBeNull();
    expect(await new SafeStorageVault(file, fakeSafeStorage()).get("ks:token")).toBe("tok");
  });

  it("serializes concurrent writes", async () => {
    const vault = new SafeStorageVault(file, fakeSafeStorage());
    await Promise.all(Array.from({ length: 20 }, (_, i) => vault.set(`k${i}`, `v${i}`)));
    for (let i = 0; i < 20; i++) expect(await vault.get(`k${i}`)).toBe(`v${i}`);
  });

  it("treats __proto__ as an ordinary key", async () => {
    const vault = new SafeStorageVault(file, fakeSafeStorage());
    await vault.set("__proto__", "x");
    expect(await vault.get("__proto__")).toBe("x");
    expect(await vault.get("toString")).toBeNull();
  });

  it("refuses to store secrets when the OS has no secure storage", async () => {
    const vault = new SafeStorageVault(file, fakeSafeStorage(false));
    await expect(vault.set("a", "b")).rejects.toMatchObject({ code: "vault.unavailable" });
  });

  it("reports a corrupt vault file with a code", async () => {
    await new SafeStorageVault(file, fakeSafeStorage()).set("a", "b");
    writeFileSync(file, "{not json");
    await expect(new SafeStorageVault(file, fakeSafeStorage()).get("a")).rejects.toMatchObject({ code: "vault.corrupt" });
  });
});

describe("resolveNativeBinding", () => {
  it("uses resources/ when packaged and the project folder in development, only if the file exists", () => {
    const where = { isPackaged: true, resourcesPath: "/res", appPath: "/proj" };
    expect(resolveNativeBinding(where, () => true)).toBe(join("/res", "native", "electron", "better_sqlite3.node"));
    expect(resolveNativeBinding({ ...where, isPackaged: false }, () => true)).toBe(join("/proj", "native", "electron", "better_sqlite3.node"));
    expect(resolveNativeBinding(where, () => false)).toBeUndefined();
  });
});
