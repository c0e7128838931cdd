import type { LockKind } from "../domain/index.ts";
import type { MeshPlan } from "../topology/format.ts";

/**
 * The bill of materials of a plan: what a dealer orders. IQs and repeaters come from
 * the plan; locks from the plan's doors and each door's lock kind in the site. A wall
 * reader drives its opening through a KS Controller, so each one adds a controller.
 */

export interface BomRow {
  readonly item: string;
  readonly kind: string;
  readonly quantity: number;
}

/** Lock rows in the order a dealer's price list has them. */
const LOCK_ROWS: readonly { readonly kind: LockKind; readonly item: string }[] = [
  { kind: "escutcheon", item: "Escutcheon lock" },
  { kind: "cylinder", item: "Cylinder lock" },
  { kind: "wall-reader", item: "Wall reader" },
  { kind: "locker", item: "Locker lock" },
];

/**
 * Rows of the bill: IQs and repeaters always (even at zero, so a dealer sees the
 * plan needs none), lock kinds only when the plan has some. Doors the plan names but
 * the site no longer has are left out: nobody orders a lock for a door that is gone.
 */
export function bomRows(plan: MeshPlan, doorKinds: ReadonlyMap<string, LockKind>): BomRow[] {
  const locks = new Map<LockKind, number>();
  const seen = new Set<string>();
  for (const l of plan.locks) {
    const kind = doorKinds.get(l.door);
    if (kind === undefined || seen.has(l.door)) continue;
    seen.add(l.door);
    locks.set(kind, (locks.get(kind) ?? 0) + 1);
  }
  const rows: BomRow[] = [
    { item: "IQ", kind: "iq", quantity: plan.iqs.length },
    { item: "Repeater", kind: "repeater", quantity: plan.repeaters.length },
  ];
  for (const { kind, item } of LOCK_ROWS) {
    const n = locks.get(kind) ?? 0;
    if (n === 0) continue;
    rows.push({ item, kind, quantity: n });
    if (kind === "wall-reader") rows.push({ item: "KS Controller", kind: "controller", quantity: n });
  }
  return rows;
}

/** RFC 4180 quoting: a field with a comma, quote or line break is quoted, quotes doubled. */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rows as CSV with the header `item,kind,quantity`, CRLF line ends (RFC 4180, as spreadsheets expect). */
export function bomCsv(rows: readonly BomRow[]): string {
  const lines = ["item,kind,quantity", ...rows.map((r) => [r.item, r.kind, r.quantity].map(csvField).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}
