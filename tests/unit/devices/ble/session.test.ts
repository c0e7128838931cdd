import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../../../core/devices/ble/bytes.ts";
import { BleCodecError } from "../../../../core/devices/ble/errors.ts";
import {
  SecureChannel,
  decodeSessionFrame,
  deriveSessionKeys,
  deriveW0W1,
  encodeSessionFrame,
  nonce,
  pakeContext,
  proverFinish,
  proverShare,
  registrationRecord,
  verifierRespond,
  checkConfirmation,
  type SessionFrame,
} from "../../../../core/devices/ble/session.ts";
import { errorCodeOf } from "../../../support/codec-errors.ts";

/**
 * RFC 9383 Appendix C, first vector (P256-SHA256-HKDF-SHA256-HMAC-SHA256), as
 * printed in the RFC (cross-checked against BoringSSL's spake2plus tests).
 */
const RFC = {
  context: "SPAKE2+-P256-SHA256-HKDF-SHA256-HMAC-SHA256 Test Vectors",
  idProver: "client",
  idVerifier: "server",
  w0: "bb8e1bbcf3c48f62c08db243652ae55d3e5586053fca77102994f23ad95491b3",
  w1: "7e945f34d78785b8a3ef44d0df5a1a97d6b3b460409a345ca7830387a74b1dba",
  L: "04eb7c9db3d9a9eb1f8adab81b5794c1f13ae3e225efbe91ea487425854c7fc00f00bfedcbd09b2400142d40a14f2064ef31dfaa903b91d1faea7093d835966efd",
  x: "d1232c8e8693d02368976c174e2088851b8365d0d79a9eee709c6a05a2fad539",
  shareP:
    "04ef3bd051bf78a2234ec0df197f7828060fe9856503579bb1733009042c15c0c1de127727f418b5966afadfdd95a6e4591d171056b333dab97a79c7193e341727",
  y: "717a72348a182085109c8d3917d6c43d59b224dc6a7fc4f0483232fa6516d8b3",
  shareV:
    "04c0f65da0d11927bdf5d560c69e1d7d939a05b0e88291887d679fcadea75810fb5cc1ca7494db39e82ff2f50665255d76173e09986ab46742c798a9a68437b048",
  Z: "04bbfce7dd7f277819c8da21544afb7964705569bdf12fb92aa388059408d5" + "0091a0c5f1d3127f56813b5337f9e4e67e2ca633117a4fbd559946ab474356c41839",
  V: "0458bf27c6bca011c9ce1930e8984a797a3419797b936629a5a937cf2f11c8" + "b9514b82b993da8a46e664f23db7c01edc87faa530db01c2ee405230b18997f16b68",
  TT:
    "38000000000000005350414b45322b2d503235362d5348413235362d484b4" +
    "4462d5348413235362d484d41432d534841323536205465737420566563746f72730" +
    "600000000000000636c69656e7406000000000000007365727665724100000000000" +
    "00004886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12" +
    "f5ff355163e43ce224e0b0e65ff02ac8e5c7be09419c785e0ca547d55a12e2d20410" +
    "000000000000004d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f9" +
    "8baa1292b4907d60aa6bfade45008a636337f5168c64d9bd36034808cd564490b1e6" +
    "56edbe7410000000000000004ef3bd051bf78a2234ec0df197f7828060fe98565035" +
    "79bb1733009042c15c0c1de127727f418b5966afadfdd95a6e4591d171056b333dab" +
    "97a79c7193e341727410000000000000004c0f65da0d11927bdf5d560c69e1d7d939" +
    "a05b0e88291887d679fcadea75810fb5cc1ca7494db39e82ff2f50665255d76173e0" +
    "9986ab46742c798a9a68437b048410000000000000004bbfce7dd7f277819c8da215" +
    "44afb7964705569bdf12fb92aa388059408d50091a0c5f1d3127f56813b5337f9e4e" +
    "67e2ca633117a4fbd559946ab474356c4183941000000000000000458bf27c6bca01" +
    "1c9ce1930e8984a797a3419797b936629a5a937cf2f11c8b9514b82b993da8a46e66" +
    "4f23db7c01edc87faa530db01c2ee405230b18997f16b682000000000000000bb8e1" +
    "bbcf3c48f62c08db243652ae55d3e5586053fca77102994f23ad95491b3",
  K_main: "4c59e1ccf2cfb961aa31bd9434478a1089b56cd11542f53d3576fb6c2a438a29",
  K_confirmP: "871ae3f7b78445e34438fb284504240239031c39d80ac23eb5ab9be5ad6db58a",
  K_confirmV: "ccd53c7c1fa37b64a462b40db8be101cedcf838950162902054e644b400f1680",
  confirmP: "926cc713504b9b4d76c9162ded04b5493e89109f6d89462cd33adc46fda27527",
  confirmV: "9747bcc4f8fe9f63defee53ac9b07876d907d55047e6ff2def2e7529089d3e68",
  K_shared: "0c5f8ccd1413423a54f6c1fb26ff01534a87f893779c6e68666d772bfd91f3e7",
};

const utf8 = (s: string) => new TextEncoder().encode(s);
const big = (h: string) => BigInt(`0x${h}`);
const ctx = { context: utf8(RFC.context), idProver: utf8(RFC.idProver), idVerifier: utf8(RFC.idVerifier) };

/** Deterministic "randomness" for the non-vector tests. */
function counterBytes(seed: number) {
  let s = seed;
  return (n: number) => Uint8Array.from({ length: n }, () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24);
}

const codeOf = errorCodeOf(BleCodecError);

describe("SPAKE2+ against RFC 9383 Appendix C (P256-SHA256-HKDF-SHA256-HMAC-SHA256)", () => {
  it("the transcribed transcript hashes to the RFC's K_main (guards the vector text itself)", async () => {
    const { createHash } = await import("node:crypto");
    expect(createHash("sha256").update(fromHex(RFC.TT)).digest("hex")).toBe(RFC.K_main);
  });

  it("L = w1·P", () => {
    expect(toHex(registrationRecord(big(RFC.w1)))).toBe(RFC.L);
  });

  it("prover and verifier reproduce every value of the vector", () => {
    const w0 = big(RFC.w0);
    const w1 = big(RFC.w1);
    const shareP = proverShare(w0, big(RFC.x));
    expect(toHex(shareP)).toBe(RFC.shareP);

    const v = verifierRespond(ctx, { w0, L: fromHex(RFC.L) }, big(RFC.y), shareP);
    expect(toHex(v.shareV)).toBe(RFC.shareV);
    expect(toHex(v.tt)).toBe(RFC.TT);
    expect(toHex(v.kMain)).toBe(RFC.K_main);
    expect(toHex(v.kConfirmP)).toBe(RFC.K_confirmP);
    expect(toHex(v.kConfirmV)).toBe(RFC.K_confirmV);
    expect(toHex(v.confirmV)).toBe(RFC.confirmV);
    expect(toHex(v.kShared)).toBe(RFC.K_shared);

    const p = proverFinish(ctx, { w0, w1 }, big(RFC.x), shareP, v.shareV, v.confirmV);
    expect(toHex(p.tt)).toBe(RFC.TT);
    expect(toHex(p.confirmP)).toBe(RFC.confirmP);
    expect(toHex(p.kShared)).toBe(RFC.K_shared);
    expect(() => checkConfirmation(v.confirmP, p.confirmP)).not.toThrow();
  });

  it("the transcript embeds the RFC's Z and V", () => {
    expect(RFC.TT).toContain(RFC.Z);
    expect(RFC.TT).toContain(RFC.V);
  });
});

describe("pairing with an activation code", () => {
  const salt = fromHex("4c696e74656c2049512073616c742031"); // "Lintel IQ salt 1"
  const req = encodeSessionFrame({ type: "paramRequest", initiatorRandom: new Uint8Array(32).fill(0xa1) });
  const res = encodeSessionFrame({ type: "paramResponse", responderRandom: new Uint8Array(32).fill(0xb2), iterations: 1000, salt });
  const c = { context: pakeContext(req, res), idProver: new Uint8Array(0), idVerifier: new Uint8Array(0) };

  function pair(lintelCode: string, iqCode: string) {
    const random = counterBytes(7);
    const mine = deriveW0W1(lintelCode, salt, 1000);
    const iq = deriveW0W1(iqCode, salt, 1000);
    const x = BigInt(`0x${toHex(random(32))}`);
    const y = BigInt(`0x${toHex(random(32))}`);
    const shareP = proverShare(mine.w0, x);
    const v = verifierRespond(c, { w0: iq.w0, L: registrationRecord(iq.w1) }, y, shareP);
    return { p: () => proverFinish(c, mine, x, shareP, v.shareV, v.confirmV), v };
  }

  it("the right code gives both sides the same keys", () => {
    const { p, v } = pair("K7Q2-9XPL", "K7Q2-9XPL");
    expect(toHex(p().kShared)).toBe(toHex(v.kShared));
  });

  it("a wrong code fails key confirmation with a typed error", () => {
    const { p } = pair("K7Q2-9XPL", "K7Q2-9XPM");
    expect(codeOf(p)).toBe("ble.session.confirm");
  });

  it("refuses PBKDF parameters outside the spec", () => {
    expect(codeOf(() => deriveW0W1("x", new Uint8Array(8), 1000))).toBe("ble.session.param");
    expect(codeOf(() => deriveW0W1("x", salt, 999))).toBe("ble.session.param");
  });

  it("refuses shares that are not points, or the identity", () => {
    const bad = new Uint8Array(65).fill(0);
    bad[0] = 4;
    expect(codeOf(() => verifierRespond(c, { w0: 1n, L: registrationRecord(2n) }, 3n, bad))).toBe("ble.session.point");
    expect(codeOf(() => verifierRespond(c, { w0: 1n, L: registrationRecord(2n) }, 3n, new Uint8Array(33)))).toBe("ble.session.point");
  });
});

describe("secure channel (AES-128-CCM, counters)", () => {
  const keys = deriveSessionKeys(fromHex(RFC.K_shared));

  it("derives the session keys from K_shared (fixed vector)", () => {
    expect(toHex(keys.i2r)).toMatchInlineSnapshot(`"ef8c2c809ebac6787411521b2ee9dbe1"`);
    expect(toHex(keys.r2i)).toMatchInlineSnapshot(`"7ed06925969c9f0207100c941118bc54"`);
  });

  it("builds the 13-byte nonce from direction and counter", () => {
    expect(toHex(nonce(1, 0x01020304))).toBe("01040302010000000000000000");
  });

  it("seals to a fixed frame and opens it on the other side", () => {
    const lintel = new SecureChannel(keys, "initiator");
    const iq = new SecureChannel(keys, "responder");
    const frame = lintel.seal(fromHex("010100"));
    expect(toHex(frame)).toMatchInlineSnapshot(`"200100000031ee2ab39f63023cabfe2136343bdce96cca11"`);
    expect(toHex(iq.open(frame))).toBe("010100");
    const back = iq.seal(fromHex("8101"));
    expect(toHex(lintel.open(back))).toBe("8101");
  });

  it("rejects replays, reordering, tampering and the wrong direction", () => {
    const lintel = new SecureChannel(keys, "initiator");
    const iq = new SecureChannel(keys, "responder");
    const a = lintel.seal(utf8("one"));
    const b = lintel.seal(utf8("two"));
    expect(new TextDecoder().decode(iq.open(b))).toBe("two");
    expect(codeOf(() => iq.open(a))).toBe("ble.session.replay");
    expect(codeOf(() => iq.open(b))).toBe("ble.session.replay");
    const c = lintel.seal(utf8("three"));
    const tampered = c.slice();
    tampered[6] = (tampered[6] ?? 0) ^ 1;
    expect(codeOf(() => iq.open(tampered))).toBe("ble.session.auth");
    expect(new TextDecoder().decode(iq.open(c))).toBe("three");
    expect(codeOf(() => lintel.open(lintel.seal(utf8("echo"))))).toBe("ble.session.auth");
  });
});

describe("session frames", () => {
  const frames: readonly SessionFrame[] = [
    { type: "paramRequest", initiatorRandom: new Uint8Array(32).fill(1) },
    { type: "paramResponse", responderRandom: new Uint8Array(32).fill(2), iterations: 1000, salt: new Uint8Array(16).fill(3) },
    { type: "pake1", shareP: fromHex(RFC.shareP) },
    { type: "pake2", shareV: fromHex(RFC.shareV), confirmV: fromHex(RFC.confirmV) },
    { type: "pake3", confirmP: fromHex(RFC.confirmP) },
    { type: "pakeResult", status: 1501 },
    { type: "secure", counter: 1, sealed: new Uint8Array(17).fill(9) },
  ];
  it.each(frames.map((f) => [f.type, f] as const))("%s round-trips", (_t, f) => {
    expect(decodeSessionFrame(encodeSessionFrame(f))).toEqual(f);
  });

  it("decodes fixed hex", () => {
    expect(decodeSessionFrame(fromHex("15 dd05"))).toEqual({ type: "pakeResult", status: 1501 });
    expect(toHex(encodeSessionFrame({ type: "paramResponse", responderRandom: new Uint8Array(32), iterations: 1000, salt: new Uint8Array(16) }))).toBe(
      `11${"00".repeat(32)}e803000010${"00".repeat(16)}`,
    );
  });

  it("refuses malformed frames with typed errors", () => {
    expect(codeOf(() => decodeSessionFrame(fromHex("99")))).toBe("ble.session.type");
    expect(codeOf(() => decodeSessionFrame(fromHex("14 00")))).toBe("ble.frame.truncated");
    expect(codeOf(() => decodeSessionFrame(fromHex("15 dd0500")))).toBe("ble.frame.trailing");
    expect(codeOf(() => decodeSessionFrame(fromHex("20 00000000" + "00".repeat(16))))).toBe("ble.frame.field");
  });
});
