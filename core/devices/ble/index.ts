/**
 * The Bluetooth commissioning module's public face: the port, the two centrals, and
 * the session that turns a GATT link into an IqClient. The flow imports from here.
 */
export type { BleAdapterState, BleCentral, ConnectOptions, DiscoveredIq, GattLink, IqClient, IqIdentity, IqStatus, AttachResult, TestOpenResult, ScanOptions } from "./port.ts";
export type { DeviceRole, NetworkConfig, TreeNode, WifiNetwork, WifiSecurity, TestOpenOutcome, CloudState, Uplink, BleKsCode } from "./commands.ts";
export { BleCodecError, BleLinkError, isBleLinkError, type BleCodecCode, type BleLinkCode } from "./errors.ts";
export { openIqSession, IqSession, DEFAULT_SESSION_TIMINGS, type IqSessionDeps, type IqSessionStats, type IqSessionTimings } from "./client.ts";
export { IQ_SERVICE_UUID, IQ_RX_UUID, IQ_TX_UUID, serialFromLocalName } from "./gatt.ts";
export { createSimulatedCentral, SimulatedCentral, type SimulatedCentralOptions } from "./sim/central.ts";
export { demoFleet, demoTree, DEMO_WIFI, type DemoPlacement } from "./sim/fleet.ts";
export type { SimIqConfig, SimDevice, SimWifiNetwork, SimIq } from "./sim/iq.ts";
export { createNobleCentral, NobleCentral, type NobleCentralOptions, type NobleLoader } from "./noble/central.ts";
