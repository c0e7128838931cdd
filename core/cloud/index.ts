/** Lintel's side of the KS cloud: HTTP client, sign-in with 2FA, and the sync engine's remote. */
export { KsHttp, errorFromWire, type FetchLike, type KsHttpOptions, type KsRequest, type KsResponse } from "./http.ts";
export { CloudSession, SecondFactor, type SignInOutcome, type VerifyOutcome, type SessionStatus, type CloudSessionOptions } from "./session.ts";
export { KsSyncRemote, MAX_BATCH, type CloudSubscription } from "./sync-remote.ts";
export { cloudErrors, retryInfo, adviceForError, ksErrorFrom } from "./errors.ts";
export { RESOURCE_OF, IQ_TREES, isSynced, entityOfResource, toCloudBody, fromCloudBody, toCloudSite, fromCloudSite, snakeKey, camelKey } from "./documents.ts";
