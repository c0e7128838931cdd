import { existsSync } from "node:fs";
import type { Workspace } from "../../app/workspace.ts";
import type { SiteStore } from "../../store/site-store.ts";
import type { SiteSummary } from "../contract.ts";
import type { EventHub, HandlerModule } from "../router.ts";

export function summaryOf(store: SiteStore): SiteSummary {
  const site = store.site();
  return { siteId: site.id, path: store.path, name: site.name, address: site.address, stage: site.stage, counts: store.counts() };
}

/** Site files: create, open, the demo, close, back up, and the recent list. */
export function siteHandlers(ws: Workspace, hub: EventHub): HandlerModule {
  const opened = (store: SiteStore): SiteSummary => {
    hub.emit("sites.changed", {});
    return summaryOf(store);
  };
  return {
    "sites.list": () =>
      ws.recent.list().map((r) => ({ ...r, exists: existsSync(r.path), open: ws.isOpen(r.path) })),
    "sites.create": (input, ctx) => opened(ws.create(input, ctx.actor)),
    "sites.open": ({ path }, ctx) => opened(ws.openFile(path, ctx.actor)),
    "sites.openDemo": (_input, ctx) => opened(ws.openDemo(ctx.actor)),
    "sites.close": ({ siteId }) => {
      const closed = ws.close(siteId);
      if (closed) hub.emit("sites.changed", {});
      return { closed };
    },
    "sites.backup": async ({ siteId, to }) => {
      const store = ws.get(siteId);
      const path = to ?? ws.backupPathFor(store);
      await store.backup(path);
      return { path, bytes: ws.fileSize(path) };
    },
    "sites.forget": ({ path }) => {
      const forgotten = ws.recent.forget(path);
      if (forgotten) hub.emit("sites.changed", {});
      return { forgotten };
    },
  };
}
