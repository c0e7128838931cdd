/** The GATT layout of PROTOCOL.md §2, shared by the noble adapter and the simulator. */

export const IQ_SERVICE_UUID = "6c6e7401-4c69-6e74-656c-2d4951000001";
/** Lintel → IQ, Write Without Response. */
export const IQ_RX_UUID = "6c6e7401-4c69-6e74-656c-2d4951000002";
/** IQ → Lintel, Notify. */
export const IQ_TX_UUID = "6c6e7401-4c69-6e74-656c-2d4951000003";

/** The ATT MTU Lintel asks for: one LE Data Length Extension PDU (segment size 244). */
export const PREFERRED_ATT_MTU = 247;

/** noble spells UUIDs in lower case without dashes. */
export function compactUuid(uuid: string): string {
  return uuid.replace(/-/g, "").toLowerCase();
}

/** An IQ advertises `IQ-<serial>` as its Complete Local Name; anything else has no serial. */
export function serialFromLocalName(localName: string): string | null {
  const m = /^IQ-([\x21-\x7e]{1,32})$/.exec(localName);
  return m ? m[1]! : null;
}

export function localNameOf(serial: string): string {
  return `IQ-${serial}`;
}
