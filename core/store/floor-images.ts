import { createHash } from "node:crypto";
import type { StatementCache } from "./database.ts";

/**
 * Floor-plan image bytes (table `floor_images`, migration 0004), addressed by the UUID
 * that `Floor.plan.imageId` names. Not entities and not journaled: the floor document
 * that points at an image is. Writes happen inside an action (StoreTx.putFloorImage),
 * so an image and the floor that shows it are committed together.
 */

export type FloorImageMime = "image/png" | "image/jpeg";

export interface FloorImage {
  readonly id: string;
  readonly floorId: string;
  readonly mime: FloorImageMime;
  readonly sha256: string;
  readonly bytes: Uint8Array;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function readFloorImage(sql: StatementCache, id: string): FloorImage | undefined {
  const row = sql.get(`SELECT id, floor_id AS floorId, mime, sha256, bytes FROM floor_images WHERE id = ?`).get(id) as FloorImage | undefined;
  return row;
}

/** Stores the bytes for a floor, or finds the same picture already stored for it; returns its id. */
export function putFloorImage(sql: StatementCache, newId: () => string, image: { floorId: string; mime: FloorImageMime; bytes: Uint8Array }): string {
  const sha256 = sha256Hex(image.bytes);
  const existing = sql.get(`SELECT id FROM floor_images WHERE floor_id = ? AND sha256 = ?`).get(image.floorId, sha256) as { id: string } | undefined;
  if (existing) return existing.id;
  const id = newId();
  sql
    .get(`INSERT INTO floor_images (id, floor_id, mime, sha256, bytes) VALUES (?, ?, ?, ?, ?)`)
    .run(id, image.floorId, image.mime, sha256, Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength));
  return id;
}

export function deleteFloorImage(sql: StatementCache, id: string): boolean {
  return sql.get(`DELETE FROM floor_images WHERE id = ?`).run(id).changes > 0;
}
