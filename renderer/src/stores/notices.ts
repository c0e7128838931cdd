import { defineStore } from "pinia";
import { ref } from "vue";
import { describeError, type ErrorView } from "../errors/describe.ts";

/** The one error shown in the banner: the latest failure, with what was being done. */
export interface Notice extends ErrorView {
  readonly id: number;
  readonly context: string;
}

export const useNoticesStore = defineStore("notices", () => {
  const current = ref<Notice | null>(null);
  let nextId = 1;

  /** Show a failure in words. `context` says what the person was doing ("Opening the site"). */
  function fail(context: string, e: unknown): void {
    current.value = { ...describeError(e), id: nextId++, context };
    console.error(`[lintel] ${context}:`, e);
  }

  function dismiss(): void {
    current.value = null;
  }

  /** Run a call; on failure show it and return undefined, so callers stay linear. */
  async function attempt<T>(context: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (e) {
      fail(context, e);
      return undefined;
    }
  }

  return { current, fail, dismiss, attempt };
});
