/** The noble adapter against an injected fake noble, and against the real require on this machine. */
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { encodeHandshakeResponse } from "../../../../core/devices/ble/btp.ts";
import { openIqSession } from "../../../../core/devices/ble/client.ts";
import { IQ_SERVICE_UUID, compactUuid, IQ_RX_UUID, IQ_TX_UUID } from "../../../../core/devices/ble/gatt.ts";
import {
  createNobleCentral,
  mapNobleState,
  type NobleCharacteristicLike,
  type NobleLike,
  type NoblePeripheralLike,
} from "../../../../core/devices/ble/noble/central.ts";
import { VirtualScheduler } from "../../../../core/ports/scheduler.ts";

class FakeCharacteristic extends EventEmitter implements NobleCharacteristicLike {
  readonly written: Buffer[] = [];
  subscribed = false;
  onWrite: (data: Buffer) => void = () => undefined;
  constructor(readonly uuid: string) {
    super();
  }
  async writeAsync(data: Buffer, withoutResponse: boolean): Promise<void> {
    if (!withoutResponse) throw new Error("the IQ's RX takes Write Without Response only");
    this.written.push(data);
    this.onWrite(data);
  }
  async subscribeAsync(): Promise<void> {
    this.subscribed = true;
  }
}

class FakePeripheral extends EventEmitter implements NoblePeripheralLike {
  mtu: number | null = null;
  connectCalls = 0;
  cancels = 0;
  connectAt: number[] = [];
  /** Attempts that hang (never resolve) before one succeeds. */
  hangs = 0;
  offersService = true;
  readonly rx = new FakeCharacteristic(compactUuid(IQ_RX_UUID));
  readonly tx = new FakeCharacteristic(compactUuid(IQ_TX_UUID));
  constructor(
    readonly id: string,
    readonly rssi: number,
    readonly advertisement: { readonly localName?: string; readonly serviceUuids?: readonly string[] },
    private readonly clock: () => number,
  ) {
    super();
  }
  connectAsync(): Promise<void> {
    this.connectCalls++;
    this.connectAt.push(this.clock());
    if (this.hangs-- > 0) return new Promise(() => undefined);
    this.mtu = 185;
    return Promise.resolve();
  }
  async disconnectAsync(): Promise<void> {
    this.emit("disconnect", "local");
  }
  cancelConnect(): void {
    this.cancels++;
  }
  async discoverSomeServicesAndCharacteristicsAsync(): Promise<{ readonly characteristics: readonly NobleCharacteristicLike[] }> {
    return { characteristics: this.offersService ? [this.rx, this.tx] : [] };
  }
}

class FakeNoble extends EventEmitter implements NobleLike {
  scanning: { uuids: string[]; dups: boolean } | null = null;
  stops = 0;
  constructor(public state: string) {
    super();
  }
  setState(s: string): void {
    this.state = s;
    this.emit("stateChange", s);
  }
  async startScanningAsync(serviceUuids: string[], allowDuplicates: boolean): Promise<void> {
    if (this.state !== "poweredOn") throw new Error(`state is ${this.state}`);
    this.scanning = { uuids: serviceUuids, dups: allowDuplicates };
  }
  async stopScanningAsync(): Promise<void> {
    this.scanning = null;
    this.stops++;
  }
}

function rig(state = "poweredOn") {
  const s = new VirtualScheduler();
  const noble = new FakeNoble(state);
  let loads = 0;
  const central = createNobleCentral({
    scheduler: s,
    load: () => {
      loads++;
      return noble;
    },
  });
  const iq = new FakePeripheral("p-iq", -61, { localName: "IQ-SN24A0001", serviceUuids: [compactUuid(IQ_SERVICE_UUID)] }, () => s.now());
  return { s, noble, central, iq, loads: () => loads };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => "resolved",
    (e: unknown) => e,
  );
}

describe("noble adapter", () => {
  it("maps noble's states to the port's", () => {
    expect(["poweredOn", "poweredOff", "unauthorized", "unsupported", "resetting", "unknown", "someday"].map(mapNobleState)).toEqual([
      "powered-on",
      "powered-off",
      "unauthorized",
      "unavailable",
      "resetting",
      "resetting",
      "unavailable",
    ]);
  });

  it("loads noble lazily, once, and reports state changes", () => {
    const { central, noble, loads } = rig("poweredOff");
    expect(loads()).toBe(0);
    const seen: string[] = [];
    central.onStateChange((st) => seen.push(st));
    expect(central.state()).toBe("powered-off");
    noble.setState("poweredOn");
    noble.setState("unauthorized");
    expect(seen).toEqual(["powered-on", "unauthorized"]);
    expect(central.state()).toBe("unauthorized");
    expect(loads()).toBe(1);
  });

  it("with no adapter here the real require throws, and the central says 'unavailable' instead of crashing", async () => {
    let raw: unknown = null;
    try {
      createRequire(import.meta.url)("@abandonware/noble");
    } catch (e) {
      raw = e;
    }
    const central = createNobleCentral({ scheduler: new VirtualScheduler() });
    if (raw === null) {
      // A machine with a Bluetooth adapter: noble loads and reports a real state.
      expect(["unavailable", "unauthorized", "powered-off", "resetting", "powered-on"]).toContain(central.state());
      return;
    }
    expect((raw as { code?: string }).code).toBe("EAFNOSUPPORT");
    expect(central.state()).toBe("unavailable");
    expect(central.unavailableReason()).toMatch(/EAFNOSUPPORT/);
    expect(await rejection(central.scan({ durationMs: 100 }))).toMatchObject({ code: "ble.unavailable", details: { state: "unavailable" } });
    expect(await rejection(central.connect("x", { timeoutMs: 100 }))).toMatchObject({ code: "ble.unavailable" });
  });

  it("a loader that throws anything is 'unavailable' with the reason", () => {
    const central = createNobleCentral({
      load: () => {
        throw Object.assign(new Error("no HCI socket"), { code: "EPERM" });
      },
    });
    expect(central.state()).toBe("unavailable");
    expect(central.unavailableReason()).toBe("EPERM: no HCI socket");
  });

  it("scans for the service with duplicates (RSSI updates), keeps IQs only, sorted by RSSI", async () => {
    const { s, noble, central, iq } = rig();
    const other = new FakePeripheral("p-other", -40, { localName: "Headphones", serviceUuids: ["180d"] }, () => s.now());
    const near = new FakePeripheral("p-near", -48, { localName: "IQ-SN24A0002", serviceUuids: [IQ_SERVICE_UUID] }, () => s.now());
    const odd = new FakePeripheral("p-odd", -80, { localName: "IQ-" }, () => s.now());
    const updates: number[] = [];
    const found = await s.run(async () => {
      const p = central.scan({ durationMs: 2000, onFound: (d) => updates.push(d.rssi) });
      await s.sleep(10);
      expect(noble.scanning).toEqual({ uuids: [compactUuid(IQ_SERVICE_UUID)], dups: true });
      for (const x of [iq, other, near, odd, iq]) noble.emit("discover", x);
      return p;
    });
    expect(found).toEqual([
      { peripheralId: "p-near", localName: "IQ-SN24A0002", serial: "SN24A0002", rssi: -48 },
      { peripheralId: "p-iq", localName: "IQ-SN24A0001", serial: "SN24A0001", rssi: -61 },
      { peripheralId: "p-odd", localName: "IQ-", serial: null, rssi: -80 },
    ]);
    expect(updates).toEqual([-61, -48, -80]); // the repeated sighting with the same RSSI is not news
    expect(noble.scanning).toBeNull();
    expect(noble.stops).toBe(1);
  });

  it("waits for an adapter that is still coming up; refuses one that is off", async () => {
    const { s, noble, central } = rig("unknown");
    s.setTimer(500, () => noble.setState("poweredOn"));
    expect(await s.run(central.scan({ durationMs: 100 }))).toEqual([]);
    noble.setState("poweredOff");
    expect(await s.run(rejection(central.scan({ durationMs: 100 })))).toMatchObject({ code: "ble.unavailable", details: { state: "powered-off" } });
  });

  it("connects with a timeout per attempt and doubling back-off, cancelling each hung attempt", async () => {
    const { s, noble, central, iq } = rig();
    iq.hangs = 2;
    const link = await s.run(async () => {
      const p = central.scan({ durationMs: 100 });
      await s.sleep(1);
      noble.emit("discover", iq);
      await p;
      return central.connect("p-iq", { timeoutMs: 1000 });
    });
    expect(iq.connectCalls).toBe(3);
    expect(iq.cancels).toBe(2);
    const starts = iq.connectAt.map((t) => t - iq.connectAt[0]!);
    expect(starts).toEqual([0, 1000 + 500, 1500 + 1000 + 1000]);
    expect(link.mtu).toBe(185);
    expect(iq.tx.subscribed).toBe(true);
  });

  it("gives up after the attempts with ble.timeout; a device without the service is ble.protocol; unknown ids are ble.not_found", async () => {
    const { s, noble, central, iq } = rig();
    await s.run(async () => {
      const p = central.scan({ durationMs: 100 });
      await s.sleep(1);
      noble.emit("discover", iq);
      await p;
    });
    iq.hangs = 3;
    expect(await s.run(rejection(central.connect("p-iq", { timeoutMs: 200 })))).toMatchObject({ code: "ble.timeout" });
    iq.offersService = false;
    expect(await s.run(rejection(central.connect("p-iq", { timeoutMs: 200 })))).toMatchObject({ code: "ble.protocol" });
    expect(await s.run(rejection(central.connect("p-nope", { timeoutMs: 200 })))).toMatchObject({ code: "ble.not_found" });
  });

  it("writes frames without response, passes notifications up, and a disconnect mid-step is ble.disconnected", async () => {
    const { s, noble, central, iq } = rig();
    // The fake IQ answers the handshake, then walks out of range on the next write.
    iq.rx.onWrite = (data) => {
      if (data[0] === 0x65) s.setTimer(20, () => iq.tx.emit("data", Buffer.from(encodeHandshakeResponse({ version: 1, segmentSize: 182, windowSize: 8 })), true));
      else s.setTimer(20, () => iq.emit("disconnect", "connection timeout"));
    };
    const e = await s.run(async () => {
      const p = central.scan({ durationMs: 100 });
      await s.sleep(1);
      noble.emit("discover", iq);
      await p;
      const link = await central.connect("p-iq", { timeoutMs: 1000 });
      const err = await rejection(openIqSession(link, "K7QF-29XM", { scheduler: s }));
      return { err, afterwards: await rejection(link.write(Uint8Array.of(1))) };
    });
    expect(iq.rx.written[0]!.toString("hex")).toBe("656c01000000b90010"); // version 1, MTU 185, window 16
    expect(e.err).toMatchObject({ code: "ble.disconnected", details: { reason: "connection timeout" } });
    expect(e.afterwards).toMatchObject({ code: "ble.disconnected" });
  });
});
