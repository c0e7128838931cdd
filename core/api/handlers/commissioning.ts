import type { Workspace } from "../../app/workspace.ts";
import { isRadioSwitch } from "../../app/radio.ts";
import { asBuiltOf, attachedTo, bleStateMessage, deleteIq, plannedTree, replaceIq, type CommissioningFlow, type CommissioningJob, type CommissioningProgress } from "../../commissioning/index.ts";
import { AppError } from "../../errors/index.ts";
import type { SecretVault } from "../../ports/secret-vault.ts";
import type { SiteStore } from "../../store/index.ts";
import type { BleState, JobView } from "../features/commissioning.contract.ts";
import type { EventHub, HandlerModule } from "../router.ts";

/** Without a radio the procedures still answer, and say why nothing can be found. */
const NO_RADIO: BleState = {
  state: "unavailable",
  kind: null,
  message: "Bluetooth is not available in this Lintel. Switch on simulated IQs to try commissioning without hardware.",
};

export function jobViewOf(store: SiteStore, job: CommissioningJob): JobView {
  const iq = store.get("iq", job.iqId);
  const locks = job.devices.filter((d) => d.role === "lock");
  return {
    job,
    iq: { id: job.iqId, name: iq?.name ?? "?", serial: iq?.serial ?? null, model: iq?.model ?? "IQ 2.0" },
    devices: job.devices.length,
    attached: job.devices.filter((d) => d.attachedAt !== null).length,
    locks: locks.length,
    opened: locks.filter((d) => d.test?.outcome === "opened").length,
  };
}

/**
 * Commissioning over the one radio: the adapter's state (also pushed as
 * `ble.stateChanged`), scanning, the per-IQ jobs with `commissioning.progress` after
 * every stored change, the as-built view, and replacing or deleting IQs.
 */
export function commissioningHandlers(ws: Workspace, hub: EventHub, flow: CommissioningFlow, deps: { readonly vault: SecretVault | undefined }): HandlerModule {
  const bleState = (): BleState => {
    const central = flow.central;
    if (!central) return NO_RADIO;
    const state = central.state();
    // Real Bluetooth that cannot load says why (e.g. "EAFNOSUPPORT: …" where there is no adapter).
    const reason = state === "unavailable" && central.kind === "noble" && isRadioSwitch(central) ? central.unavailableReason() : null;
    return { state, kind: central.kind, message: reason ? `${bleStateMessage(state)} (${reason})` : bleStateMessage(state) };
  };
  const progress = (p: CommissioningProgress) =>
    hub.emit("commissioning.progress", {
      siteId: p.siteId,
      jobId: p.job.id,
      iqId: p.job.iqId,
      step: p.job.step,
      status: p.job.status,
      waitingFor: p.job.waitingFor,
      attempts: p.job.attempts,
      done: p.done,
      total: p.total,
      lastError: p.job.lastError,
    });
  const changed = (siteId: string, action: string) => hub.emit("site.changed", { siteId, action });
  const jobOf = (store: SiteStore, jobId: string) => {
    const job = store.get("commissioningJob", jobId);
    if (!job) throw new AppError("commissioning.not_found", "That commissioning job is not part of this site.", { jobId });
    return job;
  };
  /** A change to a job, announced like a step so the wizard redraws from one event. */
  const announce = (store: SiteStore, job: CommissioningJob, action: string): JobView => {
    progress({ siteId: store.siteId, job, done: 0, total: 0 });
    changed(store.siteId, action);
    return jobViewOf(store, job);
  };

  flow.central?.onStateChange(() => hub.emit("ble.stateChanged", bleState()));

  const run = async (input: { siteId: string; jobId: string; activationCode?: string | undefined; peripheralId?: string | undefined; acceptFailedTests: boolean }, actor: string, maxSteps?: number) => {
    const store = ws.get(input.siteId);
    const job = await flow.run(
      store,
      input.jobId,
      { activationCode: input.activationCode, peripheralId: input.peripheralId, acceptFailedTests: input.acceptFailedTests, maxSteps, onProgress: progress },
      actor,
    );
    changed(input.siteId, "commissioning.run");
    return jobViewOf(store, job);
  };

  return {
    "ble.state": () => bleState(),

    "ble.scan": async ({ durationMs, siteId }) => {
      const central = flow.central;
      if (!central) throw new AppError("ble.unavailable", NO_RADIO.message);
      const state = central.state();
      if (state !== "powered-on") throw new AppError(`ble.${state}`, bleStateMessage(state), { state });
      const found = await central.scan({
        durationMs,
        onFound: (iq) => hub.emit("ble.discovered", { peripheralId: iq.peripheralId, localName: iq.localName, serial: iq.serial, rssi: Math.round(iq.rssi) }),
      });
      const store = siteId === undefined ? undefined : ws.get(siteId);
      const iqs = store?.list("iq") ?? [];
      const jobs = store?.list("commissioningJob") ?? [];
      return [...found]
        .sort((a, b) => b.rssi - a.rssi)
        .map((f) => {
          const iq = f.serial === null ? undefined : iqs.find((q) => q.serial === f.serial);
          return {
            peripheralId: f.peripheralId,
            localName: f.localName,
            serial: f.serial,
            rssi: Math.round(f.rssi),
            known: iq ? { iqId: iq.id, name: iq.name, jobId: jobs.find((j) => j.iqId === iq.id)?.id ?? null } : null,
          };
        });
    },

    "ble.blink": async (input) => {
      if ("jobId" in input) await flow.blink(ws.get(input.siteId), input.jobId, input.seconds);
      else await flow.blinkPeripheral(input.peripheralId, input.activationCode, input.seconds);
      return { blinking: true as const, seconds: input.seconds };
    },

    "ble.simulator": () => {
      const central = flow.central;
      if (!isRadioSwitch(central)) return { available: false, on: false, labels: [], wifi: [] };
      const view = central.simulator();
      return { available: true, on: view.on, labels: view.labels.map((l) => ({ ...l, repeaters: [...l.repeaters], locks: [...l.locks] })), wifi: [...view.wifi] };
    },

    "ble.useSimulated": async ({ on }) => {
      const central = flow.central;
      if (!isRadioSwitch(central)) {
        throw new AppError("ble.no_simulator", "This Lintel was started with a fixed radio; simulated IQs cannot be switched here.");
      }
      // Sessions belong to the radio they were opened on; a job picks up again on its next run.
      await flow.close();
      central.useSimulated(on);
      return bleState();
    },

    "commissioning.plannedIqs": ({ siteId }) => {
      const store = ws.get(siteId);
      const plan = store.latestPlan();
      if (!plan) return [];
      const jobs = store.list("commissioningJob");
      return plan.plan.iqs.map((q) => {
        const tree = plannedTree(plan.plan, q.id);
        const job = jobs.find((j) => j.planId === plan.id && j.planIqId === q.id);
        return {
          planId: plan.id,
          planIqId: q.id,
          repeaters: tree.repeaters.length,
          locks: tree.locks.length,
          jobId: job?.id ?? null,
          iqId: job?.iqId ?? null,
          step: job?.step ?? null,
          status: job?.status ?? null,
        };
      });
    },

    "commissioning.list": ({ siteId }) => {
      const store = ws.get(siteId);
      return store.list("commissioningJob").map((j) => jobViewOf(store, j));
    },

    "commissioning.get": ({ siteId, jobId }) => {
      const store = ws.get(siteId);
      return jobViewOf(store, jobOf(store, jobId));
    },

    "commissioning.start": async ({ siteId, ...input }, ctx) => {
      const store = ws.get(siteId);
      return announce(store, await flow.start(store, input, ctx.actor), "commissioning.start");
    },

    "commissioning.step": (input, ctx) => run(input, ctx.actor, 1),
    "commissioning.run": (input, ctx) => run(input, ctx.actor),

    "commissioning.rewind": ({ siteId, jobId, step }, ctx) => {
      const store = ws.get(siteId);
      return announce(store, flow.rewind(store, jobId, step, ctx.actor), "commissioning.rewind");
    },

    "commissioning.setNetwork": async ({ siteId, jobId, network }, ctx) => {
      const store = ws.get(siteId);
      return announce(store, await flow.setNetwork(store, jobId, network, ctx.actor), "commissioning.set-network");
    },

    "commissioning.sharedWifi": ({ siteId }) => flow.sharedWifi(ws.get(siteId)).map((w) => ({ ssid: w.ssid, security: w.security, usedBy: [...w.usedBy] })),

    "commissioning.wifiScan": async ({ siteId, jobId }) => (await flow.wifiScan(ws.get(siteId), jobId)).map((w) => ({ ...w })),

    "commissioning.setDeviceIds": ({ siteId, jobId, devices }, ctx) => {
      const store = ws.get(siteId);
      return announce(store, flow.setDeviceIds(store, jobId, devices, ctx.actor), "commissioning.set-device-ids");
    },

    "commissioning.setDevices": ({ siteId, jobId, devices }, ctx) => {
      const store = ws.get(siteId);
      return announce(store, flow.setDevices(store, jobId, devices, ctx.actor), "commissioning.set-devices");
    },

    "commissioning.asBuilt": ({ siteId, iqId }) => {
      const view = asBuiltOf(ws.get(siteId), iqId);
      return { ...view, planned: view.planned && [...view.planned], built: [...view.built], unknownOnIq: [...view.unknownOnIq], differences: [...view.differences] };
    },

    "iqs.list": ({ siteId }) => {
      const store = ws.get(siteId);
      const jobs = store.list("commissioningJob");
      return store.list("iq").map((iq) => {
        const a = attachedTo(store, iq.id);
        const job = jobs.find((j) => j.iqId === iq.id);
        return { iq, job: job ? jobViewOf(store, job) : null, attached: a.repeaterIds.length + a.lockIds.length };
      });
    },

    "iqs.replace": ({ siteId, oldIqId, newIqId }, ctx) => {
      const store = ws.get(siteId);
      const result = store.act({ name: "iqs.replace", actor: ctx.actor }, (tx) => replaceIq(tx, oldIqId, newIqId));
      changed(siteId, "iqs.replace");
      if (result.newJob) progress({ siteId, job: result.newJob, done: 0, total: result.newJob.devices.length });
      return { moved: result.moved, newJob: result.newJob ? jobViewOf(store, result.newJob) : null };
    },

    "iqs.delete": async ({ siteId, iqId }, ctx) => {
      const store = ws.get(siteId);
      const result = store.act({ name: "iqs.delete", actor: ctx.actor }, (tx) => deleteIq(tx, iqId));
      changed(siteId, "iqs.delete");
      if (result.job) await flow.forgetJob(result.job);
      for (const key of result.vaultKeys) await deps.vault?.delete(key);
      return { deleted: true as const };
    },
  };
}
