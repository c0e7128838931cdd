import type { MeshPlan, SiteSurvey } from "./format.ts";

/**
 * The shapes shared by the topology validator, the planner, the CLI and the bench.
 * (Implementations: validator.ts, planner.ts.)
 */

/** One broken rule of an IQ tree (KS 2204), with every id involved. */
export interface Violation {
  readonly rule: ViolationRule;
  /** One sentence a person can act on, naming the ids. */
  readonly message: string;
  readonly ids: readonly string[];
}

export type ViolationRule =
  | "duplicate-id" // IQ and repeater ids must be unique across both lists
  | "unknown-door" // a lock entry names a door the site does not have
  | "door-unplanned" // a door has no lock entry
  | "door-twice" // a door has more than one lock entry
  | "parent-missing" // a lock's or repeater's parent does not exist
  | "repeater-parent" // a repeater's parent is neither an IQ nor a repeater (e.g. itself)
  | "cycle" // following parents never reaches an IQ
  | "iq-locks" // more than 16 locks in one IQ's tree
  | "iq-repeaters" // more than 6 repeaters in one IQ's tree
  | "chain-depth" // more than 3 repeaters in a chain
  | "repeater-children" // more than 2 child repeaters on one repeater
  | "lock-on-iq-with-repeaters" // a lock hangs on an IQ that has repeaters
  | "hop-range" // a hop longer than the radio range
  | "unknown-floor" // an IQ or repeater names a floor the site does not have
  | "off-floor" // an IQ or repeater outside its floor's bounds
  | "iq-site" // with iqSites: an IQ without a site, an unknown site, or not at its site's position; without: a site given
  | "cost"; // the plan's cost is not what its hardware costs

export interface PlanProgress {
  readonly phase: "cover" | "trees" | "improve" | "done";
  /** 0..1 within the whole run. */
  readonly fraction: number;
}

export interface PlanOptions {
  /** Stop improving after this long (the plan found so far is returned). Default 2000 ms. */
  readonly timeLimitMs?: number;
  readonly onProgress?: (p: PlanProgress) => void;
  /** Milliseconds clock for the time limit; injected so tests are exact. */
  readonly now?: () => number;
}

export interface UnservableDoor {
  readonly door: string;
  readonly reason: string;
}

export type PlanResult =
  | { readonly ok: true; readonly plan: MeshPlan }
  | { readonly ok: false; readonly unservable: readonly UnservableDoor[] };

export type { MeshPlan, SiteSurvey };
