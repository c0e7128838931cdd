import { z } from "zod";
import { Id, Name } from "./common.ts";
import { Timeframe } from "./schedules.ts";

/** "if _ opened _ in _ via _" (L270-277): people, doors, timing, channel, and a name. */
export const NotificationRule = z.object({
  id: Id,
  name: Name,
  people: z.union([z.literal("anyone"), z.array(Id).min(1)]),
  doors: z.union([z.literal("any"), z.array(Id).min(1)]),
  timing: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("always") }),
    z.object({ kind: z.literal("inside"), timeframe: Timeframe }),
    z.object({ kind: z.literal("outside"), timeframe: Timeframe }),
  ]),
  channels: z.array(z.enum(["app", "email", "sms"])).min(1),
  recipientIds: z.array(Id).min(1),
});
export type NotificationRule = z.infer<typeof NotificationRule>;

/** NOT CLOSED alerts fire after a door stays open this long (L291). */
export const NOT_CLOSED_AFTER_SECONDS = 38;

export const NotClosedAlert = z.object({
  lockId: Id,
  enabled: z.boolean().default(true),
});
export type NotClosedAlert = z.infer<typeof NotClosedAlert>;
