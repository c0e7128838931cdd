/** The topology module: exchange formats, radio model, shared shapes, validator and planner. */
export * from "./format.ts";
export * from "./radio.ts";
export * from "./api.ts";
export * from "./validator.ts";
export { planMesh, planMeshAsync } from "./planner.ts";
