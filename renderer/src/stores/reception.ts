import { defineStore } from "pinia";
import { computed, ref, shallowRef, watch } from "vue";
import type { Input, Output } from "../../../core/api/contract.ts";
import type { Reader, TagLookup } from "../../../core/api/features/readers.contract.ts";
import type { ReaderCandidate, UserDetail } from "../../../core/api/features/reception.contract.ts";
import type { AccessGroup, LockPermissions, Role, Tag, TagPresentation, User, WaysOfOpening } from "../../../core/domain/index.ts";
import { call, on } from "../api/client.ts";
import { useNoticesStore } from "./notices.ts";
import { refusalOf, type Refusal } from "./pods.ts";
import { useSiteStore } from "./site.ts";

/**
 * The reception desk (issue 5, seed L102-119): the site's Tag reader, one tag after
 * another, whose it is, and assigning it to a new or existing person. A read from the
 * reader is answered with `tags.lookup` (the path `npm run bench -- tags` times); a tag
 * new to the site is then registered with `enrollment.present`.
 */

/** The reader id the core gives keystrokes captured in this window without a reader of their own (reader-service.ts). */
export const KEYBOARD_READER_ID = "keyboard";

/** A read of the tag already on screen within this long is the same tag still lying on the reader. */
const SAME_TAG_MS = 2500;

export type ReadersSnapshot = Output<"readers.list">;
export type ReaderCandidates = Output<"enrollment.readers">;
export type KeystrokeOutcome = Output<"readers.keystrokes">["outcomes"][number];

/** The reader chosen as the site's Tag reader, as the screen needs it. */
export type ChosenReader =
  | { readonly kind: "none" }
  | { readonly kind: "usb"; readonly readerId: string; readonly label: string; readonly live: Reader | null; readonly keystrokes: boolean }
  | { readonly kind: "keyboard"; readonly label: string }
  | { readonly kind: "lock"; readonly lockId: string; readonly candidate: ReaderCandidate | null };

/** A tag on the desk: what the lookup said, and what has been done with it since. */
export interface TagOnDesk {
  readonly seq: number;
  /** The number as read or typed. */
  readonly raw: string;
  readonly source: "reader" | "typed";
  readonly via: TagPresentation;
  readonly lookup: TagLookup;
  /** True when this presentation registered the tag with the site. */
  readonly registered: boolean;
  /** Milliseconds from the reader's report (or Enter) to the answer on screen. */
  readonly shownMs: number | null;
  /** The holder's access groups and tags, fetched after the answer is on screen. */
  readonly holderDetail: UserDetail | null;
  /** Set once the tag has been given to someone at this desk. */
  readonly assigned: { readonly user: User; readonly isNew: boolean; readonly groups: readonly AccessGroup[] } | null;
}

/** One enrollment of this session, for the running list. */
export interface Enrollment {
  readonly id: number;
  readonly at: string;
  readonly tagNumber: string;
  readonly userId: string;
  readonly person: string;
  readonly role: Role;
  readonly isNew: boolean;
  readonly source: "reader" | "typed";
}

export interface NewPerson {
  readonly firstName: string;
  readonly lastName: string;
  readonly role: Role;
  readonly email: string;
  readonly waysOfOpening: Omit<WaysOfOpening, "tag">;
  readonly lockPermissions: LockPermissions;
  readonly accessGroupIds: readonly string[];
}

export type Outcome = { readonly ok: true } | { readonly ok: false; readonly refusal: Refusal };

const sameNumber = (a: string, b: string): boolean => a.trim().toUpperCase() === b.trim().toUpperCase();

export const useReceptionStore = defineStore("reception", () => {
  const notices = useNoticesStore();
  const site = useSiteStore();

  const snapshot = shallowRef<ReadersSnapshot | null>(null);
  const candidates = shallowRef<ReaderCandidates | null>(null);
  const groups = shallowRef<readonly AccessGroup[]>([]);
  const loading = ref(false);
  const selecting = ref(false);

  const current = shallowRef<TagOnDesk | null>(null);
  const looking = ref(false);
  /** A refused lookup (a number that is no tag number, a closed site…), shown by the tag box. */
  const lookupRefusal = shallowRef<Refusal | null>(null);
  /** A read from a reader that is not the Tag reader: offered as the Tag reader instead. */
  const strayRead = shallowRef<{ readonly readerId: string; readonly tagNumber: string; readonly label: string } | null>(null);
  const session = ref<Enrollment[]>([]);
  /** Whether the reception screen is showing: reads are only acted on there. */
  const active = ref(false);
  /** Bumped whenever the tag box should take the focus back ("ready for the next tag"). */
  const focusTick = ref(0);

  let seq = 0;
  let enrollmentId = 0;
  /** The registration of the tag on the desk, when it was new to the site: assigning waits for it. */
  let registering: Promise<void> | null = null;
  let lastShown: { number: string; at: number; source: "reader" | "typed" } | null = null;

  const readers = computed<readonly Reader[]>(() => snapshot.value?.readers ?? []);

  const chosen = computed<ChosenReader>(() => {
    const selected = candidates.value?.selected?.reader;
    if (!selected) return { kind: "none" };
    if (selected.kind === "lock") {
      return { kind: "lock", lockId: selected.lockId, candidate: candidates.value?.locks.find((l) => l.lockId === selected.lockId) ?? null };
    }
    if (selected.readerId === KEYBOARD_READER_ID) return { kind: "keyboard", label: selected.label || "A reader that types into this window" };
    const live = readers.value.find((r) => r.readerId === selected.readerId) ?? null;
    return { kind: "usb", readerId: selected.readerId, label: live?.productName ?? selected.label, live, keystrokes: live?.kind === "keystrokes" };
  });

  /** The reader whose keystrokes this window captures, if the Tag reader is read that way (§4.3 of READERS.md). */
  const keystrokeReaderId = computed<string | null>(() => {
    const c = chosen.value;
    if (c.kind === "keyboard") return KEYBOARD_READER_ID;
    if (c.kind === "usb" && c.keystrokes) return c.readerId;
    return null;
  });

  /** The id reads must carry to be the Tag reader's. */
  const tagReaderId = computed<string | null>(() => {
    const c = chosen.value;
    return c.kind === "usb" ? c.readerId : c.kind === "keyboard" ? KEYBOARD_READER_ID : null;
  });

  async function load(): Promise<void> {
    const siteId = site.siteId;
    loading.value = true;
    try {
      const [snap, cands, gs] = await Promise.all([
        notices.attempt("Listing the tag readers", () => call("readers.list", {})),
        siteId ? notices.attempt("Listing the locks that can read tags", () => call("enrollment.readers", { siteId })) : Promise.resolve(null),
        siteId ? notices.attempt("Loading access groups", () => call("accessGroups.list", { siteId })) : Promise.resolve([]),
      ]);
      if (snap) snapshot.value = snap;
      if (site.siteId !== siteId) return;
      candidates.value = cands ?? null;
      groups.value = gs ?? [];
    } finally {
      loading.value = false;
    }
  }

  async function refreshCandidates(): Promise<void> {
    const siteId = site.siteId;
    if (!siteId) return;
    const c = await call("enrollment.readers", { siteId }).catch(() => null);
    if (c && site.siteId === siteId) candidates.value = c;
  }

  async function refreshGroups(): Promise<void> {
    const siteId = site.siteId;
    if (!siteId) return;
    const gs = await call("accessGroups.list", { siteId }).catch(() => null);
    if (gs && site.siteId === siteId) groups.value = gs;
  }

  async function choose(reader: { kind: "usb"; readerId: string; label: string } | { kind: "lock"; lockId: string }): Promise<Outcome> {
    const siteId = site.siteId;
    if (!siteId) return { ok: false, refusal: refusalOf(new Error("No site is open.")) };
    selecting.value = true;
    try {
      await call("enrollment.selectReader", { siteId, reader });
      strayRead.value = null;
      await refreshCandidates();
      focusTick.value++;
      return { ok: true };
    } catch (e) {
      notices.fail("Choosing the Tag reader", e);
      return { ok: false, refusal: refusalOf(e) };
    } finally {
      selecting.value = false;
    }
  }

  function chooseUsb(r: Reader): Promise<Outcome> {
    return choose({ kind: "usb", readerId: r.readerId, label: r.productName.slice(0, 200) });
  }

  function chooseKeyboard(): Promise<Outcome> {
    return choose({ kind: "usb", readerId: KEYBOARD_READER_ID, label: "A reader that types into this window" });
  }

  function chooseLock(lockId: string): Promise<Outcome> {
    return choose({ kind: "lock", lockId });
  }

  /** Plugs in the simulated reader (demos, tests): it speaks the reports a real one does. */
  async function plugSimulated(): Promise<void> {
    const r = await notices.attempt("Plugging in the simulated reader", () => call("readers.simulate", { action: "plug", kind: "wedge", productName: "Simulated desk reader" }));
    if (r && snapshot.value) snapshot.value = { ...snapshot.value, readers: r.readers };
  }

  /**
   * Whose tag is this: the lookup first (one indexed query, shown at once), then, for a
   * tag new to the site, its registration. `t0` is when the read reached the window.
   */
  async function present(raw: string, source: "reader" | "typed", t0: number, readerId: string | null = null): Promise<void> {
    const siteId = site.siteId;
    const number = raw.trim();
    if (!siteId || number === "") return;
    const now = performance.now();
    // A tag left on the reader is read again and again, and a reader read through HID may
    // also type into the focused tag box: the tag on screen stays put.
    const recent = lastShown !== null && sameNumber(lastShown.number, number) && now - lastShown.at < SAME_TAG_MS;
    if (recent && (source === "reader" || lastShown?.source === "reader")) return;
    if (source === "reader" && current.value && !current.value.assigned && sameNumber(current.value.lookup.tagNumber, number)) return;
    const mine = ++seq;
    looking.value = true;
    lookupRefusal.value = null;
    const via: TagPresentation = source === "typed" ? { kind: "typed" } : { kind: "usb", readerId: readerId ?? KEYBOARD_READER_ID };
    try {
      const lookup = await call("tags.lookup", { siteId, tagNumber: number });
      if (mine !== seq) return;
      lastShown = { number: lookup.tagNumber, at: performance.now(), source };
      current.value = { seq: mine, raw: number, source, via, lookup, registered: false, shownMs: null, holderDetail: null, assigned: null };
      // Measured at the frame that paints the answer: what the receptionist sees.
      requestAnimationFrame(() => patch(mine, { shownMs: Math.max(0, performance.now() - t0) }));
      if (lookup.status === "unregistered") registering = register(mine, siteId, number, source);
      else if (lookup.holder?.kind === "user") void loadHolder(mine, siteId, lookup.holder.userId);
    } catch (e) {
      if (mine !== seq) return;
      lookupRefusal.value = refusalOf(e);
    } finally {
      if (mine === seq) looking.value = false;
    }
  }

  function patch(mine: number, change: Partial<TagOnDesk>): void {
    const c = current.value;
    if (c && c.seq === mine) current.value = { ...c, ...change };
  }

  async function register(mine: number, siteId: string, number: string, source: "reader" | "typed"): Promise<void> {
    try {
      // The Tag reader may be a lock (its reads come through the lock), so a read at this desk is "typed" unless it came from a USB reader.
      const usbReader = chosen.value.kind === "usb" || chosen.value.kind === "keyboard";
      const r = await call("enrollment.present", { siteId, number, source: source === "reader" && usbReader ? "reader" : "typed" });
      const c = current.value;
      if (!c || c.seq !== mine) return;
      patch(mine, {
        registered: r.registered,
        via: r.via,
        lookup: { tagNumber: r.tag.number, status: r.tag.state, tag: r.tag, holder: c.lookup.holder },
      });
    } catch (e) {
      if (current.value?.seq === mine) lookupRefusal.value = refusalOf(e);
    }
  }

  async function loadHolder(mine: number, siteId: string, userId: string): Promise<void> {
    const d = await call("users.get", { siteId, userId }).catch(() => null);
    if (d) patch(mine, { holderDetail: d });
  }

  async function afterAssign(r: Output<"enrollment.assign">, isNew: boolean): Promise<void> {
    const c = current.value;
    if (!c) return;
    patch(c.seq, {
      lookup: { ...c.lookup, status: r.tag.state, tag: r.tag },
      assigned: { user: r.user, isNew, groups: r.accessGroups },
    });
    lastShown = { number: r.tag.number, at: performance.now(), source: c.source };
    // Someone already on the site may be replacing a lost tag: their other tags, to offer blocking it.
    if (!isNew && site.siteId) void loadHolder(c.seq, site.siteId, r.user.id);
    session.value = [
      {
        id: ++enrollmentId,
        at: new Date().toISOString(),
        tagNumber: r.tag.number,
        userId: r.user.id,
        person: `${r.user.firstName} ${r.user.lastName}`,
        role: r.user.role,
        isNew,
        source: c.source,
      },
      ...session.value,
    ];
    focusTick.value++;
  }

  async function assign(to: Input<"enrollment.assign">["to"], isNew: boolean): Promise<Outcome> {
    const siteId = site.siteId;
    if (current.value && !current.value.lookup.tag && registering) await registering;
    const c = current.value;
    const tag = c?.lookup.tag;
    if (!siteId || !c || !tag) return { ok: false, refusal: refusalOf(new Error("There is no tag on the desk.")) };
    try {
      const r = await call("enrollment.assign", { siteId, tagId: tag.id, to, via: c.via });
      await afterAssign(r, isNew);
      return { ok: true };
    } catch (e) {
      notices.fail(isNew ? "Adding the person with this tag" : "Giving the tag", e);
      return { ok: false, refusal: refusalOf(e) };
    }
  }

  function assignExisting(userId: string): Promise<Outcome> {
    return assign({ kind: "existing", userId }, false);
  }

  function assignNew(p: NewPerson): Promise<Outcome> {
    const email = p.email.trim();
    return assign(
      {
        kind: "new",
        firstName: p.firstName.trim(),
        lastName: p.lastName.trim(),
        role: p.role,
        email: email === "" ? null : email,
        waysOfOpening: { ...p.waysOfOpening, tag: true },
        lockPermissions: p.lockPermissions,
        accessGroupIds: [...p.accessGroupIds],
      },
      true,
    );
  }

  /** A tag action on the tag on the desk (unassign, Master Key, remove); the answer replaces what is shown. */
  async function tagAction(
    name: "tags.unassign" | "tags.assignMasterKey" | "tags.unassignMasterKey" | "tags.remove",
    context: string,
  ): Promise<Outcome> {
    const siteId = site.siteId;
    const c = current.value;
    const tag = c?.lookup.tag;
    if (!siteId || !c || !tag) return { ok: false, refusal: refusalOf(new Error("There is no tag on the desk.")) };
    try {
      const out = await call(name, { siteId, tagId: tag.id });
      const next: Tag | null = "removed" in out ? null : out;
      if (next === null) {
        patch(c.seq, { lookup: { tagNumber: tag.number, status: "unregistered", tag: null, holder: null }, holderDetail: null, assigned: null });
      } else {
        const holder = next.userId === null ? null : c.lookup.holder;
        patch(c.seq, { lookup: { tagNumber: next.number, status: next.state, tag: next, holder }, holderDetail: holder ? c.holderDetail : null, assigned: null });
      }
      return { ok: true };
    } catch (e) {
      notices.fail(context, e);
      return { ok: false, refusal: refusalOf(e) };
    }
  }

  /** The person just given a tag lost another one: block it (the tag on the desk is its replacement). */
  async function reportLost(tagId: string): Promise<Outcome> {
    const siteId = site.siteId;
    const c = current.value;
    if (!siteId || !c) return { ok: false, refusal: refusalOf(new Error("There is no tag on the desk.")) };
    try {
      await call("tags.reportLost", { siteId, tagId });
      const userId = c.assigned?.user.id ?? (c.lookup.holder?.kind === "user" ? c.lookup.holder.userId : null);
      if (userId) await loadHolder(c.seq, siteId, userId);
      return { ok: true };
    } catch (e) {
      notices.fail("Reporting the tag lost", e);
      return { ok: false, refusal: refusalOf(e) };
    }
  }

  /** Done with the tag on the desk: clear it and give the focus back to the tag box. */
  function next(): void {
    seq++;
    current.value = null;
    lookupRefusal.value = null;
    looking.value = false;
    focusTick.value++;
  }

  /**
   * Keystrokes captured in the window for a reader the OS keeps to itself (or a
   * reader that only types). The core tells a reader's burst from a person's typing;
   * a reader's becomes a `readers.read` event, answered like any other read.
   */
  async function sendKeystrokes(keys: readonly { key: string; code: string; t: number; shift: boolean }[]): Promise<readonly KeystrokeOutcome[]> {
    const readerId = keystrokeReaderId.value;
    if (readerId === null || keys.length === 0) return [];
    const siteId = site.siteId ?? undefined;
    const outcomes: KeystrokeOutcome[] = [];
    for (let i = 0; i < keys.length; i += 256) {
      const r = await call("readers.keystrokes", {
        ...(readerId === KEYBOARD_READER_ID ? {} : { readerId }),
        ...(siteId ? { siteId } : {}),
        keys: keys.slice(i, i + 256).map((k) => ({ key: k.key.slice(0, 32), code: k.code.slice(0, 32), t: Math.max(0, k.t), shift: k.shift })),
      }).catch(() => null);
      if (r) outcomes.push(...r.outcomes);
    }
    return outcomes;
  }

  function onRead(p: { readonly readerId: string; readonly tagNumber: string; readonly siteId?: string | undefined }): void {
    const t0 = performance.now();
    if (!active.value || !site.siteId) return;
    if (p.siteId !== undefined && p.siteId !== site.siteId) return;
    if (tagReaderId.value === p.readerId) {
      void present(p.tagNumber, "reader", t0, p.readerId);
      return;
    }
    const r = readers.value.find((x) => x.readerId === p.readerId);
    strayRead.value = { readerId: p.readerId, tagNumber: p.tagNumber, label: r?.productName ?? p.readerId };
  }

  on("readers.read", onRead);
  on("readers.changed", (p) => {
    snapshot.value = { status: p.status, readers: p.readers, keyboard: snapshot.value?.keyboard ?? emptyStats() };
  });
  let changedTimer: ReturnType<typeof setTimeout> | undefined;
  on("site.changed", (p) => {
    if (p.siteId !== site.siteId || !active.value) return;
    clearTimeout(changedTimer);
    changedTimer = setTimeout(() => {
      void refreshCandidates();
      void refreshGroups();
    }, 200);
  });

  function reset(): void {
    candidates.value = null;
    groups.value = [];
    session.value = [];
    strayRead.value = null;
    lastShown = null;
    next();
  }

  // Another site: its reader, its groups, a new session.
  watch(
    () => site.siteId,
    () => {
      reset();
      if (active.value) void load();
    },
  );

  return {
    snapshot,
    candidates,
    groups,
    loading,
    selecting,
    current,
    looking,
    lookupRefusal,
    strayRead,
    session,
    active,
    focusTick,
    readers,
    chosen,
    keystrokeReaderId,
    tagReaderId,
    load,
    refreshGroups,
    chooseUsb,
    chooseKeyboard,
    chooseLock,
    plugSimulated,
    present,
    assignExisting,
    assignNew,
    tagAction,
    reportLost,
    next,
    sendKeystrokes,
    reset,
  };
});

function emptyStats(): ReadersSnapshot["keyboard"] {
  return { reports: 0, reads: 0, repeats: 0, typed: 0, dropped: 0, refused: {} };
}
