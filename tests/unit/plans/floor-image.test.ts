import { describe, expect, it } from "vitest";
import type { AppError } from "../../../core/errors/index.ts";
import { decodeFloorImage, sniffImage } from "../../../core/plans/floor-image.ts";

const code = (fn: () => unknown) => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as AppError).code;
  }
};

describe("floor-plan images", () => {
  it("knows PNG and JPEG by their first bytes, nothing else", () => {
    expect(sniffImage(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe("image/png");
    expect(sniffImage(Uint8Array.from([0xff, 0xd8, 0xff, 0xdb]))).toBe("image/jpeg");
    expect(sniffImage(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]))).toBeUndefined(); // cut short
    expect(sniffImage(new TextEncoder().encode("%PDF-1.7"))).toBeUndefined();
    expect(sniffImage(new TextEncoder().encode("GIF89a"))).toBeUndefined();
  });

  it("decodes strict base64 only", () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0]).toString("base64");
    expect(decodeFloorImage(`${jpeg.slice(0, 4)}\n${jpeg.slice(4)}`)).toEqual({ mime: "image/jpeg", bytes: Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]) });
    expect(code(() => decodeFloorImage("/9j/4A=!"))).toBe("floor.image_not_base64");
    expect(code(() => decodeFloorImage("/9j/4"))).toBe("floor.image_not_base64");
    expect(code(() => decodeFloorImage(Buffer.from("hello").toString("base64")))).toBe("floor.image_not_image");
  });
});
