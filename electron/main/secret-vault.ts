import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { AppError } from "../../core/errors/index.ts";
import type { SecretVault } from "../../core/ports/secret-vault.ts";

export type { SecretVault };

/** The part of Electron's `safeStorage` used here; tests pass a fake. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

interface VaultFile {
  readonly version: 1;
  /** key → base64 of safeStorage's ciphertext */
  readonly entries: Record<string, string>;
}

/**
 * A vault encrypted by the OS (Keychain on macOS, DPAPI on Windows, the secret
 * service on Linux) through Electron's `safeStorage`, persisted as a small JSON file
 * in userData. Writes go to a temporary file and are renamed into place, and are
 * serialized, so a crash or two quick writes never leave a half-written vault.
 */
export class SafeStorageVault implements SecretVault {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly filePath: string,
    private readonly safeStorage: SafeStorageLike,
  ) {}

  async get(key: string): Promise<string | null> {
    await this.queue.catch(() => undefined);
    const file = await this.read();
    const stored = Object.hasOwn(file.entries, key) ? file.entries[key] : undefined;
    if (stored === undefined) return null;
    this.assertAvailable();
    try {
      return this.safeStorage.decryptString(Buffer.from(stored, "base64"));
    } catch {
      throw new AppError("vault.unreadable", `The saved secret "${key}" cannot be decrypted on this computer or by this user.`);
    }
  }

  set(key: string, value: string): Promise<void> {
    return this.update((entries) => {
      this.assertAvailable();
      entries[key] = this.safeStorage.encryptString(value).toString("base64");
    });
  }

  delete(key: string): Promise<void> {
    return this.update((entries) => {
      delete entries[key];
    });
  }

  private update(change: (entries: Record<string, string>) => void): Promise<void> {
    const next = this.queue
      .catch(() => undefined)
      .then(async () => {
        const file = await this.read();
        // A prototype-less copy: a key named "__proto__" is just a key.
        const entries = Object.assign(Object.create(null) as Record<string, string>, file.entries);
        change(entries);
        await this.write({ version: 1, entries });
      });
    this.queue = next;
    return next;
  }

  private assertAvailable(): void {
    if (!this.safeStorage.isEncryptionAvailable()) {
      throw new AppError("vault.unavailable", "The operating system's secure storage is not available, so secrets cannot be saved or read.");
    }
  }

  private async read(): Promise<VaultFile> {
    let text: string;
    try {
      text = await readFile(this.filePath, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, entries: {} };
      throw e;
    }
    try {
      const parsed = JSON.parse(text) as Partial<VaultFile>;
      if (parsed.version !== 1 || typeof parsed.entries !== "object" || parsed.entries === null) throw new Error("bad shape");
      const entries: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [k, v] of Object.entries(parsed.entries)) if (typeof v === "string") entries[k] = v;
      return { version: 1, entries };
    } catch {
      throw new AppError("vault.corrupt", `The secret vault at ${this.filePath} is not readable.`);
    }
  }

  private async write(file: VaultFile): Promise<void> {
    await mkdir(dirname(this.filePath), { recursive: true });
    const tmp = `${this.filePath}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(file, null, 2), { encoding: "utf8", mode: 0o600 });
    await chmod(tmp, 0o600).catch(() => undefined); // no-op on Windows
    await rename(tmp, this.filePath);
  }
}
