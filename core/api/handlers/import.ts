import type { Workspace } from "../../app/workspace.ts";
import { AppError } from "../../errors/index.ts";
import type { IdSource } from "../../ports/ids.ts";
import { commitPeople, previewPeople, readPeopleFile, type ImportPhase, type PeopleSource } from "../../people-import/index.ts";
import type { ImportSourceInput } from "../features/import.contract.ts";
import type { CallContext, EventHub, HandlerModule } from "../router.ts";

/** Progress events are for a progress bar: a step this small is not worth a message. */
const PROGRESS_STEP = 0.05;
/** Files smaller than this import faster than a progress bar could show. */
const PROGRESS_MIN_ROWS = 5000;

/**
 * A path is read by this process, so only shells whose person chose it may pass one
 * (Electron's file dialog, the CLI); a browser page sends the bytes it was given.
 */
function sourceOf(input: ImportSourceInput, ctx: CallContext): PeopleSource {
  if (input.kind === "bytes") return { kind: "bytes", bytes: Buffer.from(input.dataBase64, "base64"), name: input.name };
  if (ctx.transport === "browser") {
    throw new AppError("import.path_not_allowed", "The browser cannot hand Lintel a file path: upload the file's contents instead.");
  }
  return { kind: "path", path: input.path };
}

/** Bulk import of people and tags (core/people-import): preview, then commit all or nothing. */
export function importHandlers(ws: Workspace, hub: EventHub, deps: { readonly ids: IdSource }): HandlerModule {
  /** Reports progress for big files, in steps; always ends with `done` once a progress bar was started. */
  const progress = (siteId: string, rows: () => number) => {
    let last: { phase: ImportPhase; fraction: number } | undefined;
    return (phase: ImportPhase, fraction: number) => {
      if (rows() < PROGRESS_MIN_ROWS) return;
      if (last && last.phase === phase && phase !== "done" && fraction - last.fraction < PROGRESS_STEP) return;
      last = { phase, fraction };
      hub.emit("import.progress", { siteId, phase, fraction: Math.min(1, Math.max(0, fraction)) });
    };
  };

  return {
    "import.preview": async ({ siteId, source, format, sheet, delimiter, mapping, previewRows }, ctx) => {
      ws.get(siteId); // an open site, before reading a file for it
      const file = await readPeopleFile({ source: sourceOf(source, ctx), format, sheet, delimiter });
      const onProgress = progress(siteId, () => file.table.approxRows);
      const preview = previewPeople(file, ws.get(siteId), { mapping, previewRows, onProgress });
      onProgress("done", 1);
      return preview;
    },

    "import.commit": async ({ siteId, source, format, sheet, delimiter, mapping }, ctx) => {
      ws.get(siteId);
      const file = await readPeopleFile({ source: sourceOf(source, ctx), format, sheet, delimiter });
      const onProgress = progress(siteId, () => file.table.approxRows);
      onProgress("reading", 1);
      const counts = commitPeople(ws.get(siteId), file, { mapping, ids: deps.ids, actor: ctx.actor, onProgress });
      onProgress("done", 1);
      hub.emit("site.changed", { siteId, action: "people.import" });
      return counts;
    },
  };
}
