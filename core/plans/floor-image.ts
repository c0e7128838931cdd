import { AppError } from "../errors/index.ts";
import type { FloorImageMime } from "../store/index.ts";

/**
 * Floor-plan images as the installer uploads them (base64 over the API). Only PNG
 * and JPEG are kept, recognised by their first bytes rather than by the name or the
 * declared type: a renamed PDF or text file is refused, and a JPEG saved as `.png`
 * is stored as the JPEG it is.
 */

export const MAX_FLOOR_IMAGE_BYTES = 20 * 1024 * 1024;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff] as const;

const startsWith = (bytes: Uint8Array, sig: readonly number[]): boolean => bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b);

/** The image type the bytes really are, or undefined. */
export function sniffImage(bytes: Uint8Array): FloorImageMime | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return "image/png";
  if (startsWith(bytes, JPEG_SIGNATURE)) return "image/jpeg";
  return undefined;
}

/** Decodes and checks an uploaded image: strict base64, at most 20 MB, PNG or JPEG by content. */
export function decodeFloorImage(dataBase64: string): { readonly mime: FloorImageMime; readonly bytes: Uint8Array } {
  const compact = dataBase64.replace(/\s+/g, "");
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new AppError("floor.image_not_base64", "The image did not arrive intact (its data is not base64). Try uploading it again.");
  }
  const bytes = new Uint8Array(Buffer.from(compact, "base64"));
  if (bytes.length > MAX_FLOOR_IMAGE_BYTES) {
    throw new AppError("floor.image_too_large", `The image is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; a floor plan may be at most 20 MB. Export it at a lower resolution.`, {
      bytes: bytes.length,
      maxBytes: MAX_FLOOR_IMAGE_BYTES,
    });
  }
  const mime = sniffImage(bytes);
  if (!mime) {
    throw new AppError("floor.image_not_image", "This file is not a PNG or JPEG image. Export the floor plan as PNG or JPEG (a PDF or drawing must be converted first).", {
      firstBytes: Buffer.from(bytes.subarray(0, 8)).toString("hex"),
    });
  }
  return { mime, bytes };
}
