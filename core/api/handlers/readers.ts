import type { Workspace } from "../../app/workspace.ts";
import { badReader } from "../../devices/hid/reader-service.ts";
import type { TagReaders } from "../../devices/hid/tag-readers.ts";
import { AppError, KsError } from "../../errors/index.ts";
import type { TagLookupRow } from "../../store/tag-lookup.ts";
import type { Output } from "../contract.ts";
import type { TagHolder, TagLookup } from "../features/readers.contract.ts";
import type { EventHub, HandlerModule } from "../router.ts";

/**
 * USB tag readers and the tag lookup over the router (core/devices/hid/READERS.md §4).
 * The reader service's reads and reader changes are forwarded as `readers.read` and
 * `readers.changed`; the window answers a read with `tags.lookup`.
 */
export function readerHandlers(workspace: Workspace, events: EventHub, readers: TagReaders): HandlerModule {
  const { service, simulator } = readers;
  const status = () => ({ availability: readers.availability(), usb: service.portStates().usb ?? null, simulation: simulator !== null });
  const snapshot = (): Output<"readers.list"> => ({ status: status(), readers: service.list(), keyboard: service.keyboardStats() });

  service.subscribe((e) => {
    if (e.type === "changed") {
      events.emit("readers.changed", { change: e.change, readerId: e.readerId, status: status(), readers: service.list() });
    } else if (e.type === "read") {
      const { read } = e;
      events.emit("readers.read", {
        ...(read.siteId === null ? {} : { siteId: read.siteId }),
        readerId: read.readerId,
        tagNumber: read.tagNumber,
        at: new Date(read.atMs).toISOString(),
        via: read.via,
      });
    }
  });

  return {
    "readers.list": async () => {
      await readers.ready();
      return snapshot();
    },

    "readers.keystrokes": async (input) => {
      void readers.ready();
      const result = service.keystrokes(input);
      return { ...result, outcomes: [...result.outcomes] };
    },

    "readers.simulate": async (input) => {
      if (!simulator) throw new AppError("readers.simulation_off", "The simulated reader is switched off in this app.");
      await service.start();
      switch (input.action) {
        case "plug": {
          const reader = simulator.plug({ kind: input.kind, readerId: input.readerId, productName: input.productName });
          if (input.siteId !== undefined) service.bind(reader.readerId, { siteId: input.siteId });
          return { readers: service.list(), presented: null };
        }
        case "unplug":
          if (!simulator.unplug(input.readerId)) throw badReader(input.readerId, "no simulated reader with this id is plugged in");
          return { readers: service.list(), presented: null };
        case "present": {
          const readerId = input.readerId ?? simulator.readers()[0]?.readerId;
          if (readerId === undefined) {
            throw new KsError(1101, { message: "Value of 'readerId' is invalid.", details: { parameterName: "readerId", reason: "no simulated reader is plugged in: plug one first" } });
          }
          const sent = simulator.present(readerId, input.tagNumber.number, { technology: input.technology, terminator: input.terminator, repeats: input.repeats });
          return {
            readers: service.list(),
            presented: { readerId, tagNumber: sent.tagNumber, reports: sent.reports.map((r) => Buffer.from(r).toString("hex")) },
          };
        }
        default:
          return unreachable(input);
      }
    },

    "tags.lookup": (input) => {
      const { number, alternate } = input.tagNumber;
      return lookupResult(number, workspace.get(input.siteId).lookupTag(number, alternate));
    },
  };
}

/** The lookup's answer: the tag's state and who holds it (a user, or a pod guest). */
export function lookupResult(tagNumber: string, row: TagLookupRow | undefined): TagLookup {
  if (!row) return { tagNumber, status: "unregistered", tag: null, holder: null };
  const { tag, user, guest } = row;
  let holder: TagHolder | null = null;
  if (user) holder = { kind: "user", userId: user.id, firstName: user.firstName, lastName: user.lastName, role: user.role, email: user.email };
  else if (guest) holder = { kind: "guest", guestId: guest.id, podId: guest.podId, firstName: guest.firstName, lastName: guest.lastName };
  return { tagNumber: tag.number, status: tag.state, tag, holder };
}

function unreachable(x: never): never {
  throw new AppError("api.unreachable", `unhandled input ${JSON.stringify(x)}`);
}
