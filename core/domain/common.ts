import { z } from "zod";

/** Entity ids are UUIDv7 strings (time-ordered; see core/ports/ids.ts). */
export const Id = z.uuid();
export type Id = z.infer<typeof Id>;

/** A human name: trimmed, non-empty, bounded. */
export const Name = z.string().trim().min(1).max(120);

/** Metres within a floor's frame (shared by all floors, see shared/formats/topology.md). */
export const Metres = z.number().finite().min(0).max(100_000);

/** ISO-8601 instant in UTC, e.g. 2026-11-25T19:08:53.000Z. */
export const Instant = z.iso.datetime();

export const Email = z.email().max(254);
