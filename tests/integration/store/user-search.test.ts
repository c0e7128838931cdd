import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../../core/ports/ids.ts";
import { SiteStore } from "../../../core/store/index.ts";
import { exactDeps, makeTempDir } from "./site-fixtures.ts";

const FIRST = ["Ana", "Émile", "Jonas", "Lena", "Marc", "Noor", "Olga", "Pieter", "Sofía", "Tomás", "Yusuf", "Zoë", "Joris", "Johanna", "Annelies"];
const LAST = ["Lambert", "Verhoeven", "Peeters", "Janssens", "De Smet", "Özdemir", "Dubois", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "De Vos"];
const USERS = 100_000;

describe("user search", () => {
  const temp = makeTempDir();
  let store: SiteStore;

  beforeAll(() => {
    const path = join(temp.dir, "big.lintel");
    store = SiteStore.create(path, { name: "Campus" }, exactDeps());
    const random = seededRandom(11);
    const started = performance.now();
    store.act({ name: "users.import" }, (tx) => {
      tx.insert("user", { firstName: "Émile", lastName: "Zola", email: "emile.zola@example.org" });
      tx.insert("user", { firstName: "Ana", lastName: "López", email: "a.lopez@example.com" });
      tx.insert("user", { firstName: "Ana", lastName: "Lopes", email: null });
      for (let i = 3; i < USERS; i++) {
        const r = random();
        const first = FIRST[r[0]! % FIRST.length]!;
        const last = LAST[r[1]! % LAST.length]!;
        tx.insert("user", { firstName: first, lastName: `${last} ${i}`, email: `u${i}@example.net` });
      }
    });
    console.log(`user search: imported ${USERS} users in one action in ${Math.round(performance.now() - started)} ms`);
    store.close();
    store = SiteStore.open(path, exactDeps());
  }, 60_000);

  afterAll(() => {
    store.close();
    temp.remove();
  });

  it("finds by prefix of first name, last name or e-mail, ignoring case and accents", () => {
    expect(store.searchUsers({ query: "zola" }).items.map((u) => u.email)).toEqual(["emile.zola@example.org"]);
    expect(store.searchUsers({ query: "EMILE.Z" }).total).toBe(1);
    expect(store.searchUsers({ query: "a.lop" }).items.map((u) => u.lastName)).toEqual(["López"]);
    expect(store.searchUsers({ query: "ana lop" }).items.map((u) => u.lastName)).toEqual(["Lopes", "López"]);
    expect(store.searchUsers({ query: "zzz" })).toEqual({ total: 0, items: [] });
  });

  it("pages a large result in a stable order and reports the total", () => {
    const all = store.searchUsers({ query: "jo", limit: 500 });
    expect(all.total).toBeGreaterThan(10_000);
    const page1 = store.searchUsers({ query: "jo", limit: 20, offset: 0 });
    const page2 = store.searchUsers({ query: "jo", limit: 20, offset: 20 });
    expect(page1.total).toBe(all.total);
    expect([...page1.items, ...page2.items]).toEqual(all.items.slice(0, 40));
    const keys = all.items.map((u) => `${u.lastName}\u0000${u.firstName}`);
    expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(store.searchUsers({ query: "", limit: 5 }).total).toBe(USERS);
  });

  it("stays fast with 100,000 users", () => {
    const queries = ["a", "jo", "de s", "ozd", "u4242", "emile", "zoe wil", "u9", ""];
    const times: Record<string, number> = {};
    for (const query of queries) {
      const started = performance.now();
      for (let i = 0; i < 5; i++) store.searchUsers({ query, limit: 50, offset: 100 });
      times[query] = (performance.now() - started) / 5;
    }
    console.log("user search ms per query:", Object.fromEntries(Object.entries(times).map(([q, ms]) => [q, Number(ms.toFixed(2))])));
    expect(times["u4242"]!).toBeLessThan(20);
    expect(times["emile"]!).toBeLessThan(100);
    expect(Math.max(...Object.values(times))).toBeLessThan(400);
  });
});
