import { describe, expect, it } from "vitest";
import { entityOfResource, fromCloudBody, fromCloudSite, isSynced, RESOURCE_OF, toCloudBody, toCloudSite } from "../../../core/cloud/documents.ts";
import { Lock, Schedule } from "../../../core/domain/index.ts";
import { ENTITY_NAMES } from "../../../core/store/index.ts";

const ID = "019b76da-a800-74f0-81c7-000000000001";
const DOOR = "019b76da-a800-74f0-81c7-000000000002";

describe("documents between Lintel and the KS cloud", () => {
  it("writes snake_case at every depth, the vendor's names for name and link state, and no id", () => {
    const lock = Lock.parse({
      id: ID,
      doorId: DOOR,
      name: "Room 101",
      hardware: { kind: "escutcheon" },
      linkState: "attached_pending",
      officeMode: { mode: "easy", active: false, schedule: { timeframe: { monday: true, tuesday: false, wednesday: false, thursday: false, friday: false, saturday: false, sunday: false, startTime: "08:00:00", endTime: "18:00:00" } } },
    });
    const body = toCloudBody("lock", lock);
    expect(body).toMatchObject({
      door_id: DOOR,
      customer_reference: "Room 101",
      iq_link_state: "attached_pending",
      locked_state: "none",
      office_mode: { mode: "easy", schedule: { auto_open_at_start: false, timeframe: { start_time: "08:00:00", end_time: "18:00:00", start_date: null } } },
    });
    expect(body).not.toHaveProperty("id");
    expect(body).not.toHaveProperty("name");
    expect(body).not.toHaveProperty("link_state");
    // And back, with what the cloud adds on reads ignored.
    expect(fromCloudBody("lock", ID, { ...body, id: "ignored", version: 3, updated_at: "2026-01-01T00:00:00.000Z" })).toEqual({ ok: true, doc: lock });
  });

  it("keeps values as they are (only keys change)", () => {
    const schedule = Schedule.parse({ id: ID, name: "office_hours", timeframes: [{ monday: true, tuesday: true, wednesday: true, thursday: true, friday: true, saturday: false, sunday: false, startTime: "07:00:00", endTime: "19:00:00" }] });
    expect(toCloudBody("schedule", schedule)["name"]).toBe("office_hours");
    expect(fromCloudBody("schedule", ID, toCloudBody("schedule", schedule))).toEqual({ ok: true, doc: schedule });
  });

  it("refuses a body Lintel cannot hold, keeping it raw for the person to see", () => {
    const r = fromCloudBody("door", ID, { floor_id: "not-an-id", name: "", x: 1, y: 2 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["floorId", "name"]));
      expect(r.raw).toMatchObject({ id: ID, floorId: "not-an-id" });
    }
    expect(fromCloudBody("door", ID, null).ok).toBe(false);
    expect(fromCloudBody("door", ID, [1, 2]).ok).toBe(false);
  });

  it("maps the site document both ways, the subscription coming from the cloud", () => {
    const site = { id: ID, name: "Hotel", address: "", timezone: "Europe/Brussels", stage: "planning", subscription: null, createdAt: "2026-01-01T00:00:00.000Z" };
    expect(toCloudSite(site)).toEqual({ name: "Hotel", address: "", timezone: "Europe/Brussels", stage: "planning", created_at: "2026-01-01T00:00:00.000Z" });
    const back = fromCloudSite(ID, { ...toCloudSite(site), id: ID, subscription: { id: "s", plan: "KS Pro", valid_until: "2027-01-01T00:00:00.000Z" }, version: 2, owner: {} });
    expect(back).toEqual({ ok: true, doc: { ...site, subscription: { plan: "KS Pro", validUntil: "2027-01-01T00:00:00.000Z" } } });
  });

  it("knows which entities the cloud keeps and by which collection", () => {
    expect(Object.values(RESOURCE_OF).sort()).toEqual(["access-groups", "doors", "floors", "iqs", "locks", "pod-guests", "pods", "repeaters", "schedules", "tags", "users"]);
    for (const [entity, resource] of Object.entries(RESOURCE_OF)) expect(entityOfResource(resource!)).toBe(entity);
    expect(entityOfResource("site")).toBe("site");
    expect(entityOfResource("iq-trees")).toBeUndefined();
    expect(ENTITY_NAMES.filter((e) => !isSynced(e))).toEqual(expect.arrayContaining(["plan", "iqSite"]));
    expect(isSynced("site")).toBe(true);
  });
});
