/**
 * Where secrets live (Wi-Fi passphrases shared across IQs, cloud tokens): never in a
 * site file. Electron's safeStorage backs it in the app; an encrypted file with an
 * explicit key backs it elsewhere.
 */
export interface SecretVault {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}
