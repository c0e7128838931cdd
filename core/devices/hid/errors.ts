import { AppError } from "../../errors/app-error.ts";

/**
 * Every way a tag reader's report or a typed tag number can be refused. Stable
 * strings: the node-hid adapter, the simulated reader and the tests match on them.
 */
export type HidCodecCode =
  | "hid.report.length"
  | "hid.keyboard.usage"
  | "hid.keyboard.duplicate"
  | "hid.keyboard.error_mixed"
  | "hid.keyboard.unmappable"
  | "hid.wedge.clock"
  | "hid.wedge.timing"
  | "hid.vendor.report_id"
  | "hid.vendor.length"
  | "hid.vendor.technology"
  | "hid.vendor.uid_length"
  | "hid.vendor.uid"
  | "hid.vendor.checksum"
  | "hid.vendor.padding"
  | "hid.tag.format"
  | "hid.tag.length"
  | "hid.tag.range"
  | "hid.wiegand.bits"
  | "hid.wiegand.parity";

/**
 * A report or tag number the codecs refuse. Decoders throw nothing else on bad
 * input, so a caller (and the fuzz test) can tell a garbled reader from a bug.
 */
export class HidCodecError extends AppError {
  override readonly name: string = "HidCodecError";
  constructor(
    override readonly code: HidCodecCode,
    message: string,
    details?: unknown,
  ) {
    super(code, message, details);
  }
}
