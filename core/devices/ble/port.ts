import type { NetworkConfig, Response, WifiNetwork, TreeNode, DeviceRole } from "./commands.ts";

/**
 * The Bluetooth port: what the commissioning flow needs from "a radio that reaches IQs".
 * Two adapters implement it — noble (real hardware, loaded lazily) and the simulated
 * IQs on a simulated GATT link — and both carry the bytes of PROTOCOL.md.
 */

/** Why Bluetooth can or cannot be used right now; shown to the installer in words. */
export type BleAdapterState = "unavailable" | "unauthorized" | "powered-off" | "resetting" | "powered-on";

/** One IQ heard while scanning (from its advertisement: `IQ-<serial>`, RSSI). */
export interface DiscoveredIq {
  /** The adapter's handle for the peripheral (noble's id; the simulator's serial). */
  readonly peripheralId: string;
  readonly localName: string;
  /** Parsed from the local name; null when the name does not follow `IQ-<serial>`. */
  readonly serial: string | null;
  /** dBm, as heard by the laptop. */
  readonly rssi: number;
}

export interface ScanOptions {
  readonly durationMs: number;
  readonly onFound?: (iq: DiscoveredIq) => void;
  readonly signal?: AbortSignal;
}

export interface ConnectOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/**
 * A connected GATT link to one IQ, subscribed to TX: every write and notification is
 * one BTP frame. `mtu` is the negotiated ATT MTU.
 */
export interface GattLink {
  readonly mtu: number;
  write(frame: Uint8Array): Promise<void>;
  onNotify(listener: (frame: Uint8Array) => void): () => void;
  onDisconnect(listener: (reason: string) => void): () => void;
  disconnect(): Promise<void>;
}

export interface BleCentral {
  readonly kind: "noble" | "simulated";
  state(): BleAdapterState;
  onStateChange(listener: (state: BleAdapterState) => void): () => void;
  scan(options: ScanOptions): Promise<readonly DiscoveredIq[]>;
  connect(peripheralId: string, options: ConnectOptions): Promise<GattLink>;
}

export type IqIdentity = Extract<Response, { op: "identify" }>;
export type IqStatus = Extract<Response, { op: "status" }>;
export type TestOpenResult = Extract<Response, { op: "test-open" }>;
export type AttachResult = Extract<Response, { op: "attach" }>;

/**
 * An authenticated, encrypted session with one IQ (BTP + SPAKE2+ + commands). Error
 * replies reject with a KsError carrying the IQ's KS code; link failures reject with
 * a typed AppError.
 */
export interface IqClient {
  identify(): Promise<IqIdentity>;
  setNetwork(config: NetworkConfig): Promise<void>;
  wifiScan(): Promise<readonly WifiNetwork[]>;
  status(): Promise<IqStatus>;
  attach(role: DeviceRole, deviceId: string, parentDeviceId: string | null): Promise<AttachResult>;
  detach(deviceId: string): Promise<void>;
  readTree(): Promise<readonly TreeNode[]>;
  blink(seconds: number): Promise<void>;
  testOpen(deviceId: string): Promise<TestOpenResult>;
  /** Sends the image in chunks, resuming at the offset the IQ already holds. */
  updateFirmware(image: Uint8Array, version: string, onProgress?: (sentBytes: number, totalBytes: number) => void): Promise<void>;
  factoryReset(): Promise<void>;
  close(): Promise<void>;
}
