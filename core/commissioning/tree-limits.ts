import { IQ_LIMITS } from "../domain/index.ts";

/** The shape of an IQ tree without positions: what an IQ itself can check (KS 2204). */
export interface TreeItem {
  readonly ref: string;
  readonly role: "repeater" | "lock";
  /** Another item's ref (a repeater), or null for the IQ itself. */
  readonly parentRef: string | null;
}

export interface TreeProblem {
  readonly rule: "duplicate" | "parent-missing" | "parent-not-repeater" | "cycle" | "iq-locks" | "iq-repeaters" | "chain-depth" | "repeater-children" | "lock-on-iq-with-repeaters";
  readonly message: string;
  readonly refs: readonly string[];
}

/**
 * Checks one IQ's tree against the limits of DOMAIN.md (16 locks, 6 repeaters,
 * chains of 3, 2 child repeaters, no lock on an IQ that has repeaters). Hop lengths
 * need positions and are the planner's business; everything else is here, so a tree
 * the installer picks by hand is refused before a single attach.
 */
export function treeProblems(items: readonly TreeItem[], limits: typeof IQ_LIMITS = IQ_LIMITS): TreeProblem[] {
  const problems: TreeProblem[] = [];
  const byRef = new Map<string, TreeItem>();
  for (const it of items) {
    if (byRef.has(it.ref)) problems.push({ rule: "duplicate", message: `"${it.ref}" appears twice in the tree`, refs: [it.ref] });
    byRef.set(it.ref, it);
  }
  const depth = new Map<string, number>();
  const depthOf = (ref: string, seen: Set<string>): number => {
    const known = depth.get(ref);
    if (known !== undefined) return known;
    const it = byRef.get(ref)!;
    if (it.parentRef === null) return 1;
    if (seen.has(ref)) return Number.POSITIVE_INFINITY;
    seen.add(ref);
    const d = depthOf(it.parentRef, seen) + 1;
    depth.set(ref, d);
    return d;
  };
  const repeaters = items.filter((i) => i.role === "repeater");
  const locks = items.filter((i) => i.role === "lock");
  let broken = false;
  for (const it of items) {
    if (it.parentRef === null) continue;
    const parent = byRef.get(it.parentRef);
    if (!parent) {
      problems.push({ rule: "parent-missing", message: `the parent "${it.parentRef}" of "${it.ref}" is not in the tree`, refs: [it.ref] });
      broken = true;
    } else if (parent.role !== "repeater") {
      problems.push({ rule: "parent-not-repeater", message: `"${it.ref}" hangs on "${parent.ref}", which is a lock`, refs: [it.ref, parent.ref] });
      broken = true;
    }
  }
  if (!broken) {
    for (const r of repeaters) {
      const d = depthOf(r.ref, new Set());
      if (!Number.isFinite(d)) problems.push({ rule: "cycle", message: `following the parents of "${r.ref}" never reaches the IQ`, refs: [r.ref] });
      else if (d > limits.repeaterChainDepth) {
        problems.push({ rule: "chain-depth", message: `"${r.ref}" is repeater number ${d} in a chain (at most ${limits.repeaterChainDepth})`, refs: [r.ref] });
      }
    }
  }
  if (locks.length > limits.locksPerIq) {
    problems.push({ rule: "iq-locks", message: `${locks.length} locks on one IQ (at most ${limits.locksPerIq})`, refs: locks.map((l) => l.ref) });
  }
  if (repeaters.length > limits.repeatersPerIq) {
    problems.push({ rule: "iq-repeaters", message: `${repeaters.length} repeaters on one IQ (at most ${limits.repeatersPerIq})`, refs: repeaters.map((r) => r.ref) });
  }
  for (const r of repeaters) {
    const children = repeaters.filter((c) => c.parentRef === r.ref);
    if (children.length > limits.childRepeatersPerRepeater) {
      problems.push({
        rule: "repeater-children",
        message: `"${r.ref}" has ${children.length} child repeaters (at most ${limits.childRepeatersPerRepeater})`,
        refs: [r.ref, ...children.map((c) => c.ref)],
      });
    }
  }
  if (repeaters.length > 0) {
    const onIq = locks.filter((l) => l.parentRef === null);
    if (onIq.length > 0) {
      problems.push({ rule: "lock-on-iq-with-repeaters", message: `locks hang straight on an IQ that has repeaters: ${onIq.map((l) => l.ref).join(", ")}`, refs: onIq.map((l) => l.ref) });
    }
  }
  return problems;
}

/**
 * Parents before children: repeaters by depth, then locks. Attaching in this order
 * never asks the IQ for a parent it does not have yet.
 */
export function attachOrder<T extends TreeItem>(items: readonly T[]): T[] {
  const byRef = new Map(items.map((i) => [i.ref, i]));
  const level = (it: T): number => {
    let d = 0;
    let cur: TreeItem | undefined = it;
    while (cur && cur.parentRef !== null && d <= items.length) {
      cur = byRef.get(cur.parentRef);
      d++;
    }
    return d;
  };
  const reps = items.filter((i) => i.role === "repeater").map((r, i) => ({ r, i, d: level(r) }));
  reps.sort((a, b) => a.d - b.d || a.i - b.i);
  return [...reps.map((x) => x.r), ...items.filter((i) => i.role === "lock")];
}
