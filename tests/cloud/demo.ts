import { totpFor, type AuthService } from "./auth.ts";
import type { CloudContext } from "./context.ts";
import { grantSubscription, registerHardware, seedAccount } from "./emulator.ts";

/**
 * The accounts `npm run cloud` starts with, fixed so that a person (and an e2e test)
 * can sign in from the printed values: an installer with TOTP, SMS and e-mail as
 * second factors and two subscriptions, and the demo hotel's owner-to-be without 2FA.
 */

export const DEMO_INSTALLER = Object.freeze({
  email: "installer@lintel.example",
  password: "lintel-demo-2026",
  phone: "+32 470 12 34 56",
  /** Base32, 160 bits: any authenticator app (or `otpauth`) makes the codes from it. */
  totpSecret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
});

export const DEMO_OWNER = Object.freeze({
  email: "maren.claes@aurora-hotel.example",
  password: "aurora-owner-2026",
});

/** The demo IQs of core/devices/ble/sim/fleet.ts, so activating them works. */
const DEMO_IQS = [
  { serial: "SN24A0001", activation_code: "K7QF-29XM", model: "IQ 2.0" },
  { serial: "SN24A0002", activation_code: "M3RD-8PQZ", model: "IQ 2.0" },
] as const;

export interface DemoInfo {
  readonly installer: { readonly email: string; readonly password: string; readonly phone: string; readonly totpSecret: string; readonly otpauthUrl: string };
  readonly owner: { readonly email: string; readonly password: string };
  readonly subscriptionIds: readonly string[];
}

/** Seeds the demo data once (a persisted database keeps it across restarts). */
export function seedDemo(cx: CloudContext, auth: AuthService): DemoInfo {
  let otpauthUrl: string;
  if (!auth.accountByEmail(DEMO_INSTALLER.email)) {
    const seeded = seedAccount(auth, {
      email: DEMO_INSTALLER.email,
      password: DEMO_INSTALLER.password,
      first_name: "Demo",
      last_name: "Installer",
      phone: DEMO_INSTALLER.phone,
      totp_secret: DEMO_INSTALLER.totpSecret,
    });
    cx.db.prepare(`UPDATE accounts SET sms_enabled = 1 WHERE id = ?`).run(seeded.account.id);
    otpauthUrl = seeded.otpauth_url!;
    const year = new Date(cx.now() + 365 * 86_400_000).toISOString();
    grantSubscription(cx, auth, { email: DEMO_INSTALLER.email, plan: "KS Pro", valid_until: year });
    grantSubscription(cx, auth, { email: DEMO_INSTALLER.email, plan: "KS Pro", valid_until: year });
    seedAccount(auth, { email: DEMO_OWNER.email, password: DEMO_OWNER.password, first_name: "Maren", last_name: "Claes" });
    for (const iq of DEMO_IQS) registerHardware(cx, iq);
  } else {
    otpauthUrl = totpFor(DEMO_INSTALLER.email, DEMO_INSTALLER.totpSecret).toString();
  }
  const installer = auth.accountByEmail(DEMO_INSTALLER.email)!;
  const subs = cx.db.prepare(`SELECT id FROM subscriptions WHERE account_id = ? ORDER BY valid_until, rowid`).all(installer.id) as { id: string }[];
  return {
    installer: { ...DEMO_INSTALLER, otpauthUrl },
    owner: { ...DEMO_OWNER },
    subscriptionIds: subs.map((s) => s.id),
  };
}
