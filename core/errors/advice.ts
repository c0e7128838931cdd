import { statusesOf } from "./app-error.ts";
import type { KsErrorRow } from "./ks-error-table.ts";

/**
 * What a person should do about each KS error, in words. The table says what went
 * wrong in the vendor's terms; this says what to do next on site.
 */
const ADVICE: Readonly<Record<number, string>> = {
  1100: "The request was malformed. If you typed the values, check them; otherwise this is a bug in Lintel — send the site's diagnostics to support.",
  1101: "One value was refused: the details name the parameter. Correct it and try again.",
  1102: "The list filter could not be read. Remove or simplify the filter.",
  1500: "You are not signed in, or your session expired. Sign in to the KS cloud again.",
  1501: "The IQ's activation code is wrong. Read it again from the IQ's label (it is case-sensitive) and retry.",
  2201: "The KS cloud failed internally. Retry later; if it persists, contact the KS administrator.",
  2203: "This operation is not allowed right now. Check your role on the site.",
  2204: "The IQ tree breaks a limit: at most 16 locks and 6 repeaters per IQ, chains of 3 repeaters, 2 child repeaters per repeater, no lock on an IQ that has repeaters, hops within 10 m. Open Plan to see each violation.",
  2205: "The offline access settings are not valid. Reduce the number of users with offline access on the lock.",
  2206: "The replacement IQ cannot take over this tree. Check that the new IQ is activated, empty, and of a model that supports the tree.",
  2207: "The firmware update is not valid for this device. Check the model and version, then retry the update.",
  2208: "The IQ could not be activated. Check the activation code and the IQ's internet connection, then retry.",
  2209: "An IQ can only be deleted with nothing attached. Detach its locks and repeaters first.",
  2210: "The site has not been released yet. Finish the handover so the site is released, then retry.",
  2211: "The IQ did not receive the tenant certificate, although the request was accepted. Keep the IQ online and sync again.",
  2212: "The site has no valid subscription. Add or renew the subscription, then retry.",
  2213: "A pod with this name already exists on the site. Choose another name.",
  2214: "Some locks are not part of this site. Pick locks from this site only.",
  2215: "A pod needs at least one member with an e-mail address. Add an e-mail to a member.",
  2216: "That user is already a member of this pod.",
  2217: "A member cannot belong to two pods of the same site. Remove them from the other pod first.",
  2218: "A tag can be given to only one pod member. Choose a different tag.",
  2219: "The guest limit cannot go below the number of guests the pod already has. Remove guests first or choose a higher limit.",
  2220: "This user is a pod member. Remove them from the pod first.",
  2221: "The pod's guest limit is reached; no guest was added. Ask a Site Admin to raise the limit, or remove guests.",
  2222: "Guests can only use the pod's own locks. Pick locks from the pod.",
  2223: "The migration was aborted; nothing changed. Retry, and contact support if it fails again.",
  3010: "The cloud failed in a way it does not describe. Retry later.",
  3101: "The cloud's command service failed. Retry later.",
  3102: "The IQ could not carry out the command. Check that the IQ is powered and online, then retry.",
  3103: "The IQ cannot carry out this operation in its current state.",
  3104: "The device was not found on the IQ. Check that it is attached.",
  3105: "The IQ is not connected to the cloud. Check its network (cable, Wi-Fi or SIM) and its status light, then retry.",
  3201: "A request inside the cloud failed. Retry later.",
  4101: "The message could not be sent. Check the recipient and retry.",
  4201: "The user could not be invited. Check the e-mail address and retry.",
};

export function adviceFor(row: KsErrorRow): string {
  const known = ADVICE[row.code];
  if (known) return known;
  return statusesOf(row).some((s) => s >= 500) ? "The cloud failed. Retry later." : "The request was refused. Check the values and retry.";
}
