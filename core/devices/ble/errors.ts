import { AppError } from "../../errors/app-error.ts";

/**
 * Every way a BLE frame can be refused. Stable strings: the simulator, the noble
 * adapter and the tests match on them, and a firmware log can quote them.
 */
export type BleCodecCode =
  | "ble.frame.truncated"
  | "ble.frame.trailing"
  | "ble.frame.too_large"
  | "ble.frame.field"
  | "ble.frame.utf8"
  | "ble.btp.flags"
  | "ble.btp.handshake"
  | "ble.btp.version"
  | "ble.btp.mtu"
  | "ble.btp.window"
  | "ble.btp.sequence"
  | "ble.btp.ack"
  | "ble.btp.no_begin"
  | "ble.btp.unexpected_begin"
  | "ble.btp.length"
  | "ble.btp.message_size"
  | "ble.cmd.opcode"
  | "ble.cmd.kind"
  | "ble.cmd.device_id"
  | "ble.session.type"
  | "ble.session.point"
  | "ble.session.confirm"
  | "ble.session.param"
  | "ble.session.auth"
  | "ble.session.replay"
  | "ble.session.counter_exhausted";

/**
 * A frame the codecs refuse. Decoders throw nothing else on bad input, so a caller
 * (and the fuzz test) can tell a hostile or garbled peer from a bug in Lintel.
 */
export class BleCodecError extends AppError {
  override readonly name: string = "BleCodecError";
  constructor(
    override readonly code: BleCodecCode,
    message: string,
    details?: unknown,
  ) {
    super(code, message, details);
  }
}

/**
 * Why a link to an IQ failed, as opposed to the IQ refusing a command (that is a
 * KsError with the IQ's KS code). Stable codes the commissioning flow can act on:
 * retry the step (`ble.timeout`), reconnect (`ble.disconnected`), report a bug or a
 * foreign device (`ble.protocol`, with the refused frame's `BleCodecCode` in
 * `details.codec`), or tell the installer about the radio (`ble.unavailable`).
 */
export type BleLinkCode =
  | "ble.timeout"
  | "ble.disconnected"
  | "ble.protocol"
  | "ble.unavailable"
  | "ble.not_found"
  | "ble.aborted";

export class BleLinkError extends AppError {
  override readonly name: string = "BleLinkError";
  constructor(
    override readonly code: BleLinkCode,
    message: string,
    details?: unknown,
  ) {
    super(code, message, details);
  }
}

export function isBleLinkError(e: unknown, code?: BleLinkCode): e is BleLinkError {
  return e instanceof BleLinkError && (code === undefined || e.code === code);
}
