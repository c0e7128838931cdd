/**
 * The KS cloud API's error table, exactly as the vendor FAQ prints it
 * (shared/seeds/000_cc43e4921ce13ec8.txt, "HTTP Status code | Error code | Description").
 *
 * `http` is the table's status text verbatim, odd rows included ("404 ???", "???",
 * "200", "408 / 404 / 400 / 403 / 500"). What a client does with those oddities is
 * decided in code (see `statusesOf` in ks-error.ts), never by editing this data.
 */
export interface KsErrorRow {
  readonly code: number;
  readonly http: string;
  readonly message: string;
}

export const KS_ERROR_TABLE = Object.freeze([
  { code: 1100, http: "400", message: "The request received is invalid" },
  { code: 1101, http: "404 ???", message: "Value of '{parameterName}' is invalid." },
  { code: 1102, http: "400", message: "The OData filter format is invalid." },
  { code: 1500, http: "401", message: "Unauthorized request" },
  { code: 1501, http: "400", message: "Activation code invalid" },
  { code: 2201, http: "500", message: "An internal error has occurred. Please contact the administrator" },
  { code: 2203, http: "403", message: "Operation cannot be executed." },
  { code: 2204, http: "400", message: "Iq tree is invalid" },
  { code: 2205, http: "400", message: "Offline access is invalid" },
  { code: 2206, http: "400", message: "Replace iq is invalid" },
  { code: 2207, http: "400", message: "Ava update is invalid" },
  { code: 2208, http: "400", message: "IqActivationException" },
  { code: 2209, http: "400", message: "Delete iq prerequisites are not met" },
  { code: 2210, http: "400", message: "Site cannot be accessed if not released" },
  { code: 2211, http: "200", message: "Tenant Certificate Sync failed for Iq" },
  { code: 2212, http: "403", message: "You cannot access this feature on this site at this moment because you don’t have a valid subscription." },
  { code: 2213, http: "400", message: "Pod with this name already exists in site" },
  { code: 2214, http: "400", message: "Locks can not be added to the pod because they are not part of the site" },
  { code: 2215, http: "400", message: "At least one Pod Member must have an email." },
  { code: 2216, http: "400", message: "Can not add the same user to the Pod twice." },
  { code: 2217, http: "400", message: "Can't add member(s) to the Pod. They belong to another Pod in this site already." },
  { code: 2218, http: "400", message: "Can not add the same tag to different Pod members." },
  { code: 2219, http: "400", message: "New guest limit must be equal to or higher than the current number of guests." },
  { code: 2220, http: "403", message: "Can not perform this operation on the site user because they are a pod member. Please remove them from the pod first." },
  { code: 2221, http: "400", message: "Can not add all guests. Max guest amount reached for pod." },
  { code: 2222, http: "400", message: "Locks can not be used because they are not part of the pod." },
  { code: 2223, http: "400", message: "Migration aborted" },
  { code: 3010, http: "???", message: "ClpFunctionException ???" },
  { code: 3101, http: "500", message: "Ccc generic exception" },
  { code: 3102, http: "408 / 404 / 400 / 403 / 500", message: "Ccc command failed due to iq error." },
  { code: 3103, http: "403", message: "Ccc operation cannot be executed." },
  { code: 3104, http: "404", message: "Ccc entity not found" },
  { code: 3105, http: "400", message: "Iq is offline it is not connected to CCC" },
  { code: 3201, http: "500", message: "RequestFailedException ???" },
  { code: 4101, http: "400", message: "Invalid try to send a message" },
  { code: 4201, http: "400", message: "We could not invite the user" },
] as const satisfies readonly KsErrorRow[]);

/** Every code of the table, as a literal type: a typo in a code is a compile error. */
export type KsCode = (typeof KS_ERROR_TABLE)[number]["code"];

