import { IQ_LIMITS } from "../domain/hardware.ts";
import type { Hub } from "./cover.ts";
import { inRange, radioDistance } from "./radio.ts";
import type { FloorPoint, SiteModel } from "./site-model.ts";

/** One node of an IQ tree under construction: the IQ (level 0) or a repeater (1..3). */
export interface TreeNode {
  readonly pos: FloorPoint;
  readonly level: number;
  /** Index of the parent node; -1 for the IQ. */
  readonly parent: number;
  /** The hub whose locks hang on this repeater; none for the IQ and for relays. */
  readonly hub: Hub | null;
}

/** What attaching one hub adds: relays (repeaters without locks) and the hub's repeater. */
export interface Attachment {
  readonly hub: Hub;
  /** Where the hub's repeater stands: moved towards the tree as far as its doors allow. */
  readonly pos: FloorPoint;
  readonly parent: number;
  readonly relays: readonly FloorPoint[];
  readonly distance: number;
}

/**
 * An IQ tree that grows one hub at a time while every limit holds: 16 locks, 6
 * repeaters, chains of 3, 2 child repeaters per repeater (6 on the IQ), hops in range,
 * every relay standing on a floor.
 */
export class IqTree {
  readonly nodes: TreeNode[];
  private readonly children: number[];
  locks = 0;
  repeaters = 0;
  /** Slid positions of a hub towards each node: nodes never move, so each is worked out once. */
  private readonly slid = new Map<Hub, (FloorPoint | undefined)[]>();

  constructor(
    private readonly model: SiteModel,
    readonly iqPos: FloorPoint,
    /** Index of the IQ site, when the survey has them. */
    readonly site: number | null,
  ) {
    this.nodes = [{ pos: iqPos, level: 0, parent: -1, hub: null }];
    this.children = [0];
  }

  /**
   * A finished tree from its nodes (parents listed before children), e.g. after local
   * search moved and merged them; the caller vouches that every rule holds.
   */
  static fromNodes(model: SiteModel, iqPos: FloorPoint, site: number | null, nodes: readonly TreeNode[]): IqTree {
    const tree = new IqTree(model, iqPos, site);
    for (let i = 1; i < nodes.length; i++) {
      const node = nodes[i]!;
      tree.nodes.push(node);
      tree.children.push(0);
      tree.children[node.parent]!++;
      tree.repeaters++;
      tree.locks += node.hub?.doors.length ?? 0;
    }
    return tree;
  }

  get hubs(): Hub[] {
    return this.nodes.flatMap((n) => (n.hub ? [n.hub] : []));
  }

  private slotFree(i: number): boolean {
    const node = this.nodes[i]!;
    return node.level === 0 ? this.children[i]! < IQ_LIMITS.repeatersPerIq : this.children[i]! < IQ_LIMITS.childRepeatersPerRepeater;
  }

  /** The cheapest way to hang `hub` in this tree (fewest relays, then shortest), or null. */
  tryAttach(hub: Hub): Attachment | null {
    if (this.locks + hub.doors.length > IQ_LIMITS.locksPerIq) return null;
    let best: Attachment | null = null;
    for (let relays = 0; relays <= IQ_LIMITS.repeaterChainDepth - 1; relays++) {
      if (this.repeaters + relays + 1 > IQ_LIMITS.repeatersPerIq) break;
      for (let i = 0; i < this.nodes.length; i++) {
        const q = this.nodes[i]!;
        if (q.level + relays + 1 > IQ_LIMITS.repeaterChainDepth || !this.slotFree(i)) continue;
        // A hub slides at most 2 hops' worth (its doors stay within one hop): skip hopeless pairs cheaply.
        if (radioDistance(q.pos, hub.pos, this.model.radio) > this.model.radio.hopRangeM * (relays + 3) + 1e-9) continue;
        const pos = this.slidTowards(hub, i);
        const d = radioDistance(q.pos, pos, this.model.radio);
        if (d > this.model.radio.hopRangeM * (relays + 1) + 1e-9) continue;
        if (best && d >= best.distance) continue;
        const chain = relays === 0 ? (inRange(q.pos, pos, this.model.radio) ? [] : null) : this.relayChain(q.pos, pos, relays);
        if (chain) best = { hub, pos, parent: i, relays: chain, distance: d };
      }
      if (best) return best;
    }
    return null;
  }

  private slidTowards(hub: Hub, node: number): FloorPoint {
    let cached = this.slid.get(hub);
    if (!cached) this.slid.set(hub, (cached = []));
    return (cached[node] ??= this.towards(hub, this.nodes[node]!.pos));
  }

  /**
   * The hub's position slid along the segment towards `target` as far as every one of
   * its doors stays in range (the feasible part of a segment is an interval, so a
   * bisection finds its end), staying on a floor.
   */
  private towards(hub: Hub, target: FloorPoint): FloorPoint {
    const from = hub.pos;
    if (target.level !== from.level) return from;
    const at = (t: number): FloorPoint => ({ floor: from.floor, level: from.level, x: from.x + (target.x - from.x) * t, y: from.y + (target.y - from.y) * t });
    const fits = (p: FloorPoint) => hub.doors.every((d) => inRange(p, this.model.doors[d]!, this.model.radio)) && this.model.isOnFloor(p);
    if (fits(at(1))) return at(1);
    let lo = 0;
    let hi = 1;
    for (let k = 0; k < 20; k++) {
      const mid = (lo + hi) / 2;
      if (fits(at(mid))) lo = mid;
      else hi = mid;
    }
    return lo === 0 ? from : at(lo);
  }

  /**
   * Relay points from a to b: evenly spaced along the straight line, or standing right
   * above/below either end (a hop between floors only works nearly vertically), on the
   * floors of either end or between them; a tiny search picks a chain whose every hop
   * is in range and whose every relay stands on a floor.
   */
  private relayChain(a: FloorPoint, b: FloorPoint, relays: number): FloorPoint[] | null {
    const lo = Math.min(a.level, b.level);
    const hi = Math.max(a.level, b.level);
    const spots: { x: number; y: number }[] = [{ x: a.x, y: a.y }, { x: b.x, y: b.y }];
    for (const t of [1 / 2, 1 / 3, 2 / 3]) spots.push({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });
    const points: FloorPoint[] = [];
    for (let level = lo; level <= hi; level++) {
      for (const { x, y } of spots) {
        const floor = this.model.floorAt(level, x, y);
        if (floor) points.push({ floor: floor.id, level, x, y });
      }
    }
    const radio = this.model.radio;
    const search = (from: FloorPoint, left: number): FloorPoint[] | null => {
      if (left === 0) return inRange(from, b, radio) ? [] : null;
      for (const p of points) {
        if (!inRange(from, p, radio)) continue;
        const rest = search(p, left - 1);
        if (rest) return [p, ...rest];
      }
      return null;
    };
    return search(a, relays);
  }

  attach(att: Attachment): void {
    let parent = att.parent;
    this.children[parent]!++;
    for (const r of att.relays) {
      this.nodes.push({ pos: r, level: this.nodes[parent]!.level + 1, parent, hub: null });
      this.children.push(0);
      parent = this.nodes.length - 1;
      this.children[parent]!++;
    }
    this.nodes.push({ pos: att.pos, level: this.nodes[parent]!.level + 1, parent, hub: att.hub });
    this.children.push(0);
    this.repeaters += att.relays.length + 1;
    this.locks += att.hub.doors.length;
  }

  /** A tree of one hub whose doors all reach the IQ needs no repeater at all. */
  canDropRepeaters(): boolean {
    const hubs = this.hubs;
    if (this.repeaters !== 1 || hubs.length !== 1) return false;
    return hubs[0]!.doors.every((d) => inRange(this.iqPos, this.model.doors[d]!, this.model.radio));
  }
}
