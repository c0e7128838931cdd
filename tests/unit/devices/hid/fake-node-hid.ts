import { EventEmitter } from "node:events";
import type { NodeHidDeviceEntry, NodeHidHandle, NodeHidModule } from "../../../../core/devices/hid/node-hid/node-hid-port.ts";

/** An open fake device: `emitReport` plays the reader, `fail` pulls the cable mid-read. */
export class FakeHandle extends EventEmitter implements NodeHidHandle {
  closed = false;
  constructor(readonly path: string) {
    super();
  }
  emitReport(bytes: readonly number[]): void {
    this.emit("data", Buffer.from(bytes));
  }
  fail(message: string): void {
    this.emit("error", new Error(message));
  }
  async close(): Promise<void> {
    this.closed = true;
    this.removeAllListeners();
  }
}

/**
 * A node-hid module in memory: the bus is `devices`, which tests change to plug and
 * unplug; `refuseOpen` makes opening a path fail as Windows does for keyboards.
 */
export class FakeNodeHid implements NodeHidModule {
  devices: NodeHidDeviceEntry[] = [];
  readonly refuseOpen = new Map<string, string>();
  readonly handles = new Map<string, FakeHandle>();
  listings = 0;
  listError: Error | null = null;

  async devicesAsync(): Promise<readonly NodeHidDeviceEntry[]> {
    this.listings++;
    if (this.listError) throw this.listError;
    return this.devices.map((d) => ({ ...d }));
  }

  readonly HIDAsync = {
    open: async (path: string): Promise<NodeHidHandle> => {
      const refusal = this.refuseOpen.get(path);
      if (refusal !== undefined) throw new Error(refusal);
      if (!this.devices.some((d) => d.path === path)) throw new Error(`could not open ${path}`);
      const h = new FakeHandle(path);
      this.handles.set(path, h);
      return h;
    },
  };
}

/** Device entries as hidapi reports them. */
export const SYCREADER: NodeHidDeviceEntry = {
  vendorId: 0xffff,
  productId: 0x0035,
  path: "/dev/hidraw3",
  manufacturer: "Sycreader RFID Technology Co., Ltd",
  product: "SYC ID&IC USB Reader",
  serialNumber: "08FF20140315",
  usagePage: 0x01,
  usage: 0x06,
  interface: 0,
};

export const VENDOR_READER: NodeHidDeviceEntry = {
  vendorId: 0x1209,
  productId: 0x4c54,
  path: "/dev/hidraw5",
  manufacturer: "Lintel",
  product: "Desk reader",
  usagePage: 0xff4c,
  usage: 0x01,
  interface: 0,
};

export const LAPTOP_KEYBOARD: NodeHidDeviceEntry = {
  vendorId: 0x046d,
  productId: 0xc31c,
  path: "/dev/hidraw0",
  manufacturer: "Logitech",
  product: "USB Keyboard",
  usagePage: 0x01,
  usage: 0x06,
  interface: 0,
};

export const MOUSE: NodeHidDeviceEntry = {
  vendorId: 0x046d,
  productId: 0xc077,
  path: "/dev/hidraw1",
  manufacturer: "Logitech",
  product: "USB Optical Mouse",
  usagePage: 0x01,
  usage: 0x02,
  interface: 0,
};
