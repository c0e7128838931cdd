import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { AppError } from "../errors/index.ts";
import type { SecretVault } from "../ports/secret-vault.ts";

/**
 * Where the vault's 256-bit key comes from: given outright (LINTEL_VAULT_KEY, 64 hex
 * characters or base64 of 32 bytes), or a key file readable only by this user,
 * created on the first secret saved.
 */
export type VaultKeySource = { readonly kind: "value"; readonly key: string } | { readonly kind: "file"; readonly path: string };

export interface FileVaultOptions {
  readonly filePath: string;
  readonly key: VaultKeySource;
  /** IVs and new keys; Node's crypto unless a test seeds it. */
  readonly random?: (size: number) => Uint8Array;
}

interface VaultFile {
  readonly format: "lintel-vault/1";
  /** name → base64(iv ‖ ciphertext ‖ tag) */
  readonly entries: Record<string, string>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export const VAULT_FILE = "secrets.vault.json";
export const VAULT_KEY_FILE = "vault.key";

/**
 * The secret vault outside Electron (the CLI and `lintel serve`): AES-256-GCM per
 * entry with a fresh IV, the entry's name as associated data (a ciphertext moved to
 * another name does not decrypt), in one JSON file written to a scratch name and
 * renamed into place, writes serialized, so a crash never leaves half a vault.
 */
export class FileVault implements SecretVault {
  private queue: Promise<unknown> = Promise.resolve();
  private key: Buffer | undefined;
  private readonly random: (size: number) => Uint8Array;

  constructor(private readonly options: FileVaultOptions) {
    this.random = options.random ?? ((n) => randomBytes(n));
  }

  async get(name: string): Promise<string | null> {
    await this.queue.catch(() => undefined);
    const file = await this.read();
    const sealed = Object.hasOwn(file.entries, name) ? file.entries[name] : undefined;
    if (sealed === undefined) return null;
    const key = await this.loadKey(false);
    if (!key) throw new AppError("vault.unreadable", `The vault's key is missing, so the saved secret "${name}" cannot be read.`);
    return open(key, name, Buffer.from(sealed, "base64"));
  }

  set(name: string, value: string): Promise<void> {
    return this.update(async (entries) => {
      const key = (await this.loadKey(true))!;
      entries[name] = seal(key, name, value, this.random(IV_BYTES)).toString("base64");
    });
  }

  delete(name: string): Promise<void> {
    return this.update(async (entries) => {
      delete entries[name];
    });
  }

  private update(change: (entries: Record<string, string>) => Promise<void>): Promise<void> {
    const next = this.queue
      .catch(() => undefined)
      .then(async () => {
        const file = await this.read();
        // Prototype-less: an entry named "__proto__" is just an entry.
        const entries = Object.assign(Object.create(null) as Record<string, string>, file.entries);
        await change(entries);
        await writeAtomically(this.options.filePath, JSON.stringify({ format: "lintel-vault/1", entries } satisfies VaultFile, null, 2));
      });
    this.queue = next;
    return next;
  }

  private async loadKey(create: boolean): Promise<Buffer | undefined> {
    if (this.key) return this.key;
    const source = this.options.key;
    if (source.kind === "value") {
      this.key = parseKey(source.key, "LINTEL_VAULT_KEY");
      return this.key;
    }
    try {
      this.key = parseKey((await readFile(source.path, "utf8")).trim(), source.path);
      return this.key;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    if (!create) return undefined;
    const fresh = Buffer.from(this.random(KEY_BYTES));
    await mkdir(dirname(source.path), { recursive: true });
    try {
      // `wx`: never overwrite a key another process made first (that would orphan its secrets).
      await writeFile(source.path, fresh.toString("base64") + "\n", { encoding: "utf8", mode: 0o600, flag: "wx" });
      await chmod(source.path, 0o600).catch(() => undefined);
      this.key = fresh;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      this.key = parseKey((await readFile(source.path, "utf8")).trim(), source.path);
    }
    return this.key;
  }

  private async read(): Promise<VaultFile> {
    let text: string;
    try {
      text = await readFile(this.options.filePath, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { format: "lintel-vault/1", entries: {} };
      throw e;
    }
    try {
      const parsed = JSON.parse(text) as Partial<VaultFile>;
      if (parsed.format !== "lintel-vault/1" || typeof parsed.entries !== "object" || parsed.entries === null) throw new Error("bad shape");
      const entries = Object.create(null) as Record<string, string>;
      for (const [k, v] of Object.entries(parsed.entries)) if (typeof v === "string") entries[k] = v;
      return { format: "lintel-vault/1", entries };
    } catch {
      throw new AppError("vault.corrupt", `The secret vault at ${this.options.filePath} is not readable.`);
    }
  }
}

/** The vault for a data folder: LINTEL_VAULT_KEY when set, else a key file next to the vault. */
export function fileVaultFor(dataDir: string, env: Readonly<Record<string, string | undefined>>): FileVault {
  const given = env["LINTEL_VAULT_KEY"];
  return new FileVault({
    filePath: join(dataDir, VAULT_FILE),
    key: given !== undefined && given !== "" ? { kind: "value", key: given } : { kind: "file", path: join(dataDir, VAULT_KEY_FILE) },
  });
}

function parseKey(text: string, where: string): Buffer {
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (bytes.length !== KEY_BYTES || (!/^[0-9a-fA-F]{64}$/.test(text) && bytes.toString("base64") !== text)) {
    throw new AppError("vault.bad_key", `The vault key from ${where} is not 32 bytes (64 hex characters or base64).`);
  }
  return bytes;
}

function seal(key: Buffer, name: string, value: string, iv: Uint8Array): Buffer {
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(name, "utf8"));
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function open(key: Buffer, name: string, sealed: Buffer): string {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new AppError("vault.unreadable", `The saved secret "${name}" is damaged.`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(name, "utf8"));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    throw new AppError("vault.unreadable", `The saved secret "${name}" cannot be decrypted with this vault key.`);
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { encoding: "utf8", mode: 0o600 });
  await chmod(tmp, 0o600).catch(() => undefined); // no-op on Windows
  await rename(tmp, path);
}
