import { IQ_LIMITS } from "../domain/hardware.ts";
import { IqTree, type TreeNode } from "./iq-tree.ts";
import { inRange, radioDistance } from "./radio.ts";
import type { DirectIq } from "./site-growth.ts";
import type { FloorPoint, SiteModel } from "./site-model.ts";
import { SpatialGrid } from "./spatial-grid.ts";

/**
 * Local search on finished IQ trees: moves that remove hardware and keep every rule.
 * The constructions place a repeater per hub and bridge gaps with relays that serve
 * nothing; an optimal plan lets a repeater serve doors and relay at once. Here:
 *
 * - merge: two repeaters of one tree (parent and child, or not nested) become one,
 *   standing where it reaches the parent, every child and every lock of both;
 * - eject: a repeater goes, its child repeaters hang on its parent and each of its
 *   locks on another repeater (of any tree with room) that can shift to reach it; a
 *   relay left with nothing to carry goes too. An IQ with direct locks is ejected the
 *   same way.
 *
 * Each move only removes hardware and re-checks every hop it touches against the
 * positions as they stand, so the result is valid whenever the input is. A node moves
 * within the region its hops allow: an intersection of discs on a floor, whose corners
 * (circle/circle, circle/wall, wall/wall) are enough to find a point in it.
 */
export function polishLayout(model: SiteModel, trees: readonly IqTree[], direct: readonly DirectIq[], options: PolishOptions = {}): { trees: IqTree[]; direct: DirectIq[] } {
  const forest = new Forest(model, trees, direct);
  forest.run(options);
  return forest.layout();
}

export interface PolishOptions {
  /** Checked between trees: true ends the search (the plan so far is valid). */
  readonly stop?: (() => boolean) | undefined;
  /** Look only at these trees and IQs (and later at what their moves touch); default all. */
  readonly focus?: ReadonlySet<IqTree | DirectIq> | undefined;
}

interface Node {
  pos: FloorPoint;
  parent: Node | null;
  readonly children: Node[];
  readonly locks: number[];
  readonly tree: Tree;
}

class Tree {
  /** Set right after construction: the IQ node and its tree refer to each other. */
  iq!: Node;
  alive = true;
  constructor(readonly site: number | null) {}
}

/** How far (in hops) a node may stand from a door it could still take on. */
const HOST_REACH = 2;

/** Nodes that may host a lock, indexed by where they stood when the pass began. */
interface Hosts {
  readonly nodes: readonly Node[];
  readonly grid: SpatialGrid<FloorPoint>;
}

/** An undo log: a move is applied step by step and rolled back when it cannot finish. */
type Undo = (() => void)[];

class Forest {
  private readonly trees: Tree[] = [];
  /** What each tree was built from, for `focus`. */
  private readonly source = new Map<Tree, IqTree | DirectIq>();
  private readonly R: number;

  constructor(
    private readonly model: SiteModel,
    trees: readonly IqTree[],
    direct: readonly DirectIq[],
  ) {
    this.R = model.radio.hopRangeM;
    for (const t of trees) {
      const tree = new Tree(t.site);
      const made: Node[] = t.nodes.map((n) => ({ pos: n.pos, parent: null, children: [], locks: [...(n.hub?.doors ?? [])], tree }));
      t.nodes.forEach((n, i) => {
        if (n.parent < 0) return;
        made[i]!.parent = made[n.parent]!;
        made[n.parent]!.children.push(made[i]!);
      });
      tree.iq = made[0]!;
      // A plan never hangs locks on an IQ with repeaters; a tree's IQ carries none.
      this.trees.push(tree);
      this.source.set(tree, t);
    }
    for (const d of direct) {
      const tree = new Tree(d.site);
      tree.iq = { pos: d.pos, parent: null, children: [], locks: [...d.doors], tree };
      this.trees.push(tree);
      this.source.set(tree, d);
    }
  }

  run({ stop, focus }: PolishOptions): void {
    let dirty: Set<Tree> | null = focus ? new Set(this.trees.filter((t) => focus.has(this.source.get(t)!))) : null;
    for (let pass = 0; pass < 50; pass++) {
      const hosts = this.hostIndex();
      const touched: Tree[] = [];
      for (const [k, tree] of this.trees.entries()) {
        if (k % 16 === 0 && stop?.()) return;
        if (!tree.alive || (dirty && !dirty.has(tree))) continue;
        let moved = false;
        while (this.improveTree(tree, hosts)) moved = true;
        if (moved) touched.push(tree);
      }
      if (touched.length === 0) return;
      // Next pass: only trees near a change can have a new move (a host moved, a slot freed).
      const iqs = new SpatialGrid(
        this.trees.map((t) => t.iq.pos),
        this.model.radio,
      );
      dirty = new Set();
      for (const t of touched) for (const i of iqs.within(t.iq.pos, 8)) dirty.add(this.trees[i]!);
    }
  }

  /** Every node that may take a lock, by position at the start of a pass (nodes then move a little). */
  private hostIndex(): Hosts {
    const nodes: Node[] = [];
    for (const t of this.trees) {
      if (!t.alive) continue;
      if (t.iq.children.length === 0) nodes.push(t.iq);
      else for (const r of repeatersOf(t)) nodes.push(r);
    }
    return {
      nodes,
      // Cells as wide as a host query: it visits 3 × 3 cells per floor.
      grid: new SpatialGrid(
        nodes.map((n) => n.pos),
        this.model.radio,
        HOST_REACH * this.R,
      ),
    };
  }

  /** One improving move on a tree, if any: merges first (they keep locks in the tree), then ejections. */
  private improveTree(tree: Tree, hosts: Hosts): boolean {
    if (!tree.alive) return false;
    const reps = repeatersOf(tree);
    for (let i = 0; i < reps.length; i++) {
      for (let j = i + 1; j < reps.length; j++) {
        if (this.merge(reps[i]!, reps[j]!) || this.merge(reps[j]!, reps[i]!)) return true;
      }
    }
    // Repeaters carrying fewest locks are the cheapest to empty. (Dropping a bare relay
    // is the merge of it with its child, tried above.)
    for (const x of reps.sort((a, b) => a.locks.length - b.locks.length)) if (x.locks.length > 0 && this.eject(x, hosts)) return true;
    if (reps.length === 0 && this.ejectIq(tree, hosts)) return true;
    return false;
  }

  /**
   * Merges repeater `b` into `a` (same tree). When b is a's child, the merged node keeps
   * a's parent and takes both sets of children; otherwise (neither holds the other) it
   * hangs on a's parent. Chains stay within 3 and each repeater within 2 children.
   */
  private merge(a: Node, b: Node): boolean {
    if (a.tree !== b.tree) return false;
    const parent = a.parent!;
    if (isAncestor(b, a)) return false; // handled as merge(b, a)
    const childOfA = b.parent === a;
    if (!childOfA && isAncestor(a, b)) return false; // b deeper below a: not a merge we try
    const kids = [...a.children.filter((c) => c !== b), ...b.children];
    if (kids.length > IQ_LIMITS.childRepeatersPerRepeater) return false;
    const level = levelOf(a);
    const below = kids.reduce((h, k) => Math.max(h, 1 + heightBelow(k)), 0);
    if (level + below > IQ_LIMITS.repeaterChainDepth) return false;
    const locks = [...a.locks, ...b.locks];
    const spot = this.findSpot([parent.pos, ...kids.map((k) => k.pos), ...locks.map((d) => this.model.doors[d]!)], a.pos);
    if (!spot) return false;
    // Apply: b disappears, a stands at the spot with every child and lock of both.
    const bParent = b.parent!;
    detach(b);
    a.pos = spot;
    for (const k of b.children) {
      k.parent = a;
      a.children.push(k);
    }
    b.children.length = 0;
    a.locks.push(...b.locks);
    b.locks.length = 0;
    pruneEmpty(bParent, []);
    return true;
  }

  /**
   * Removes repeater `x`: its child repeaters hang on its parent (shifting to reach it),
   * its locks on repeaters nearby that can shift to reach them; relays left empty go too.
   */
  private eject(x: Node, hosts: Hosts): boolean {
    const tree = x.tree;
    const parent = x.parent!;
    const undo: Undo = [];
    if (parent.parent !== null && parent.children.length - 1 + x.children.length > IQ_LIMITS.childRepeatersPerRepeater) return false;
    // Children first: each must reach x's parent from a place that still reaches its own hops.
    detachLogged(x, undo);
    for (const c of [...x.children]) {
      const spot = this.findSpot([parent.pos, ...c.children.map((k) => k.pos), ...c.locks.map((d) => this.model.doors[d]!)], c.pos, 1);
      if (!spot) return rollback(undo);
      moveLogged(c, spot, undo);
      reparentLogged(c, parent, undo);
    }
    const locks = [...x.locks];
    x.locks.length = 0;
    undo.push(() => x.locks.push(...locks));
    for (const d of locks) if (!this.host(d, x, hosts, undo)) return rollback(undo);
    pruneEmpty(parent, undo);
    if (tree.iq.children.length === 0 && tree.iq.locks.length === 0) tree.alive = false;
    return true;
  }

  /** An IQ with direct locks goes when every lock finds another host. */
  private ejectIq(tree: Tree, hosts: Hosts): boolean {
    if (tree.iq.children.length > 0 || tree.iq.locks.length === 0) return false;
    const undo: Undo = [];
    tree.alive = false;
    undo.push(() => (tree.alive = true));
    const locks = [...tree.iq.locks];
    tree.iq.locks.length = 0;
    undo.push(() => tree.iq.locks.push(...locks));
    for (const d of locks) if (!this.host(d, tree.iq, hosts, undo)) return rollback(undo);
    return true;
  }

  /**
   * Hangs door `d` on some node other than `from`: a repeater (or an IQ without
   * repeaters) with room in its tree, preferring one that reaches it where it stands.
   */
  private host(d: number, from: Node, hosts: Hosts, undo: Undo): boolean {
    const door = this.model.doors[d]!;
    const options: { n: Node; dist: number }[] = [];
    // A host shifts at most 2 hops (it keeps reaching its parent), but shifts that long rarely work.
    for (const i of hosts.grid.within(door, HOST_REACH)) {
      const n = hosts.nodes[i]!;
      const isIq = n === n.tree.iq;
      // Not the node being emptied, not one removed this pass, not an IQ with repeaters.
      if (n === from || !n.tree.alive || (!isIq && n.parent === null) || (isIq && n.children.length > 0)) continue;
      options.push({ n, dist: radioDistance(n.pos, door, this.model.radio) });
    }
    options.sort((a, b) => a.dist - b.dist);
    for (const { n, dist } of options) {
      if (dist > HOST_REACH * this.R) break;
      if (locksOf(n.tree) >= IQ_LIMITS.locksPerIq) continue;
      if (dist <= this.R + 1e-9 && inRange(n.pos, door, this.model.radio)) {
        addLockLogged(n, d, undo);
        return true;
      }
      if (n.parent === null && n.tree.site !== null) continue; // an IQ at a site does not move
      const anchors = [door, ...(n.parent ? [n.parent.pos] : []), ...n.children.map((k) => k.pos), ...n.locks.map((l) => this.model.doors[l]!)];
      const spot = this.findSpot(anchors, n.pos, 1);
      if (!spot) continue;
      moveLogged(n, spot, undo);
      addLockLogged(n, d, undo);
      return true;
    }
    return false;
  }

  /**
   * A point on a floor within one hop of every anchor, or null. Stays at `prefer`
   * when it already qualifies; otherwise the mean of the feasible corners of the region
   * (the region is convex, so the mean is inside it and away from its edges).
   */
  findSpot(anchors: readonly FloorPoint[], prefer: FloorPoint, fresh = anchors.length): FloorPoint | null {
    const radio = this.model.radio;
    if (this.model.isOnFloor(prefer) && anchors.every((a) => inRange(a, prefer, radio))) return prefer;
    // The radio distance is a metric: two anchors more than 2 hops apart have no common
    // neighbour. Only the first `fresh` anchors are new; the others share a neighbour already.
    for (let i = 0; i < fresh; i++) {
      for (let j = i + 1; j < anchors.length; j++) if (radioDistance(anchors[i]!, anchors[j]!, radio) > 2 * this.R + 1e-9) return null;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const a of anchors) {
      lo = Math.min(lo, a.level);
      hi = Math.max(hi, a.level);
    }
    const levels: number[] = [];
    for (let l = lo; l <= hi; l++) levels.push(l);
    levels.sort((a, b) => Math.abs(a - prefer.level) - Math.abs(b - prefer.level));
    for (const level of levels) {
      const spot = this.spotOnLevel(anchors, level);
      if (spot) return spot;
    }
    return null;
  }

  private spotOnLevel(anchors: readonly FloorPoint[], level: number): FloorPoint | null {
    const { floorHeightM: h, floorPenaltyM: pen } = this.model.radio;
    // Shrunk a little so that corners computed in floating point stay in range.
    const SLACK = 1e-7;
    const n = anchors.length;
    const cx = new Float64Array(n);
    const cy = new Float64Array(n);
    const cr = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = anchors[i]!;
      const dl = Math.abs(a.level - level);
      const budget = this.R - dl * pen;
      if (budget < dl * h) return null;
      const r = Math.sqrt(budget * budget - (dl * h) ** 2) - SLACK;
      if (r < 0) return null;
      cx[i] = a.x;
      cy[i] = a.y;
      cr[i] = r;
    }
    // The region lies in the intersection of the discs' bounding boxes: a cheap reject.
    let x0 = -Infinity;
    let y0 = -Infinity;
    let x1 = Infinity;
    let y1 = Infinity;
    for (let i = 0; i < n; i++) {
      x0 = Math.max(x0, cx[i]! - cr[i]!);
      y0 = Math.max(y0, cy[i]! - cr[i]!);
      x1 = Math.min(x1, cx[i]! + cr[i]!);
      y1 = Math.min(y1, cy[i]! + cr[i]!);
    }
    if (x0 > x1 || y0 > y1) return null;
    // A disc holding the whole box shapes nothing: only the others have corners worth trying.
    let live = 0;
    for (let i = 0; i < n; i++) {
      const fx = Math.max((x0 - cx[i]!) ** 2, (x1 - cx[i]!) ** 2);
      const fy = Math.max((y0 - cy[i]!) ** 2, (y1 - cy[i]!) ** 2);
      if (fx + fy <= cr[i]! * cr[i]!) continue;
      cx[live] = cx[i]!;
      cy[live] = cy[i]!;
      cr[live] = cr[i]!;
      live++;
    }
    for (const floor of this.model.floorsOn(level)) {
      // The floor clipped to the box: the region's walls.
      const left = Math.max(0, x0);
      const bottom = Math.max(0, y0);
      const right = Math.min(floor.widthM, x1);
      const top = Math.min(floor.depthM, y1);
      if (left > right || bottom > top) continue;
      const region = new Region(cx.subarray(0, live), cy.subarray(0, live), cr.subarray(0, live), left, bottom, right, top);
      for (let i = 0; i < live; i++) {
        region.consider(cx[i]!, cy[i]!);
        for (let j = i + 1; j < live; j++) region.crossings(i, j);
        region.wallCrossings(i);
      }
      region.consider(left, bottom);
      region.consider(right, bottom);
      region.consider(left, top);
      region.consider(right, top);
      if (region.xs.length === 0) continue;
      let mx = 0;
      let my = 0;
      for (let k = 0; k < region.xs.length; k++) {
        mx += region.xs[k]!;
        my += region.ys[k]!;
      }
      const mean = this.checked(anchors, floor.id, level, mx / region.xs.length, my / region.xs.length);
      if (mean) return mean;
      for (let k = 0; k < region.xs.length; k++) {
        const p = this.checked(anchors, floor.id, level, region.xs[k]!, region.ys[k]!);
        if (p) return p;
      }
    }
    return null;
  }

  /** The point when it stands on the floor and reaches every anchor by the validator's own test. */
  private checked(anchors: readonly FloorPoint[], floor: string, level: number, x: number, y: number): FloorPoint | null {
    const p: FloorPoint = { floor, level, x, y };
    if (!this.model.isOnFloor(p)) return null;
    for (const a of anchors) if (!inRange(a, p, this.model.radio)) return null;
    return p;
  }

  layout(): { trees: IqTree[]; direct: DirectIq[] } {
    const trees: IqTree[] = [];
    const direct: DirectIq[] = [];
    for (const t of this.trees) {
      if (!t.alive) continue;
      if (t.iq.children.length === 0) {
        if (t.iq.locks.length > 0) direct.push({ pos: t.iq.pos, site: t.site, doors: [...t.iq.locks] });
        continue;
      }
      // Parents before children, as the plan writer expects.
      const nodes: TreeNode[] = [];
      const queue: { n: Node; parent: number; level: number }[] = [{ n: t.iq, parent: -1, level: 0 }];
      while (queue.length > 0) {
        const { n, parent, level } = queue.shift()!;
        const index = nodes.length;
        nodes.push({ pos: n.pos, level, parent, hub: n.locks.length > 0 && parent >= 0 ? { pos: n.pos, doors: [...n.locks] } : null });
        for (const c of n.children) queue.push({ n: c, parent: index, level: level + 1 });
      }
      trees.push(IqTree.fromNodes(this.model, t.iq.pos, t.site, nodes));
    }
    return { trees, direct };
  }
}

function repeatersOf(tree: Tree): Node[] {
  const out: Node[] = [];
  const stack = [...tree.iq.children].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    out.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out;
}

function locksOf(tree: Tree): number {
  let n = tree.iq.locks.length;
  for (const r of repeatersOf(tree)) n += r.locks.length;
  return n;
}

/** Repeaters between the IQ and `n`, `n` included (the IQ is level 0). */
function levelOf(n: Node): number {
  let level = 0;
  for (let p = n.parent; p; p = p.parent) level++;
  return level;
}

/** Levels of repeaters hanging below `n`. */
function heightBelow(n: Node): number {
  let h = 0;
  for (const c of n.children) h = Math.max(h, 1 + heightBelow(c));
  return h;
}

function isAncestor(a: Node, b: Node): boolean {
  for (let p = b.parent; p; p = p.parent) if (p === a) return true;
  return false;
}

/** Relays from `n` upwards left with nothing to carry (no locks, no children) go. */
function pruneEmpty(n: Node, undo: Undo): void {
  let up: Node | null = n;
  while (up && up.parent && up.children.length === 0 && up.locks.length === 0) {
    const next: Node = up.parent;
    detachLogged(up, undo);
    up = next;
  }
}

function detach(n: Node): void {
  const siblings = n.parent!.children;
  siblings.splice(siblings.indexOf(n), 1);
  n.parent = null;
}

function detachLogged(n: Node, undo: Undo): void {
  const parent = n.parent!;
  const at = parent.children.indexOf(n);
  parent.children.splice(at, 1);
  n.parent = null;
  undo.push(() => {
    parent.children.splice(at, 0, n);
    n.parent = parent;
  });
}

function reparentLogged(n: Node, to: Node, undo: Undo): void {
  const from = n.parent;
  if (from) {
    const at = from.children.indexOf(n);
    from.children.splice(at, 1);
    undo.push(() => {
      from.children.splice(at, 0, n);
      n.parent = from;
    });
  }
  to.children.push(n);
  n.parent = to;
  undo.push(() => {
    to.children.splice(to.children.indexOf(n), 1);
  });
}

function moveLogged(n: Node, pos: FloorPoint, undo: Undo): void {
  const old = n.pos;
  n.pos = pos;
  undo.push(() => (n.pos = old));
}

function addLockLogged(n: Node, d: number, undo: Undo): void {
  n.locks.push(d);
  undo.push(() => {
    n.locks.splice(n.locks.indexOf(d), 1);
  });
}

function rollback(undo: Undo): false {
  for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
  return false;
}

/**
 * The corners of an intersection of discs with a rectangle (a floor clipped to the
 * discs' common box): the points where two circles cross, where a circle crosses a
 * wall, the rectangle's corners and the centres, kept when they lie in every disc.
 */
class Region {
  readonly xs: number[] = [];
  readonly ys: number[] = [];

  constructor(
    private readonly cx: Float64Array,
    private readonly cy: Float64Array,
    private readonly cr: Float64Array,
    private readonly left: number,
    private readonly bottom: number,
    private readonly right: number,
    private readonly top: number,
  ) {}

  consider(x0: number, y0: number): void {
    const x = Math.min(Math.max(x0, this.left), this.right);
    const y = Math.min(Math.max(y0, this.bottom), this.top);
    const { cx, cy, cr } = this;
    for (let i = 0; i < cx.length; i++) {
      const dx = x - cx[i]!;
      const dy = y - cy[i]!;
      if (dx * dx + dy * dy > cr[i]! * cr[i]! + 1e-12) return;
    }
    this.xs.push(x);
    this.ys.push(y);
  }

  crossings(i: number, j: number): void {
    const { cx, cy, cr } = this;
    const dx = cx[j]! - cx[i]!;
    const dy = cy[j]! - cy[i]!;
    const d = Math.hypot(dx, dy);
    const ri = cr[i]!;
    const rj = cr[j]!;
    if (d === 0 || d > ri + rj || d < Math.abs(ri - rj)) return;
    const along = (ri * ri - rj * rj + d * d) / (2 * d);
    const off = Math.sqrt(Math.max(0, ri * ri - along * along));
    const mx = cx[i]! + (dx * along) / d;
    const my = cy[i]! + (dy * along) / d;
    this.consider(mx - (dy * off) / d, my + (dx * off) / d);
    this.consider(mx + (dy * off) / d, my - (dx * off) / d);
  }

  /** Where circle i crosses the four walls. */
  wallCrossings(i: number): void {
    const x = this.cx[i]!;
    const y = this.cy[i]!;
    const r2 = this.cr[i]! * this.cr[i]!;
    for (const X of [this.left, this.right]) {
      const s = r2 - (X - x) ** 2;
      if (s < 0) continue;
      this.consider(X, y - Math.sqrt(s));
      this.consider(X, y + Math.sqrt(s));
    }
    for (const Y of [this.bottom, this.top]) {
      const s = r2 - (Y - y) ** 2;
      if (s < 0) continue;
      this.consider(x - Math.sqrt(s), Y);
      this.consider(x + Math.sqrt(s), Y);
    }
  }
}
